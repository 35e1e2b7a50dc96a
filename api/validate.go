package api

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/dripbook/dripbook/address"
	"github.com/dripbook/dripbook/fault"
	"github.com/dripbook/dripbook/timezone"
)

// maxNameLen caps the name a visitor gives.
const maxNameLen = 100

// signupRequest is what a visitor sends, from the form or as JSON. It is not
// a table row: validate turns it into the normalised values the store takes.
type signupRequest struct {
	Email    string `json:"email"`
	Name     string `json:"name"`
	Timezone string `json:"timezone"`
}

// validate normalises the request in place and reports the first problem.
func (r *signupRequest) validate() error {
	r.Email = strings.ToLower(strings.TrimSpace(r.Email))
	r.Name = strings.TrimSpace(r.Name)
	r.Timezone = strings.TrimSpace(r.Timezone)
	email, err := address.Normalise(r.Email)
	if err != nil {
		return err
	}
	r.Email = email
	if err := checkName(r.Name); err != nil {
		return err
	}
	return checkTimezone(r.Timezone)
}

func checkName(name string) error {
	if !utf8.ValidString(name) || strings.ContainsFunc(name, unicode.IsControl) {
		return &fault.FieldError{Field: "name", Message: "Your name contains characters we can't use."}
	}
	if utf8.RuneCountInString(name) > maxNameLen {
		return &fault.FieldError{Field: "name", Message: "Please use at most 100 characters for your name."}
	}
	return nil
}

// checkTimezone accepts an IANA zone or nothing; lessons then go out in the
// default zone. "Local" names the server's zone, not the visitor's.
func checkTimezone(tz string) error {
	if tz == "" {
		return nil
	}
	if timezone.Valid(tz) {
		return nil
	}
	return &fault.FieldError{Field: "timezone", Message: "Unknown time zone."}
}

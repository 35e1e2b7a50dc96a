package api

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/dripbook/dripbook/fault"
	"github.com/dripbook/dripbook/timezone"
	"golang.org/x/net/idna"
)

// Limits on signup input. 254 is the longest address SMTP can carry
// (RFC 5321 path limit minus the angle brackets).
const (
	maxLabelLen = 63 // octets in one DNS label (RFC 1035)
	maxEmailLen = 254
	maxNameLen  = 100
)

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
	email, err := normaliseEmail(r.Email)
	if err != nil {
		return err
	}
	r.Email = email
	if err := checkName(r.Name); err != nil {
		return err
	}
	return checkTimezone(r.Timezone)
}

// normaliseEmail checks a lower-cased address and returns it with its
// domain in one form, ASCII (punycode), so an internationalised domain and
// its punycode spelling are one subscriber.
func normaliseEmail(email string) (string, error) {
	switch {
	case email == "":
		return "", &fault.FieldError{Field: "email", Message: "Enter your email address."}
	case len(email) > maxEmailLen:
		return "", &fault.FieldError{Field: "email", Message: "That email address is too long."}
	}
	badAddress := &fault.FieldError{Field: "email", Message: "Enter an email address like name@example.com."}
	// Only a bare address will do: ParseAddress also accepts display names,
	// comments and quoting, none of which belong in this field.
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Name != "" || addr.Address != email {
		return "", badAddress
	}
	at := strings.LastIndexByte(email, '@')
	local, domain := email[:at], email[at+1:]
	if strings.HasPrefix(domain, "[") {
		return "", &fault.FieldError{Field: "email", Message: "Enter an address at a domain name, not an IP address."}
	}
	ascii, err := idna.Lookup.ToASCII(domain)
	if err != nil || !strings.Contains(ascii, ".") || strings.HasPrefix(ascii, ".") || strings.HasSuffix(ascii, ".") {
		return "", badAddress
	}
	for _, label := range strings.Split(ascii, ".") {
		if label == "" || len(label) > maxLabelLen {
			return "", &fault.FieldError{Field: "email", Message: "Each part of the domain must be 1 to 63 characters long."}
		}
	}
	email = local + "@" + ascii
	if len(email) > maxEmailLen {
		return "", &fault.FieldError{Field: "email", Message: "That email address is too long."}
	}
	return email, nil
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

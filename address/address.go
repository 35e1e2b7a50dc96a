// Package address checks an email address a person typed and returns it in
// the one form dripbook stores, so each mailbox is one subscriber however it
// was spelled, and names the inbox it reaches, which limits count by.
package address

import (
	"net/mail"
	"strings"

	"golang.org/x/net/idna"

	"github.com/dripbook/dripbook/fault"
)

// Limits on an address. 254 is the longest address SMTP can carry (RFC 5321
// path limit minus the angle brackets).
const (
	maxLabelLen = 63 // octets in one DNS label (RFC 1035)
	MaxLen      = 254
)

// Normalise trims and lower-cases an address, checks it and returns it with
// its domain in one form, ASCII (punycode), so an internationalised domain
// and its punycode spelling are one subscriber. A problem is a
// *fault.FieldError on the field "email" that says what to fix.
func Normalise(email string) (string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	switch {
	case email == "":
		return "", &fault.FieldError{Field: "email", Message: "Enter your email address."}
	case len(email) > MaxLen:
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
	if len(email) > MaxLen {
		return "", &fault.FieldError{Field: "email", Message: "That email address is too long."}
	}
	return email, nil
}

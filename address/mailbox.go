package address

import (
	"strings"

	"golang.org/x/net/idna"
)

// Mailbox is the inbox an address delivers to, as one string for every way
// of writing it: lower case, without a +tag, the domain in its ASCII
// (Punycode) form, and for Gmail without dots in the name. Limits on
// confirmation emails count by it, so that victim+1@ and victim+2@ are the
// one inbox they reach.
func Mailbox(email string) string {
	email = strings.ToLower(strings.TrimSpace(email))
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return email
	}
	local, domain := email[:at], strings.TrimSuffix(email[at+1:], ".")
	if ascii, err := idna.Lookup.ToASCII(domain); err == nil {
		domain = ascii
	}
	if tagless, _, _ := strings.Cut(local, "+"); tagless != "" {
		local = tagless
	}
	// Gmail ignores dots in the name and serves both domains from one inbox.
	if domain == "gmail.com" || domain == "googlemail.com" {
		domain = "gmail.com"
		if dotless := strings.ReplaceAll(local, ".", ""); dotless != "" {
			local = dotless
		}
	}
	return local + "@" + domain
}

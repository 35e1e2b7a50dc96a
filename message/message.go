package message

import (
	"errors"
	"strings"
)

// ErrPermanent marks a send refused for good because of its recipient (the
// address does not exist) or a message that can never be sent as built.
// Retrying will not help; every other send error is temporary and worth
// retrying with backoff, and a PausedError is not even a failed attempt.
var ErrPermanent = errors.New("permanent delivery failure")

// ErrUnbuildable marks a message that cannot be written as valid mail. It is
// dripbook's bug, never the recipient's: the delivery fails loudly and
// nobody is bounced for it.
var ErrUnbuildable = errors.New("message cannot be built")

// Message is one email to one recipient, independent of how it is sent.
type Message struct {
	// From is the sender as configured, e.g. "Coach <coach@localhost>".
	From string
	// To is the recipient's address.
	To string
	// ToName is the recipient's display name, if known.
	ToName string
	// Subject is the plain-text subject line.
	Subject string
	// Text is the plain-text part.
	Text string
	// HTML is the HTML part.
	HTML string
	// MessageID is the Message-ID without angle brackets. It is derived from
	// the delivery, so a retried send carries the same ID.
	MessageID string
	// Headers are extra header fields, such as UnsubscribeHeaders.
	Headers map[string]string
	// Calendar is an optional iCalendar invitation.
	Calendar *Calendar
}

// Content is a rendered email, ready to be put in a Message.
type Content struct {
	Subject   string
	Preheader string
	HTML      string
	Text      string
}

// Calendar is an iCalendar object to send along with a message.
type Calendar struct {
	// Method is the iTIP method, e.g. REQUEST or CANCEL.
	Method string
	// Data is the iCalendar text.
	Data []byte
}

// UnsubscribeHeaders are the List-Unsubscribe (RFC 2369) and one-click
// List-Unsubscribe-Post (RFC 8058) fields every course email carries.
func UnsubscribeHeaders(url string) map[string]string {
	return map[string]string{
		"List-Unsubscribe":      "<" + url + ">",
		"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
	}
}

// OneLine folds whitespace and control characters so a value typed into a
// form cannot break a subject line or a header.
func OneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return r < 0x20 || r == 0x7f || r == ' ' || r == '\u00a0' || r == '\u2028' || r == '\u2029'
	}), " ")
}

package message

import (
	"errors"
	"mime"
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
	// Headers are extra header fields, such as CourseHeaders.
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

// AutoSubmitted is the Auto-Submitted value (RFC 3834) of every email
// dripbook sends: each is written by the program, so vacation responders and
// out-of-office rules leave it unanswered.
const AutoSubmitted = "auto-generated"

// CourseHeaders are the list fields every course email carries: List-Id
// (RFC 2919), which names the course so clients and filters can group its
// lessons, List-Unsubscribe (RFC 2369) and one-click List-Unsubscribe-Post
// (RFC 8058). domain is the sender's mail domain.
func CourseHeaders(title, domain, unsubscribeURL string) map[string]string {
	return map[string]string{
		"List-Id":               ListID(title, domain),
		"List-Unsubscribe":      "<" + unsubscribeURL + ">",
		"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
	}
}

// ListID is the List-Id of a course: its title as the description and, as
// the identifier, the title in lower-case letters and digits under the
// sender's domain: `"The Product Leader Canyon"
// <the-product-leader-canyon.example.com>`. A title that is not plain ASCII
// is written as an RFC 2047 encoded word, in base64.
func ListID(title, domain string) string {
	title = OneLine(title)
	var label strings.Builder
	dash := false
	for _, r := range strings.ToLower(title) {
		if r < 0x80 && (r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			if dash && label.Len() > 0 {
				label.WriteByte('-')
			}
			label.WriteRune(r)
			dash = false
			continue
		}
		dash = true
	}
	id := label.String()
	if len(id) > 60 {
		id = strings.TrimRight(id[:60], "-")
	}
	if id == "" {
		id = "course"
	}
	id += "." + strings.Trim(strings.ToLower(OneLine(domain)), ". ")
	if title == "" {
		return "<" + id + ">"
	}
	// Base64 words: a Q-encoded word in a phrase may not hold the title's
	// quotes, brackets or commas (RFC 2047 §5), which Q leaves as they are.
	phrase := mime.BEncoding.Encode("utf-8", title)
	if phrase == title {
		phrase = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(title) + `"`
	}
	return phrase + " <" + id + ">"
}

// OneLine folds whitespace and control characters so a value typed into a
// form cannot break a subject line or a header.
func OneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return r < 0x20 || r == 0x7f || r == ' ' || r == '\u00a0' || r == '\u2028' || r == '\u2029'
	}), " ")
}

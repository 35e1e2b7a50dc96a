package emails

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/wneessen/go-mail"
)

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

// Calendar is an iCalendar object to send along with a message.
type Calendar struct {
	// Method is the iTIP method, e.g. REQUEST or CANCEL.
	Method string
	// Data is the iCalendar text.
	Data []byte
}

// Build turns m into a go-mail message: multipart/alternative text and HTML
// (and calendar), plus the calendar as an invite.ics attachment, because
// some clients only offer "add to calendar" for one form and some for the
// other.
func (m *Message) Build() (*mail.Msg, error) {
	msg := mail.NewMsg(mail.WithNoDefaultUserAgent())
	if err := msg.From(m.From); err != nil {
		return nil, fmt.Errorf("build message: from %q: %w", m.From, err)
	}
	var err error
	if name := oneLine(m.ToName); name != "" {
		err = msg.AddToFormat(name, m.To)
	} else {
		err = msg.To(m.To)
	}
	if err != nil {
		return nil, fmt.Errorf("build message: to %q: %w", m.To, err)
	}
	msg.Subject(oneLine(m.Subject))
	msg.SetDate()
	if id := strings.Trim(m.MessageID, "<> "); id != "" {
		if strings.ContainsAny(id, " <>\r\n") || !strings.Contains(id, "@") {
			return nil, fmt.Errorf("build message: message ID %q must look like local@domain", m.MessageID)
		}
		msg.SetMessageIDWithValue(id)
	} else {
		msg.SetMessageID()
	}
	if err := setHeaders(msg, m.Headers); err != nil {
		return nil, fmt.Errorf("build message: %w", err)
	}
	if err := setBody(msg, m); err != nil {
		return nil, fmt.Errorf("build message: %w", err)
	}
	return msg, nil
}

// reservedHeaders are set by Build itself; letting Headers override them
// would produce a message that contradicts its own structure.
func reservedHeaders() []string {
	return []string{"from", "to", "cc", "bcc", "subject", "date", "message-id", "mime-version",
		"content-type", "content-transfer-encoding"}
}

func setHeaders(msg *mail.Msg, headers map[string]string) error {
	names := make([]string, 0, len(headers))
	for k := range headers {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, name := range names {
		value := headers[name]
		if !validHeaderName(name) {
			return fmt.Errorf("header name %q is not valid", name)
		}
		for _, r := range reservedHeaders() {
			if strings.EqualFold(name, r) {
				return fmt.Errorf("header %s is set from the message's own fields", name)
			}
		}
		if strings.ContainsAny(value, "\r\n") {
			return fmt.Errorf("header %s holds a line break", name)
		}
		msg.SetGenHeader(mail.Header(name), value)
	}
	return nil
}

func validHeaderName(name string) bool {
	for _, r := range name {
		if r <= ' ' || r >= 0x7f || r == ':' {
			return false
		}
	}
	return name != ""
}

func setBody(msg *mail.Msg, m *Message) error {
	switch {
	case m.Text != "" && m.HTML != "":
		msg.SetBodyString(mail.TypeTextPlain, m.Text)
		msg.AddAlternativeString(mail.TypeTextHTML, m.HTML)
	case m.Text != "":
		msg.SetBodyString(mail.TypeTextPlain, m.Text)
	case m.HTML != "":
		msg.SetBodyString(mail.TypeTextHTML, m.HTML)
	default:
		return errors.New("message has neither text nor HTML")
	}
	if m.Calendar == nil {
		return nil
	}
	method := strings.ToUpper(strings.TrimSpace(m.Calendar.Method))
	if method == "" {
		method = "REQUEST"
	}
	for _, r := range method {
		if r < 'A' || r > 'Z' {
			return fmt.Errorf("calendar method %q is not valid", m.Calendar.Method)
		}
	}
	msg.AddAlternativeString(mail.ContentType("text/calendar; method="+method), string(m.Calendar.Data))
	if err := msg.AttachReader("invite.ics", bytes.NewReader(m.Calendar.Data),
		mail.WithFileContentType("application/ics")); err != nil {
		return fmt.Errorf("attach invite: %w", err)
	}
	return nil
}

// UnsubscribeHeaders are the List-Unsubscribe (RFC 2369) and one-click
// List-Unsubscribe-Post (RFC 8058) fields every course email carries.
func UnsubscribeHeaders(url string) map[string]string {
	return map[string]string{
		"List-Unsubscribe":      "<" + url + ">",
		"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
	}
}

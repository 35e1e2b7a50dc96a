package relay

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"

	netmail "net/mail"

	"github.com/wneessen/go-mail"

	"github.com/dripbook/dripbook/message"
)

// Build turns m into a go-mail message: multipart/alternative text and HTML
// (and calendar), plus the calendar as an invite.ics attachment, because
// some clients only offer "add to calendar" for one form and some for the
// other.
func Build(m *message.Message) (*mail.Msg, error) {
	msg := mail.NewMsg(mail.WithNoDefaultUserAgent())
	if err := msg.From(m.From); err != nil {
		return nil, fmt.Errorf("build message: from %q: %w", m.From, err)
	}
	// The library encodes the display name (RFC 5322 quoting, RFC 2047 for
	// non-ASCII), so any name a visitor typed yields a valid To.
	to, err := netmail.ParseAddress(m.To)
	if err != nil || to.Name != "" {
		return nil, fmt.Errorf("build message: to %q is not a bare address", m.To)
	}
	to.Name = message.OneLine(m.ToName)
	msg.ToMailAddress(to)
	msg.Subject(message.OneLine(m.Subject))
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
	// Every email is written by the program: responders must not answer it
	// (RFC 3834), and Exchange, which reads its own field, keeps its
	// out-of-office notes and auto-replies to itself too.
	msg.SetGenHeader("Auto-Submitted", message.AutoSubmitted)
	msg.SetGenHeader("X-Auto-Response-Suppress", "OOF, AutoReply")
	if err := setBody(msg, m); err != nil {
		return nil, fmt.Errorf("build message: %w", err)
	}
	return msg, nil
}

// reservedHeaders are set by Build itself; letting Headers override them
// would produce a message that contradicts its own structure.
func reservedHeaders() []string {
	return []string{"from", "to", "cc", "bcc", "subject", "date", "message-id", "mime-version",
		"content-type", "content-transfer-encoding", "auto-submitted", "x-auto-response-suppress"}
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

func setBody(msg *mail.Msg, m *message.Message) error {
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

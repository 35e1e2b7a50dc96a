package message

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
)

// maxParts bounds how many MIME parts ParseMessage walks, so a malformed or
// hostile file in the outbox cannot make it loop for long.
const maxParts = 64

// Parsed is a message as a mail client would show it.
type Parsed struct {
	Header         mail.Header
	Subject        string // decoded from RFC 2047
	Text           string
	HTML           string
	Calendar       string
	CalendarMethod string
	Raw            []byte
}

// ParseMessage reads an RFC 5322 message: it walks multipart/mixed and
// multipart/alternative, decodes quoted-printable and base64 bodies and the
// RFC 2047 subject.
func ParseMessage(raw []byte) (*Parsed, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("parse message: %w", err)
	}
	p := &Parsed{Header: msg.Header, Raw: raw}
	dec := mime.WordDecoder{}
	if p.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		p.Subject = msg.Header.Get("Subject")
	}
	budget := maxParts
	if err := p.walk(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"),
		msg.Header.Get("Content-Disposition"), msg.Body, &budget); err != nil {
		return nil, fmt.Errorf("parse message: %w", err)
	}
	return p, nil
}

// walk reads one MIME entity, descending into multiparts.
func (p *Parsed) walk(contentType, encoding, disposition string, body io.Reader, budget *int) error {
	*budget--
	if *budget < 0 {
		return fmt.Errorf("more than %d parts", maxParts)
	}
	if contentType == "" {
		contentType = "text/plain; charset=utf-8"
	}
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return fmt.Errorf("content type %q: %w", contentType, err)
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			part, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("%s: %w", mediaType, err)
			}
			if err := p.walk(part.Header.Get("Content-Type"), part.Header.Get("Content-Transfer-Encoding"),
				part.Header.Get("Content-Disposition"), part, budget); err != nil {
				return err
			}
		}
	}
	data, err := io.ReadAll(decodeTransfer(encoding, body))
	if err != nil {
		return fmt.Errorf("%s body: %w", mediaType, err)
	}
	attachment := strings.HasPrefix(strings.ToLower(strings.TrimSpace(disposition)), "attachment")
	switch {
	case mediaType == "text/plain" && !attachment && p.Text == "":
		p.Text = strings.ReplaceAll(string(data), "\r\n", "\n")
	case mediaType == "text/html" && !attachment && p.HTML == "":
		p.HTML = strings.ReplaceAll(string(data), "\r\n", "\n")
	case mediaType == "text/calendar" && p.Calendar == "":
		p.Calendar, p.CalendarMethod = string(data), strings.ToUpper(params["method"])
	case mediaType == "application/ics" && p.Calendar == "":
		p.Calendar = string(data)
	}
	return nil
}

func decodeTransfer(encoding string, r io.Reader) io.Reader {
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, r)
	default:
		return r
	}
}

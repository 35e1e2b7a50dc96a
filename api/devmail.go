package api

import (
	"mime"
	"net/http"
	"sort"

	"github.com/labstack/echo/v4"
)

// mailHeader is one header line in the viewer.
type mailHeader struct {
	Name, Value string
}

// mailView is one captured message as the viewer shows it.
type mailView struct {
	Name           string
	Subject        string
	Headers        []mailHeader
	HTMLDoc        string // the HTML part, for the iframe's srcdoc
	Text           string
	Calendar       string
	CalendarMethod string
}

// devMailList lists captured mail, newest first. It exists only when mail is
// captured instead of sent, so a coach can try the whole course locally.
func (s *server) devMailList(c echo.Context) error {
	items, err := s.Mailbox.List()
	if err != nil {
		return err
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].Date.After(items[j].Date) })
	return s.render(c, http.StatusOK, "mail_list", "Captured mail", items)
}

// devMailShow shows one captured message: key headers, the HTML part in a
// sandboxed frame, and the text part as it is.
func (s *server) devMailShow(c echo.Context) error {
	name := c.Param("name")
	p, err := s.Mailbox.Open(name)
	if err != nil {
		return err
	}
	v := mailView{Name: name, Subject: p.Subject, Text: p.Text, Calendar: p.Calendar, CalendarMethod: p.CalendarMethod}
	var dec mime.WordDecoder
	// The headers that matter when checking what a subscriber receives.
	for _, h := range []string{"From", "To", "Subject", "Date", "Message-ID", "List-Unsubscribe", "List-Unsubscribe-Post"} {
		raw := p.Header.Get(h)
		if raw == "" {
			continue
		}
		value, err := dec.DecodeHeader(raw)
		if err != nil {
			value = raw
		}
		v.Headers = append(v.Headers, mailHeader{Name: h, Value: value})
	}
	if p.HTML != "" {
		// Links open in the top window (or a new one), not inside the frame,
		// so a confirm or unsubscribe link can be followed from here.
		v.HTMLDoc = `<base target="_top">` + p.HTML
	}
	return s.render(c, http.StatusOK, "mail_show", p.Subject, v)
}

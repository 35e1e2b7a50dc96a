package calendar

import (
	"net/url"
	"time"
)

// GoogleURL opens Google Calendar's new-event form filled in with e, for
// visitors whose mail client does not offer to add the attached invite.
func GoogleURL(e Event) string {
	const stamp = "20060102T150405Z"
	q := url.Values{}
	q.Set("action", "TEMPLATE")
	q.Set("text", text(e.Summary))
	q.Set("dates", e.Start.UTC().Format(stamp)+"/"+e.End.UTC().Format(stamp))
	q.Set("details", text(e.Description))
	if e.Location != "" {
		q.Set("location", text(e.Location))
	}
	return "https://calendar.google.com/calendar/render?" + q.Encode()
}

// OutlookURL opens Outlook on the web's new-event form filled in with e.
func OutlookURL(e Event) string {
	q := url.Values{}
	q.Set("path", "/calendar/action/compose")
	q.Set("rru", "addevent")
	q.Set("subject", text(e.Summary))
	q.Set("startdt", e.Start.UTC().Format(time.RFC3339))
	q.Set("enddt", e.End.UTC().Format(time.RFC3339))
	q.Set("body", text(e.Description))
	if e.Location != "" {
		q.Set("location", text(e.Location))
	}
	return "https://outlook.live.com/calendar/0/deeplink/compose?" + q.Encode()
}

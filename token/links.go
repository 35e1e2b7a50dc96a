package token

import (
	"net/url"
	"time"
)

// Links builds the absolute, signed URLs that go into emails and pages. Every
// link starts with the configured base URL, never the request's Host.
type Links struct {
	base   string
	signer *Signer
	now    func() time.Time
}

// NewLinks returns Links under base (no trailing slash). now may be nil for
// the real clock.
func NewLinks(base string, s *Signer, now func() time.Time) *Links {
	if now == nil {
		now = func() time.Time { return time.Now().UTC() }
	}
	return &Links{base: base, signer: s, now: now}
}

// Confirm is the double opt-in link.
func (l *Links) Confirm(subscriberID int64) string {
	return l.base + "/confirm/" + l.signer.Sign(Confirm, subscriberID, l.now())
}

// Unsubscribe is the one-click unsubscribe link (RFC 8058).
func (l *Links) Unsubscribe(subscriberID int64) string {
	return l.base + "/unsubscribe/" + l.signer.Sign(Unsubscribe, subscriberID, l.now())
}

// Book is the subscriber's personal booking link; from names the lesson it
// was sent in, so a booking can be traced to the lesson that led to it.
func (l *Links) Book(subscriberID int64, from string) string {
	u := l.base + "/book/" + l.signer.Sign(Book, subscriberID, l.now())
	if from != "" {
		u += "?from=" + url.QueryEscape(from)
	}
	return u
}

// Manage is a booking's page, with links to cancel or move it.
func (l *Links) Manage(bookingID int64) string {
	return l.base + BookingPaths(l.signer, bookingID, l.now()).Manage
}

// Cancel is the page whose button cancels a booking. Its token is good for
// nothing else.
func (l *Links) Cancel(bookingID int64) string {
	return l.base + BookingPaths(l.signer, bookingID, l.now()).Cancel
}

// Reschedule is the page that moves a booking. Its token is good for
// nothing else.
func (l *Links) Reschedule(bookingID int64) string {
	return l.base + BookingPaths(l.signer, bookingID, l.now()).Reschedule
}

// Invite is the "add to calendar" file of a booking, as the manage link
// signs it.
func (l *Links) Invite(bookingID int64) string {
	return l.base + BookingPaths(l.signer, bookingID, l.now()).Invite
}

// Paths are the site-relative links of one booking, each signed for its
// single purpose.
type Paths struct {
	Manage, Invite, Cancel, Reschedule string
}

// BookingPaths signs the links of one booking.
func BookingPaths(s *Signer, bookingID int64, now time.Time) Paths {
	manage := "/booking/" + s.Sign(Manage, bookingID, now)
	return Paths{
		Manage:     manage,
		Invite:     manage + "/invite.ics",
		Cancel:     "/booking/" + s.Sign(Cancel, bookingID, now) + "/cancel",
		Reschedule: "/booking/" + s.Sign(Reschedule, bookingID, now) + "/reschedule",
	}
}

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

// NewLinks returns Links under base (no trailing slash).
func NewLinks(base string, s *Signer, now func() time.Time) *Links {
	return &Links{base: base, signer: s, now: now}
}

// Base is the configured base URL.
func (l *Links) Base() string { return l.base }

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

// Manage is the page where a booking can be cancelled or moved.
func (l *Links) Manage(bookingID int64) string {
	return l.base + "/booking/" + l.signer.Sign(Manage, bookingID, l.now())
}

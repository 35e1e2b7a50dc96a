package config

import (
	"net/url"
	"strings"
)

// Scheduler is how dripbook hands a subscriber to the external scheduler at
// BOOKING_URL, and hears back from it which calls were booked there.
type Scheduler struct {
	// NameParam and EmailParam are the query parameters the scheduler
	// prefills its form from (BOOKING_URL_NAME_PARAM,
	// BOOKING_URL_EMAIL_PARAM).
	NameParam, EmailParam string
	// RefParam carries the signed reference to the subscriber, which the
	// scheduler returns in its webhook (BOOKING_URL_REF_PARAM).
	RefParam string
	// CalcomSecret and CalendlySecret verify the schedulers' webhooks at
	// /hooks/calcom and /hooks/calendly; empty turns that route off.
	CalcomSecret, CalendlySecret string
}

// The reference parameters each scheduler returns in its webhooks: Cal.com
// keeps metadata[...] parameters as the booking's metadata, Calendly keeps
// utm_content in the invitee's tracking.
const (
	calcomRefParam   = "metadata[dripbook_ref]"
	calendlyRefParam = "utm_content"
	genericRefParam  = "dripbook_ref"
)

// scheduler reads the external scheduler's settings. The reference
// parameter's default follows BOOKING_URL's host: Cal.com (or a self-hosted
// Cal.com, known by CALCOM_WEBHOOK_SECRET alone), Calendly, or another.
func (p *parser) scheduler(bookingURL string) Scheduler {
	s := Scheduler{
		NameParam:      p.str("BOOKING_URL_NAME_PARAM", "name"),
		EmailParam:     p.str("BOOKING_URL_EMAIL_PARAM", "email"),
		CalcomSecret:   p.str("CALCOM_WEBHOOK_SECRET", ""),
		CalendlySecret: p.str("CALENDLY_WEBHOOK_SECRET", ""),
	}
	ref := genericRefParam
	host := ""
	if u, err := url.Parse(bookingURL); err == nil {
		host = strings.ToLower(u.Hostname())
	}
	switch {
	case host == "cal.com" || strings.HasSuffix(host, ".cal.com"):
		ref = calcomRefParam
	case host == "calendly.com" || strings.HasSuffix(host, ".calendly.com"):
		ref = calendlyRefParam
	case s.CalcomSecret != "" && s.CalendlySecret == "":
		ref = calcomRefParam
	case s.CalendlySecret != "" && s.CalcomSecret == "":
		ref = calendlyRefParam
	}
	s.RefParam = p.str("BOOKING_URL_REF_PARAM", ref)
	return s
}

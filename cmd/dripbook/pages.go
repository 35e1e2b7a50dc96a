package main

import (
	"fmt"
	"html/template"
	"strconv"
	"time"

	"github.com/dripbook/dripbook/api"
	"github.com/dripbook/dripbook/config"
	"github.com/dripbook/dripbook/course"
	"github.com/dripbook/dripbook/emails"
)

// pageSite is what the pages' variables are filled from.
type pageSite struct {
	CoachName string
	Call      time.Duration
	// Photo is COACH_PHOTO_URL, the landing page's photo when landing.md
	// names none.
	Photo string
}

// siteOf is what the configuration says of the pages.
func siteOf(cfg *config.Config) pageSite {
	return pageSite{CoachName: cfg.CoachName, Call: cfg.Booking.Call, Photo: cfg.CoachPhotoURL}
}

// sitePages turns the course folder's copy into the pages visitors read:
// variables filled in and Markdown rendered, so that a page that cannot be
// rendered is refused at start-up.
func sitePages(c *course.Course, site pageSite) (api.Pages, error) {
	coach := site.CoachName
	if coach == "" {
		coach = "your coach"
	}
	r := pageRenderer{vals: map[string]string{
		"coach_name": coach, "course_title": c.Title, "call_minutes": strconv.Itoa(int(site.Call / time.Minute)),
	}}
	l := c.Landing
	p := api.Pages{
		Accent: c.Accent,
		Landing: api.Landing{
			Audience: r.text(l.Audience), Headline: r.text(l.Headline), Lead: r.text(l.Lead),
			Learn: r.html(l.Body), Bio: r.html(l.Bio), Photo: l.Photo,
			FormHeading: r.text(l.FormHeading), Button: r.text(l.Button), Consent: r.text(l.Consent),
		},
		BookingHeading: r.text(c.Booking.Heading), BookingIntro: r.text(c.Booking.Intro), BookingButton: r.text(c.Booking.Button),
		Confirmed: r.page(c.Confirmed),
	}
	if p.Landing.Headline == "" {
		p.Landing.Headline = c.Title
	}
	if p.Landing.Photo == "" {
		p.Landing.Photo = site.Photo
	}
	p.Landing.ConsentVersion = course.ConsentVersion(p.Landing.Consent)
	p.Questions = c.Booking.Questions // written without variables
	if r.err != nil {
		return api.Pages{}, fmt.Errorf("course pages: %w", r.err)
	}
	check := c.CheckInbox
	p.CheckInbox = func(email string) (api.ShortPage, error) {
		rr := pageRenderer{vals: map[string]string{"coach_name": coach, "email": email}}
		page := rr.page(check)
		return page, rr.err
	}
	if _, err := p.CheckInbox("sample@example.com"); err != nil {
		return api.Pages{}, fmt.Errorf("course pages: check_inbox: %w", err)
	}
	for _, src := range []string{l.Body, l.Bio, c.Confirmed.Text, c.Confirmed.Note, check.Text, check.Note} {
		p.Images = append(p.Images, emails.PageImages(src)...)
	}
	return p, nil
}

// pageRenderer fills one set of variables into page copy, keeping the
// first error.
type pageRenderer struct {
	vals map[string]string
	err  error
}

func (r *pageRenderer) text(src string) string {
	out, err := emails.PageText(src, r.vals)
	if r.err == nil {
		r.err = err
	}
	return out
}

func (r *pageRenderer) html(src string) template.HTML {
	if src == "" {
		return ""
	}
	out, err := emails.PageHTML(src, r.vals)
	if r.err == nil {
		r.err = err
	}
	return template.HTML(out) // goldmark escapes the text, PageHTML the values
}

func (r *pageRenderer) page(p course.Page) api.ShortPage {
	return api.ShortPage{Heading: r.text(p.Heading), Text: r.html(p.Text), Note: r.html(p.Note)}
}

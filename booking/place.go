package booking

import (
	"fmt"
	"strings"

	"github.com/dripbook/dripbook/fault"
	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/weblink"
)

// Place is where calls happen, as MEETING_URL and MEETING_LOCATION say:
// a fixed video link, free text such as a phone number or an address, or
// both (a link with dial-in numbers). The zero Place says nothing.
type Place struct {
	URL  string // an absolute http(s) link to the call
	Text string // how else to join, or where to meet
}

// Known reports whether the place says anything at all.
func (p Place) Known() bool { return p.URL != "" || p.Text != "" }

// Location is the place as a calendar's one LOCATION value: the link when
// there is one, else the text.
func (p Place) Location() string {
	if p.URL != "" {
		return p.URL
	}
	return p.Text
}

// Lines are the place as lines of a calendar event's description.
func (p Place) Lines() []string {
	var lines []string
	if p.URL != "" {
		lines = append(lines, "Join: "+p.URL)
	}
	if p.Text != "" {
		lines = append(lines, "Where: "+p.Text)
	}
	return lines
}

// Link is the page a calendar event links to: the call's own link, else
// page.
func (p Place) Link(page string) string {
	if p.URL != "" {
		return p.URL
	}
	return page
}

// MaxPlaceText bounds a place's link or text: a dial-in number or an
// address, not a document.
const MaxPlaceText = 500

var (
	// ErrPlaceLink means a place with "://" in it is not an absolute
	// http(s) link.
	ErrPlaceLink = fault.New(fault.Unprocessable, "bad_place", "a link must be an absolute http(s) URL, such as https://meet.example/you")
	// ErrPlaceTooLong means a place is longer than MaxPlaceText bytes.
	ErrPlaceTooLong = fault.New(fault.Unprocessable, "bad_place", fmt.Sprintf("where the call happens must be at most %d bytes", MaxPlaceText))
)

// ParsePlace reads one value that says where a call happens: a link when it
// has "://" in it (then it must be an absolute http(s) URL), else free text
// such as a phone number or an address. Blank is the zero Place.
func ParsePlace(raw string) (Place, error) {
	v := strings.TrimSpace(raw)
	if len(v) > MaxPlaceText {
		return Place{}, ErrPlaceTooLong
	}
	if !strings.Contains(v, "://") {
		return Place{Text: v}, nil
	}
	if _, err := weblink.Absolute(v); err != nil {
		return Place{}, ErrPlaceLink
	}
	return Place{URL: v}, nil
}

// CallPlace is where one call happens: the place the coach set for it,
// else def, the configured place.
func CallPlace(b models.Booking, def Place) Place {
	if own := (Place{URL: b.PlaceURL, Text: b.PlaceText}); own.Known() {
		return own
	}
	return def
}

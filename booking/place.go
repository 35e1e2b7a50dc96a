package booking

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

package api

import (
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/dripbook/dripbook/booking"
	"github.com/dripbook/dripbook/locale"
	"github.com/dripbook/dripbook/timezone"
)

// Pages is the copy of the pages visitors read, from the course folder and
// ready to show: variables filled in, Markdown rendered.
type Pages struct {
	// Accent is the coach's colour, #rgb or #rrggbb; empty keeps the
	// stylesheet's.
	Accent  string
	Landing Landing
	// Images are the sources of the images the pages' copy shows: their
	// origins join the pages' security policy, which would block them.
	Images []string
	// BookingHeading, BookingIntro and BookingButton are the booking page's
	// title, the line below it and the label of the button that books.
	BookingHeading, BookingIntro, BookingButton string
	// Questions are the intake questions in the order the form asks them.
	Questions []booking.Question
	// CheckInbox is the page after signup, which names the address the
	// confirmation went to.
	CheckInbox func(email string) (ShortPage, error)
	// Confirmed is the page after the confirmation link.
	Confirmed ShortPage
}

// Landing is the landing page's copy.
type Landing struct {
	Audience string
	Headline string
	Lead     string
	Learn    template.HTML // what the course teaches
	Bio      template.HTML // may be empty
	Photo    string        // absolute URL, may be empty
	// FormHeading, Button and Consent are the signup form's heading,
	// button label and consent line; ConsentVersion names the consent
	// line in the consent log (course.ConsentVersion).
	FormHeading    string
	Button         string
	Consent        string
	ConsentVersion string
}

// ShortPage is the copy of a page that is a heading and a few lines.
type ShortPage struct {
	Heading string
	Text    template.HTML
	Note    template.HTML // quieter, below the text; may be empty
}

// checkInbox is the page after signup, made once for the address the link
// went to; its title is its heading.
func (p Pages) checkInbox(email string) (ShortPage, error) {
	if p.CheckInbox == nil {
		return ShortPage{}, nil
	}
	return p.CheckInbox(email)
}

// defaultAccent is the accent style.css is written with.
const defaultAccent = "#0b5394"

// accentURL is the stylesheet that sets the coach's colour, or "" when the
// stylesheet's own is theirs.
func accentURL(accent string) string {
	if accent == "" || strings.EqualFold(accent, defaultAccent) {
		return ""
	}
	return "/static/accent.css?v=" + strings.TrimPrefix(strings.ToLower(accent), "#")
}

// accentCSS sets the colour variables of style.css from the coach's colour:
// the colour itself, a darker one for hover and a pale one for backgrounds.
func accentCSS(accent string) string {
	r, g, b := hexColour(accent)
	mix := func(toward, share float64) string {
		c := func(v uint8) uint8 { return uint8(float64(v) + (toward-float64(v))*share + 0.5) }
		return fmt.Sprintf("#%02x%02x%02x", c(r), c(g), c(b))
	}
	return fmt.Sprintf(":root { --accent: %s; --accent-dark: %s; --accent-soft: %s; }\n", mix(0, 0), mix(0, 0.3), mix(255, 0.9))
}

// hexColour reads #rgb or #rrggbb; the course check has vouched for it.
func hexColour(s string) (r, g, b uint8) {
	s = strings.TrimPrefix(s, "#")
	if len(s) == 3 {
		s = string([]byte{s[0], s[0], s[1], s[1], s[2], s[2]})
	}
	v, _ := strconv.ParseUint(s, 16, 32)
	return uint8(v >> 16), uint8(v >> 8), uint8(v)
}

// accentStyle serves accentCSS; its URL changes with the colour.
func (s *server) accentStyle(c echo.Context) error {
	return c.Blob(http.StatusOK, "text/css; charset=utf-8", []byte(accentCSS(s.Pages.Accent)))
}

// questionView is one intake question on the booking form, with what the
// visitor wrote.
type questionView struct {
	booking.Question
	Value string
}

// Intake lays out the intake questions with the answers given so far.
func (st site) Intake(a answersInput) []questionView {
	out := make([]questionView, 0, len(st.Pages.Questions))
	for _, q := range st.Pages.Questions {
		out = append(out, questionView{Question: q, Value: a[q.ID]})
	}
	return out
}

// formAnswers reads the intake questions' fields of a booking form.
func (s *server) formAnswers(c echo.Context) answersInput {
	a := answersInput{}
	for _, q := range s.Pages.Questions {
		if v := c.FormValue(q.ID); v != "" {
			a[q.ID] = v
		}
	}
	return a
}

// PreviewPage is one file of a preview: a page as a visitor sees it, or
// its stylesheet.
type PreviewPage struct {
	Name string // file name, such as landing.html
	HTML []byte
}

// Preview renders the pages whose copy the course folder writes, with made-up
// values and one sample slot, so a coach can look at them before going live.
// The stylesheets and the day picker's script come along, so the folder
// opens in a browser as it is.
func Preview(d Deps, rules booking.Rules, now time.Time) ([]PreviewPage, error) {
	v := mustParseViews(d)
	var out []PreviewPage
	for _, name := range []string{"style.css", "picker.js"} {
		b, err := fs.ReadFile(staticFS, "static/"+name)
		if err != nil {
			return nil, err
		}
		out = append(out, PreviewPage{Name: name, HTML: b})
	}
	v.site.StyleURL, v.site.PickerURL = "style.css", "picker.js"
	if v.site.AccentURL != "" {
		v.site.AccentURL = "accent.css"
		out = append(out, PreviewPage{Name: "accent.css", HTML: []byte(accentCSS(d.Pages.Accent))})
	}
	start := now.Truncate(time.Hour).Add(24 * time.Hour).UTC()
	loc := rules.Location
	if loc == nil {
		loc = time.UTC
	}
	book := bookView{
		Token: "sample", Name: "Alex", Email: "alex@example.com", Minutes: minutes(rules.Call), Key: "sample",
		Picker: slotPicker{
			Zone: loc.String(), Label: timezone.FriendlyName(loc),
			Days: []dayView{{
				ID: "day-" + booking.DateOf(start.In(loc)).String(), Label: locale.Default.Day(start.In(loc)),
				Weekday: start.In(loc).Format("Mon"), Date: locale.Default.ShortDate(start.In(loc)),
				Slots: []slotView{{Value: formatUTC(start), Label: locale.Default.Clock(start.In(loc))}},
			}},
		},
	}
	inbox, err := d.Pages.checkInbox("alex@example.com")
	if err != nil {
		return nil, err
	}
	pages := []struct {
		name, title string
		data        any
	}{
		{"landing", "", signupForm{}},
		{"check_inbox", inbox.Heading, inbox},
		{"confirmed", d.Pages.Confirmed.Heading, nil},
		{"book", d.Pages.BookingHeading, book},
	}
	for _, p := range pages {
		b, err := v.execute(p.name, p.title, p.data)
		if err != nil {
			return nil, err
		}
		out = append(out, PreviewPage{Name: p.name + ".html", HTML: b})
	}
	return out, nil
}

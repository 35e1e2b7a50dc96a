package emails

import (
	"fmt"
	"strings"
	"time"

	"github.com/dripbook/dripbook/booking"
	"github.com/dripbook/dripbook/locale"
	"github.com/dripbook/dripbook/message"
	"github.com/dripbook/dripbook/timezone"
)

// mdBody collects the Markdown of a booking email. Text from outside the
// code (names, answers, lesson subjects) goes in through mdLine or mdBlock.
type mdBody struct{ b strings.Builder }

// para adds a paragraph; its lines are kept apart by the renderer's hard wraps.
func (m *mdBody) para(lines ...string) {
	if m.b.Len() > 0 {
		m.b.WriteString("\n\n")
	}
	m.b.WriteString(strings.Join(lines, "\n"))
}

// list adds items as a list with marker, or none when there are no items.
func (m *mdBody) list(marker string, items []string, none string) {
	var lines []string
	for _, it := range items {
		if s := mdLine(it); s != "" {
			lines = append(lines, marker+s)
		}
	}
	if len(lines) == 0 {
		m.para(none)
		return
	}
	m.para(lines...)
}

func (m *mdBody) String() string { return m.b.String() }

// mdPunct is every character CommonMark lets a backslash escape.
const mdPunct = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"

// mdLine makes s one line of literal Markdown text. A backslash before every
// punctuation character keeps a subscriber's text from opening a link,
// emphasis, raw HTML, a list or a {{ variable }}, and from being linkified.
// "&" becomes "&amp;" rather than "\&": the plain-text part resolves
// entities after removing backslashes, so a typed "&amp;" would lose its
// "amp;" there.
func mdLine(s string) string {
	s = message.OneLine(s)
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '&':
			b.WriteString("&amp;")
			continue
		case r < 0x80 && strings.ContainsRune(mdPunct, r):
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// mdBlock is mdLine for text with paragraphs, such as an intake answer: lines
// stay lines and blank lines separate paragraphs. Lines are trimmed, so an
// indented line cannot become a code block.
func mdBlock(s string) string {
	var paras []string
	var cur []string
	for line := range strings.Lines(newlines.Replace(s)) {
		if l := mdLine(line); l != "" {
			cur = append(cur, l)
			continue
		}
		if len(cur) > 0 {
			paras = append(paras, strings.Join(cur, "\n"))
			cur = nil
		}
	}
	if len(cur) > 0 {
		paras = append(paras, strings.Join(cur, "\n"))
	}
	return strings.Join(paras, "\n\n")
}

// newlines turns Windows and old Mac line endings into "\n".
var newlines = strings.NewReplacer("\r\n", "\n", "\r", "\n")

// reader is how one reader of a booking email sees times: in their zone,
// written as their language and region write dates and clocks.
type reader struct {
	loc *time.Location
	lc  locale.Locale
}

// subscriberReads and coachReads are the two readers of booking emails.
func subscriberReads(v booking.Notice) reader {
	return reader{loc: orUTC(v.SubscriberTZ), lc: v.SubscriberLocale}
}

func coachReads(v booking.Notice) reader { return reader{loc: orUTC(v.CoachTZ), lc: v.CoachLocale} }

// call is a call's time, like "Tuesday 10 March 2026, 14:00–14:30,
// Greenwich Mean Time (London)" or "Tuesday, March 10, 2026, 2:00 PM–2:30
// PM, Eastern Time (New York)", naming the zone as people say it so nobody
// has to guess.
func (rd reader) call(start, end time.Time) string {
	s, e := start.In(rd.loc), end.In(rd.loc)
	out := rd.lc.Long(s)
	if sameDay(s, e) {
		out += "–" + rd.lc.Clock(e)
	} else {
		out += " – " + rd.lc.Long(e)
	}
	return out + ", " + timezone.FriendlyName(rd.loc)
}

// moment is one instant in full, with its zone.
func (rd reader) moment(t time.Time) string {
	return rd.lc.Long(t.In(rd.loc)) + ", " + timezone.FriendlyName(rd.loc)
}

func sameDay(a, b time.Time) bool {
	y1, m1, d1 := a.Date()
	y2, m2, d2 := b.Date()
	return y1 == y2 && m1 == m2 && d1 == d2
}

// short is a start time short enough for a subject: "Tue 10 Mar, 14:00"
// or "Tue Mar 10, 2:00 PM". The body names the zone.
func (rd reader) short(t time.Time) string { return rd.lc.Brief(t.In(rd.loc)) }

// clock is a time of day: "14:00" or "2:00 PM".
func (rd reader) clock(t time.Time) string { return rd.lc.Clock(t.In(rd.loc)) }

// naturalDuration writes d as people say it: "24 hours", "1 hour 30
// minutes", "5 seconds".
func naturalDuration(d time.Duration) string {
	d = d.Round(time.Second)
	var parts []string
	for _, u := range []struct {
		size time.Duration
		name string
	}{{time.Hour, "hour"}, {time.Minute, "minute"}, {time.Second, "second"}} {
		n := d / u.size
		d -= n * u.size
		switch {
		case n == 1:
			parts = append(parts, "1 "+u.name)
		case n > 1:
			parts = append(parts, fmt.Sprintf("%d %ss", n, u.name))
		}
	}
	if len(parts) == 0 {
		return "0 minutes"
	}
	return strings.Join(parts, " ")
}

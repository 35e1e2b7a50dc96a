// Package locale writes dates and times the way a visitor's language and
// region expect them: "Monday, March 9" and "9:00 AM" in the United States,
// "Monday 9 March" and "09:00" in Britain and most of the world. The pages
// are in English, so only the clock and the order of day and month follow
// the visitor; month and weekday names stay English.
package locale

import (
	"time"

	"github.com/dripbook/dripbook/timezone"
	"golang.org/x/text/language"
)

// Locale is how one visitor reads dates and times. The zero Locale is
// Default.
type Locale struct {
	tag        language.Tag
	hour12     bool // "9:00 AM" rather than "09:00"
	monthFirst bool // "March 9" rather than "9 March"
}

// Default is for a visitor who names no language: the 24-hour clock, the
// day before the month.
var Default = Locale{}

// hour12 are the regions whose English speakers read the 12-hour clock, and
// monthFirst those that put the month first, after the Unicode CLDR's time
// and date patterns for English.
var (
	hour12     = regions("US", "CA", "AU", "NZ", "IN", "PH", "PK", "EG", "SA")
	monthFirst = regions("US", "CA", "PH")
)

func regions(codes ...string) map[language.Region]bool {
	m := map[language.Region]bool{}
	for _, c := range codes {
		m[language.MustParseRegion(c)] = true
	}
	return m
}

// Parse picks the visitor's locale: override (a lang parameter, such as
// "en-US") when it is a language tag, else the first language of an
// Accept-Language header, else Default. A language without a region takes
// its most likely one: "en" reads as "en-US".
func Parse(override, acceptLanguage string) Locale {
	if t, err := language.Parse(override); override != "" && err == nil {
		return of(t)
	}
	if tags, _, err := language.ParseAcceptLanguage(acceptLanguage); err == nil && len(tags) > 0 {
		return of(tags[0])
	}
	return Default
}

func of(t language.Tag) Locale {
	l := Locale{tag: t}
	base, _ := t.Base()
	region, conf := t.Region()
	if base.String() == "en" && conf != language.No {
		l.hour12, l.monthFirst = hour12[region], monthFirst[region]
	}
	return l
}

// Tag is the locale's language and region as a short tag to store, such
// as "en-US", or "" for Default; Parse(l.Tag(), "") reads the same dates.
func (l Locale) Tag() string {
	if l.tag == (language.Tag{}) {
		return ""
	}
	base, _ := l.tag.Base()
	region, conf := l.tag.Region()
	if conf == language.No {
		return base.String()
	}
	return base.String() + "-" + region.String()
}

// String is the locale's language tag, "und" for Default.
func (l Locale) String() string { return l.tag.String() }

// Clock is a time of day: "9:00 AM" or "09:00". In the hour the clocks
// repeat when they go back, the offset follows ("11:00 PM GMT+3"), so that
// two instants an hour apart never read the same.
func (l Locale) Clock(t time.Time) string {
	layout := "15:04"
	if l.hour12 {
		layout = "3:04 PM"
	}
	return timezone.Disambiguated(t.Format(layout), t)
}

// dateLayouts are the time.Format layouts of one order of day and month.
type dateLayouts struct{ day, short, long string }

var (
	dayFirstDates   = dateLayouts{day: "Monday 2 January", short: "2 Jan", long: "Monday 2 January 2006"}
	monthFirstDates = dateLayouts{day: "Monday, January 2", short: "Jan 2", long: "Monday, January 2, 2006"}
)

func (l Locale) dates() dateLayouts {
	if l.monthFirst {
		return monthFirstDates
	}
	return dayFirstDates
}

// Day is a date without its year: "Monday, March 9" or "Monday 9 March".
func (l Locale) Day(t time.Time) string { return t.Format(l.dates().day) }

// ShortDate is a date for a narrow button: "Mar 9" or "9 Mar".
func (l Locale) ShortDate(t time.Time) string { return t.Format(l.dates().short) }

// Brief is a start time for a subject line: "Tue Mar 10, 2:00 PM" or
// "Tue 10 Mar, 14:00".
func (l Locale) Brief(t time.Time) string {
	return t.Format("Mon ") + l.ShortDate(t) + ", " + l.Clock(t)
}

// Long is a date with its year and a time of day: "Monday, March 9, 2026,
// 9:30 AM" or "Monday 9 March 2026, 09:30".
func (l Locale) Long(t time.Time) string { return t.Format(l.dates().long) + ", " + l.Clock(t) }

// Valid reports whether v is a language tag Parse takes as an override.
func Valid(v string) bool {
	_, err := language.Parse(v)
	return v != "" && err == nil
}

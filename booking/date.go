package booking

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// maxBlackoutDays bounds one range so that a typo in a year cannot fill
// memory with millions of dates.
const maxBlackoutDays = 366

// Date is a civil date, with no time of day or zone: the coach's holiday is
// the same date wherever the visitor is.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DayFormat labels a day of the slot list where no visitor's locale is
// known; pages and emails write dates through package locale.
const DayFormat = "Monday 2 January"

// DateOf is the civil date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// String formats d as "2006-01-02".
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
}

// midnight is d's start as a UTC instant; UTC has no daylight saving, so
// adding hours to it walks the wall clock exactly.
func (d Date) midnight() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
}

func (d Date) addDays(n int) Date {
	return DateOf(time.Date(d.Year, d.Month, d.Day+n, 0, 0, 0, 0, time.UTC))
}

func (d Date) before(o Date) bool { return d.midnight().Before(o.midnight()) }

func (d Date) weekday() time.Weekday { return d.midnight().Weekday() }

// Blackouts are the coach-local dates on which no call is offered.
type Blackouts map[Date]bool

// ParseBlackouts parses BOOKING_BLACKOUTS: comma-separated dates
// "2026-12-24,2026-12-25" and inclusive ranges "2026-12-24..2026-12-31",
// read as dates in the coach's zone. An empty string means no blackouts.
func ParseBlackouts(s string) (Blackouts, error) {
	b := Blackouts{}
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if err := b.add(item); err != nil {
			return nil, fmt.Errorf("%q: %w", item, err)
		}
	}
	return b, nil
}

func (b Blackouts) add(item string) error {
	first, last, isRange := strings.Cut(item, "..")
	from, err := parseDate(first)
	if err != nil {
		return err
	}
	to := from
	if isRange {
		if to, err = parseDate(last); err != nil {
			return err
		}
	}
	if to.before(from) {
		return errors.New("range ends before it starts")
	}
	if to.midnight().Sub(from.midnight()) >= maxBlackoutDays*24*time.Hour {
		return fmt.Errorf("range is longer than %d days", maxBlackoutDays)
	}
	for d := from; !to.before(d); d = d.addDays(1) {
		b[d] = true
	}
	return nil
}

func parseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil {
		return Date{}, fmt.Errorf("bad date %q, want YYYY-MM-DD", s)
	}
	return DateOf(t), nil
}

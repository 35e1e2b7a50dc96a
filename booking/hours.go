package booking

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// minutesPerDay is the end of the day, written 24:00.
const minutesPerDay = 24 * 60

// Window is a span of a day in the coach's local wall-clock time, in minutes
// after midnight. Wall-clock minutes rather than durations keep "09:00" at
// nine o'clock on days when the clocks change.
type Window struct{ Start, End int }

// String formats the window as "09:00-12:00".
func (w Window) String() string { return clock(w.Start) + "-" + clock(w.End) }

func clock(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// check reports a window that lies outside the day or holds no time.
func (w Window) check() error {
	switch {
	case w.Start < 0 || w.End > minutesPerDay:
		return fmt.Errorf("window %s is outside the day", w)
	case w.End < w.Start:
		return errors.New("window ends before it starts")
	case w.End == w.Start:
		return fmt.Errorf("window %s is empty", w)
	}
	return nil
}

// Week is the coach's weekly hours. Each day's windows are sorted and do not
// overlap.
type Week map[time.Weekday][]Window

// add puts w on day, refusing an overlap: two windows over the same minutes
// would offer the same slots twice and usually mean a typo.
func (wk Week) add(day time.Weekday, w Window) error {
	for _, o := range wk[day] {
		if w.Start < o.End && o.Start < w.End {
			return fmt.Errorf("window %s overlaps %s on %s", w, o, day)
		}
	}
	wk[day] = append(wk[day], w)
	slices.SortFunc(wk[day], func(a, b Window) int { return a.Start - b.Start })
	return nil
}

// ParseHours parses BOOKING_HOURS, e.g.
// "Mon-Fri 09:00-12:00,14:00-17:00; Sat 10:00-12:00". Groups are separated by
// ';'; each is a day (Mon … Sun, any case) or a range of days that does not
// wrap past Sunday, then one or more HH:MM-HH:MM windows separated by ','.
// 24:00 may end a window. A day named in several groups gets all their
// windows, which must not overlap.
func ParseHours(s string) (Week, error) {
	wk := Week{}
	for group := range strings.SplitSeq(s, ";") {
		group = strings.TrimSpace(group)
		if group == "" {
			continue // tolerate a trailing or doubled ';'
		}
		if err := wk.parseGroup(group); err != nil {
			return nil, fmt.Errorf("%q: %w", group, err)
		}
	}
	if len(wk) == 0 {
		return nil, errors.New("no hours given")
	}
	return wk, nil
}

func (wk Week) parseGroup(group string) error {
	fields := strings.Fields(group)
	days, err := parseDays(fields[0])
	if err != nil {
		return err
	}
	// Joining the rest allows "09:00-12:00, 14:00-17:00" with a space.
	spec := strings.Join(fields[1:], "")
	if spec == "" {
		return errors.New("no windows after the day")
	}
	for part := range strings.SplitSeq(spec, ",") {
		w, err := parseWindow(part)
		if err != nil {
			return err
		}
		for _, d := range days {
			if err := wk.add(d, w); err != nil {
				return err
			}
		}
	}
	return nil
}

// dayNames is in week order from Monday, the order ranges are read in.
var dayNames = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// parseDays reads "Mon" or "Mon-Fri".
func parseDays(s string) ([]time.Weekday, error) {
	first, last, isRange := strings.Cut(s, "-")
	a := slices.Index(dayNames, strings.ToLower(first))
	if a < 0 {
		return nil, fmt.Errorf("unknown day %q, want Mon Tue Wed Thu Fri Sat or Sun", first)
	}
	b := a
	if isRange {
		b = slices.Index(dayNames, strings.ToLower(last))
		if b < 0 {
			return nil, fmt.Errorf("unknown day %q, want Mon Tue Wed Thu Fri Sat or Sun", last)
		}
		if b < a {
			return nil, fmt.Errorf("day range %s wraps past Sunday; split it into two groups", s)
		}
	}
	var days []time.Weekday
	for i := a; i <= b; i++ {
		days = append(days, time.Weekday((i+1)%7)) // time.Weekday counts from Sunday
	}
	return days, nil
}

func parseWindow(s string) (Window, error) {
	from, to, ok := strings.Cut(s, "-")
	if !ok {
		return Window{}, fmt.Errorf("window %q: want HH:MM-HH:MM", s)
	}
	start, err := parseClock(from)
	if err != nil {
		return Window{}, fmt.Errorf("window %q: %w", s, err)
	}
	if start == minutesPerDay {
		return Window{}, fmt.Errorf("window %q: 24:00 can only end a window", s)
	}
	end, err := parseClock(to)
	if err != nil {
		return Window{}, fmt.Errorf("window %q: %w", s, err)
	}
	w := Window{Start: start, End: end}
	return w, w.check()
}

// parseClock reads "09:00" or "9:00" as minutes after midnight; "24:00" is
// the end of the day.
func parseClock(s string) (int, error) {
	hh, mm, ok := strings.Cut(s, ":")
	if !ok || len(hh) < 1 || len(hh) > 2 || len(mm) != 2 || !digits(hh) || !digits(mm) {
		return 0, fmt.Errorf("bad time %q, want HH:MM", s)
	}
	h, _ := strconv.Atoi(hh)
	m, _ := strconv.Atoi(mm)
	if h > 24 || m > 59 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("bad time %q: out of range", s)
	}
	return h*60 + m, nil
}

func digits(s string) bool {
	return strings.Trim(s, "0123456789") == ""
}

package timezone

import (
	"fmt"
	"time"
)

// Repeated reports whether the clocks of t's zone read t's date and time
// twice: t falls in the hour repeated when they go back, where a time
// alone does not say which of the two instants it is.
func Repeated(t time.Time) bool {
	for _, d := range []time.Duration{30 * time.Minute, time.Hour, 2 * time.Hour} {
		for _, other := range []time.Time{t.Add(d), t.Add(-d)} {
			if sameWall(other.In(t.Location()), t) {
				return true
			}
		}
	}
	return false
}

// Offset is t's offset from UTC as people write it: "GMT+3", "GMT-4",
// "GMT+5:30", "GMT".
func Offset(t time.Time) string {
	_, secs := t.Zone()
	if secs == 0 {
		return "GMT"
	}
	sign := "+"
	if secs < 0 {
		sign, secs = "-", -secs
	}
	h, m := secs/3600, secs%3600/60
	if m == 0 {
		return fmt.Sprintf("GMT%s%d", sign, h)
	}
	return fmt.Sprintf("GMT%s%d:%02d", sign, h, m)
}

// Disambiguated is label with t's offset after it when t falls in a
// repeated hour, so that two instants an hour apart never read the same.
func Disambiguated(label string, t time.Time) string {
	if Repeated(t) {
		return label + " " + Offset(t)
	}
	return label
}

func sameWall(a, b time.Time) bool {
	return a.Format(time.DateTime) == b.Format(time.DateTime)
}

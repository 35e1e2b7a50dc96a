package booking

import (
	"slices"
	"time"
)

// Day is one date's slots as the visitor sees them, for the booking page.
type Day struct {
	Date  Date
	Label string // e.g. "Monday 9 March"
	Slots []Slot
}

// ByDay groups slots by their civil date in loc, the visitor's zone, in time
// order. The same slot can fall on different dates for different visitors;
// the slots themselves stay UTC. A nil loc means UTC.
func ByDay(slots []Slot, loc *time.Location) []Day {
	if loc == nil {
		loc = time.UTC
	}
	sorted := slices.SortedStableFunc(slices.Values(slots), func(a, b Slot) int { return a.Start.Compare(b.Start) })
	var days []Day
	for _, s := range sorted {
		d := DateOf(s.Start.In(loc))
		if n := len(days); n > 0 && days[n-1].Date == d {
			days[n-1].Slots = append(days[n-1].Slots, s)
			continue
		}
		days = append(days, Day{Date: d, Label: d.midnight().Format(DayFormat), Slots: []Slot{s}})
	}
	return days
}

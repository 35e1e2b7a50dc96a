package booking

import (
	"iter"
	"slices"
	"time"
)

// Slot is a bookable call, in UTC.
type Slot struct{ Start, End time.Time }

// Slots lists the free slots whose start lies in [from, to), in ascending
// order, given the current time and the start times of the calls already
// booked (each lasts r.Call). Invalid rules offer nothing.
//
// Starts are laid out on the coach's wall clock, day by day, so 09:00 stays
// 09:00 across a daylight-saving change. A wall time the clocks skip is not
// offered; one they show twice is offered once, at its first occurrence.
func (r Rules) Slots(now, from, to time.Time, booked []time.Time) []Slot {
	if r.Validate() != nil {
		return nil
	}
	loc := r.Location
	earliest := now.Add(r.Notice)
	today := DateOf(now.In(loc))
	// A day's slots can start a little before or after its date's edges
	// where clocks change at midnight, hence the day of slack each side.
	lo, hi := DateOf(from.In(loc)).addDays(-1), DateOf(to.In(loc)).addDays(1)
	perDate := map[Date]int{}
	for _, b := range booked {
		perDate[DateOf(b.In(loc))]++
	}

	var out []Slot
	for i := range r.Horizon {
		d := today.addDays(i)
		if d.before(lo) || hi.before(d) || r.Blackouts[d] {
			continue
		}
		if r.DailyMax > 0 && perDate[d] >= r.DailyMax {
			continue
		}
		for _, w := range r.Week[d.weekday()] {
			for start := range r.starts(d, w) {
				if start.Before(earliest) || start.Before(from) || !start.Before(to) || r.taken(start, booked) {
					continue
				}
				out = append(out, Slot{Start: start.UTC(), End: start.Add(r.Call).UTC()})
			}
		}
	}
	slices.SortFunc(out, func(a, b Slot) int { return a.Start.Compare(b.Start) })
	return slices.CompactFunc(out, func(a, b Slot) bool { return a.Start.Equal(b.Start) })
}

// Offered reports whether start, in any zone, is exactly one of the slots
// Slots would return: the check a booking request must pass, so that a
// tampered or stale form cannot book a time that was never on offer.
func (r Rules) Offered(now, start time.Time, booked []time.Time) bool {
	slots := r.Slots(now, start, start.Add(time.Nanosecond), booked)
	return len(slots) == 1 && slots[0].Start.Equal(start)
}

// starts yields the instants of w's candidate starts on date d: every
// Call+Buffer of wall-clock time from w.Start while the call still ends by
// w.End, by the clock and in real time: on the night clocks go forward, a
// call that starts before the jump and lasts Call would end past the
// window's end otherwise.
func (r Rules) starts(d Date, w Window) iter.Seq[time.Time] {
	return func(yield func(time.Time) bool) {
		end := time.Duration(w.End) * time.Minute
		endAt := windowEnd(d.midnight().Add(end), r.Location)
		for off := time.Duration(w.Start) * time.Minute; off+r.Call <= end; off += r.Call + r.Buffer {
			t, ok := wallClock(d.midnight().Add(off), r.Location)
			if !ok {
				continue
			}
			if t.Add(r.Call).After(endAt) || !yield(t) {
				return
			}
		}
	}
}

// windowEnd is the instant a window ending at wall closes in loc: the
// earlier one when the clocks read wall twice, and when they never do (it
// falls in the hour skipped), the instant they jump.
func windowEnd(wall time.Time, loc *time.Location) time.Time {
	if t, ok := wallClock(wall, loc); ok {
		return t
	}
	y, mo, d := wall.Date()
	h, mi, s := wall.Clock()
	// time.Date moves a skipped time to one side of the jump or the other,
	// depending on the zone: the jump is where that side's offset begins or
	// ends.
	t := time.Date(y, mo, d, h, mi, s, wall.Nanosecond(), loc)
	start, end := t.ZoneBounds()
	if asUTC(t).After(wall) {
		return start
	}
	return end
}

// taken reports whether a call at start would come within Buffer of a
// booked call.
func (r Rules) taken(start time.Time, booked []time.Time) bool {
	span := r.Call + r.Buffer
	for _, b := range booked {
		if start.Before(b.Add(span)) && b.Before(start.Add(span)) {
			return true
		}
	}
	return false
}

// wallClock returns the instant at which clocks in loc read wall, a date and
// time written as if in UTC. It reports false when they never do (the hour
// skipped when clocks go forward) and picks the earlier instant when they do
// twice (the hour repeated when they go back).
func wallClock(wall time.Time, loc *time.Location) (time.Time, bool) {
	y, mo, d := wall.Date()
	h, mi, s := wall.Clock()
	t := time.Date(y, mo, d, h, mi, s, wall.Nanosecond(), loc)
	if !asUTC(t).Equal(wall) {
		return time.Time{}, false // time.Date moved a skipped time past the gap
	}
	// time.Date may return either of a repeated time's instants, depending on
	// the sign of the zone's offset. The earlier one uses the offset in force
	// before the change, which half a day back is sure to be.
	_, off := t.Add(-12 * time.Hour).In(loc).Zone()
	if twin := wall.Add(-time.Duration(off) * time.Second); twin.Before(t) && asUTC(twin.In(loc)).Equal(wall) {
		return twin, true
	}
	return t, true
}

// asUTC keeps t's wall clock and drops its zone.
func asUTC(t time.Time) time.Time {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	return time.Date(y, mo, d, h, mi, s, t.Nanosecond(), time.UTC)
}

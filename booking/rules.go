// Package booking decides when a discovery call can be booked and books it:
// it turns the coach's hours and blackout dates into concrete slots, honouring
// the coach's time zone and its daylight-saving changes, and books, moves and
// cancels calls through the Store it declares. It knows nothing of HTTP or of
// the database behind that Store.
package booking

import (
	"errors"
	"fmt"
	"time"
)

// Defaults for the settings that have one.
const (
	DefaultCall    = 30 * time.Minute
	DefaultNotice  = 12 * time.Hour
	DefaultHorizon = 21
)

// maxHorizon keeps a mistyped horizon from making every page build years of
// slots.
const maxHorizon = 366

// Rules is everything that decides which slots are offered.
type Rules struct {
	Week     Week
	Location *time.Location // the coach's zone (BOOKING_TZ)
	Call     time.Duration  // CALL_MINUTES, DefaultCall when unset
	Buffer   time.Duration  // gap kept free before and after every call
	Notice   time.Duration  // minimum notice, DefaultNotice when unset
	// Horizon is how many days ahead are bookable, counted from today's date
	// in the coach's zone: today + Horizon-1 is the last bookable date.
	Horizon   int
	DailyMax  int // most calls per coach-local date; 0 = no cap
	Blackouts Blackouts
}

// Validate reports a configuration that can never produce a slot or is
// inconsistent. It names every problem, not only the first, so that one
// start-up attempt shows them all.
func (r Rules) Validate() error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if r.Call <= 0 {
		fail("call length must be positive, got %v", r.Call)
	}
	if r.Buffer < 0 {
		fail("buffer must not be negative, got %v", r.Buffer)
	}
	if r.Notice < 0 {
		fail("minimum notice must not be negative, got %v", r.Notice)
	}
	if r.Horizon < 1 {
		fail("horizon must be at least 1 day, got %d", r.Horizon)
	}
	if r.Horizon > maxHorizon {
		fail("horizon must be at most %d days, got %d", maxHorizon, r.Horizon)
	}
	if r.DailyMax < 0 {
		fail("daily maximum must not be negative, got %d", r.DailyMax)
	}
	if r.Location == nil {
		fail("no time zone")
	}
	if err := r.checkWeek(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// checkWeek also covers a Week built in code rather than by ParseHours. Days
// are checked in order so that the same mistake always gets the same message.
func (r Rules) checkWeek() error {
	for day := range r.Week {
		if day < time.Sunday || day > time.Saturday {
			return fmt.Errorf("hours for unknown weekday %d", day)
		}
	}
	fits := false
	for day := time.Sunday; day <= time.Saturday; day++ {
		windows := r.Week[day]
		for i, w := range windows {
			if err := w.check(); err != nil {
				return fmt.Errorf("%s %s: %w", day, w, err)
			}
			for _, o := range windows[:i] {
				if w.Start < o.End && o.Start < w.End {
					return fmt.Errorf("%s: window %s overlaps %s", day, w, o)
				}
			}
			if r.Call > 0 && time.Duration(w.End-w.Start)*time.Minute >= r.Call {
				fits = true
			}
		}
	}
	switch {
	case !hasWindows(r.Week):
		return errors.New("no bookable hours")
	case r.Call > 0 && !fits:
		return fmt.Errorf("no window is long enough for a %v call", r.Call)
	}
	return nil
}

func hasWindows(wk Week) bool {
	for _, ws := range wk {
		if len(ws) > 0 {
			return true
		}
	}
	return false
}

package booking

import (
	"testing"
	"time"
	_ "time/tzdata" // the zones under test must not depend on the host's tz database

	"github.com/stretchr/testify/require"
)

// MustLoad loads a named zone or fails the test.
func MustLoad(tb testing.TB, name string) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(tb, err)
	return loc
}

// MustHours parses hours or fails the test.
func MustHours(tb testing.TB, s string) Week {
	tb.Helper()
	wk, err := ParseHours(s)
	require.NoError(tb, err)
	return wk
}

// MustBlackouts parses blackouts or fails the test.
func MustBlackouts(tb testing.TB, s string) Blackouts {
	tb.Helper()
	b, err := ParseBlackouts(s)
	require.NoError(tb, err)
	return b
}

// MustTime parses an RFC 3339 instant or fails the test.
func MustTime(tb testing.TB, s string) time.Time {
	tb.Helper()
	t, err := time.Parse(time.RFC3339, s)
	require.NoError(tb, err)
	return t
}

// starts renders slot starts in UTC, so that a failure shows readable
// instants, and checks each slot's length on the way.
func starts(tb testing.TB, slots []Slot, call time.Duration) []string {
	tb.Helper()
	out := []string{}
	for _, s := range slots {
		require.Equal(tb, time.UTC, s.Start.Location(), "start of %v not in UTC", s.Start)
		require.Equal(tb, call, s.End.Sub(s.Start), "slot at %v", s.Start)
		out = append(out, s.Start.Format(time.RFC3339))
	}
	return out
}

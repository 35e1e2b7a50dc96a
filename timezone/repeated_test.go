package timezone

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Egypt's clocks go back at midnight on 29 October 2026: 23:00 and 23:30
// come twice, and only the offset tells them apart.
func TestARepeatedHourNamesItsOffset(t *testing.T) {
	cairo, err := Load("Africa/Cairo")
	require.NoError(t, err)
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339, s)
		require.NoError(t, err)
		return v.In(cairo)
	}
	first, second := at("2026-10-29T20:00:00Z"), at("2026-10-29T21:00:00Z")
	require.Equal(t, first.Format("15:04"), second.Format("15:04"), "the same wall time")
	require.Equal(t, "23:00 GMT+3", Disambiguated("23:00", first))
	require.Equal(t, "23:00 GMT+2", Disambiguated("23:00", second))
	require.Equal(t, "21:00", Disambiguated("21:00", at("2026-10-29T18:00:00Z")), "an hour that comes once is left alone")

	kolkata, err := Load("Asia/Kolkata")
	require.NoError(t, err)
	require.Equal(t, "GMT+5:30", Offset(time.Date(2026, 1, 1, 0, 0, 0, 0, kolkata)))
	require.Equal(t, "GMT", Offset(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)))
	ny, err := Load("America/New_York")
	require.NoError(t, err)
	require.Equal(t, "GMT-4", Offset(time.Date(2026, 7, 1, 0, 0, 0, 0, ny)))
	require.True(t, Repeated(time.Date(2026, 11, 1, 5, 30, 0, 0, time.UTC).In(ny)), "01:30 EDT, before New York falls back")
	require.False(t, Repeated(time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC).In(ny)), "03:00 EST comes once")
}

package locale

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseAndFormat(t *testing.T) {
	t.Parallel()
	morning := time.Date(2026, 3, 9, 9, 0, 0, 0, time.UTC)
	evening := time.Date(2026, 3, 9, 21, 30, 0, 0, time.UTC)
	for _, c := range []struct {
		name, override, accept  string
		clock, late, day, short string
		long                    string
	}{
		{"en-US", "", "en-US,en;q=0.9", "9:00 AM", "9:30 PM", "Monday, March 9", "Mar 9", "Monday, March 9, 2026, 9:00 AM"},
		{"en-GB", "", "en-GB,en;q=0.8", "09:00", "21:30", "Monday 9 March", "9 Mar", "Monday 9 March 2026, 09:00"},
		{"bare en is American", "", "en", "9:00 AM", "9:30 PM", "Monday, March 9", "Mar 9", "Monday, March 9, 2026, 9:00 AM"},
		{"Australia: 12 hours, day first", "", "en-AU", "9:00 AM", "9:30 PM", "Monday 9 March", "9 Mar", "Monday 9 March 2026, 9:00 AM"},
		{"German", "", "de-DE,de;q=0.9,en;q=0.5", "09:00", "21:30", "Monday 9 March", "9 Mar", "Monday 9 March 2026, 09:00"},
		{"French Canada reads 24 hours", "", "fr-CA", "09:00", "21:30", "Monday 9 March", "9 Mar", "Monday 9 March 2026, 09:00"},
		{"q values order the header", "", "de;q=0.5, en-US", "9:00 AM", "9:30 PM", "Monday, March 9", "Mar 9", "Monday, March 9, 2026, 9:00 AM"},
		{"the override wins", "en-GB", "en-US", "09:00", "21:30", "Monday 9 March", "9 Mar", "Monday 9 March 2026, 09:00"},
		{"a broken override is ignored", "not a tag!", "en-US", "9:00 AM", "9:30 PM", "Monday, March 9", "Mar 9", "Monday, March 9, 2026, 9:00 AM"},
		{"no header", "", "", "09:00", "21:30", "Monday 9 March", "9 Mar", "Monday 9 March 2026, 09:00"},
		{"a broken header", "", ";;;q=x", "09:00", "21:30", "Monday 9 March", "9 Mar", "Monday 9 March 2026, 09:00"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			l := Parse(c.override, c.accept)
			require.Equal(t, c.clock, l.Clock(morning))
			require.Equal(t, c.late, l.Clock(evening))
			require.Equal(t, c.day, l.Day(morning))
			require.Equal(t, c.short, l.ShortDate(morning))
			require.Equal(t, c.long, l.Long(morning))
		})
	}
	require.Equal(t, "en-GB", Parse("en-GB", "").String())
	require.Equal(t, Default, Parse("", ""))
}

// A locale stored as its tag reads dates as it did.
func TestTagReadsBackTheSameDates(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 3, 15, 30, 0, 0, time.UTC)
	for _, l := range []Locale{Default, Parse("", "en-US,en;q=0.9"), Parse("", "en-GB"), Parse("de-DE", "")} {
		back := Parse(l.Tag(), "")
		require.Equal(t, l.Tag(), back.Tag())
		require.Equal(t, l.Long(at), back.Long(at), "tag %q", l.Tag())
		require.Equal(t, l.Clock(at), back.Clock(at), "tag %q", l.Tag())
	}
	require.Empty(t, Default.Tag())
	require.Equal(t, "en-US", Parse("", "en-US").Tag())
}

// Two slots an hour apart in the hour Cairo's clocks repeat read apart.
func TestClockInARepeatedHour(t *testing.T) {
	cairo, err := time.LoadLocation("Africa/Cairo")
	require.NoError(t, err)
	us := Parse("en-US", "")
	first := time.Date(2026, 10, 29, 20, 0, 0, 0, time.UTC).In(cairo)
	second := first.Add(time.Hour)
	require.Equal(t, "11:00 PM GMT+3", us.Clock(first))
	require.Equal(t, "11:00 PM GMT+2", us.Clock(second))
	require.Equal(t, "Thu Oct 29, 11:00 PM GMT+2", us.Brief(second))
	require.Equal(t, "10:00 PM", us.Clock(first.Add(-time.Hour)), "an hour that comes once has no offset")
}

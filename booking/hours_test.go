package booking

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseHours(t *testing.T) {
	morning := Window{9 * 60, 12 * 60}
	afternoon := Window{14 * 60, 17 * 60}
	tests := []struct {
		name string
		in   string
		want Week
	}{
		{"one day", "Sat 10:00-12:00", Week{time.Saturday: {{600, 720}}}},
		{"range and two windows", "Mon-Wed 09:00-12:00,14:00-17:00", Week{
			time.Monday:    {morning, afternoon},
			time.Tuesday:   {morning, afternoon},
			time.Wednesday: {morning, afternoon},
		}},
		{"groups merge and sort", "Mon 14:00-17:00; mon 09:00-12:00; SUN 08:30-09:15", Week{
			time.Monday: {morning, afternoon},
			time.Sunday: {{510, 555}},
		}},
		{"range ending on Sunday", "Sat-Sun 10:00-11:00", Week{
			time.Saturday: {{600, 660}},
			time.Sunday:   {{600, 660}},
		}},
		{"24:00 ends the day, single-digit hour", "Fri 9:00-12:00, 20:00-24:00;", Week{
			time.Friday: {morning, {20 * 60, 24 * 60}},
		}},
		{"adjacent windows", "Tue 09:00-12:00,12:00-13:00", Week{
			time.Tuesday: {morning, {720, 780}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseHours(tt.in)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestParseHoursErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", " ", "no hours given"},
		{"unknown day", "Mnd 09:00-10:00", `"Mnd 09:00-10:00": unknown day "Mnd"`},
		{"unknown range end", "Mon-Fry 09:00-10:00", `unknown day "Fry"`},
		{"wrapping range", "Fri-Mon 09:00-10:00", "day range Fri-Mon wraps past Sunday"},
		{"ends before start", "Mon-Fri 09:00-08:00", `"Mon-Fri 09:00-08:00": window ends before it starts`},
		{"empty window", "Mon 09:00-09:00", "window 09:00-09:00 is empty"},
		{"overlap in a group", "Mon 09:00-12:00,11:00-13:00", "window 11:00-13:00 overlaps 09:00-12:00 on Monday"},
		{"overlap across groups", "Mon-Fri 09:00-12:00; Wed 11:30-12:30", `"Wed 11:30-12:30": window 11:30-12:30 overlaps 09:00-12:00 on Wednesday`},
		{"no windows", "Mon", `"Mon": no windows after the day`},
		{"no dash", "Mon 09:00", `window "09:00": want HH:MM-HH:MM`},
		{"bad time", "Mon 9am-10:00", `bad time "9am", want HH:MM`},
		{"one-digit minutes", "Mon 09:0-10:00", `bad time "09:0", want HH:MM`},
		{"minute out of range", "Mon 09:60-10:00", `bad time "09:60": out of range`},
		{"past midnight", "Mon 23:00-24:30", `bad time "24:30": out of range`},
		{"24:00 as start", "Mon 24:00-24:00", "24:00 can only end a window"},
		{"signed number", "Mon +9:00-10:00", `bad time "+9:00"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseHours(tt.in)
			require.ErrorContains(t, err, tt.want)
		})
	}
}

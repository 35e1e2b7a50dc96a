package booking

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseBlackouts(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"empty", "", nil},
		{"dates", "2026-12-24, 2026-12-25,", []string{"2026-12-24", "2026-12-25"}},
		{"range over the year end", "2026-12-30..2027-01-02", []string{"2026-12-30", "2026-12-31", "2027-01-01", "2027-01-02"}},
		{"one-day range and a date", "2028-02-29..2028-02-29,2026-03-01", []string{"2026-03-01", "2028-02-29"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseBlackouts(tt.in)
			require.NoError(t, err)
			var dates []string
			for d, on := range got {
				require.True(t, on)
				dates = append(dates, d.String())
			}
			require.ElementsMatch(t, tt.want, dates)
		})
	}
}

func TestParseBlackoutsErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"not a date", "2026-12-24,Christmas", `"Christmas": bad date "Christmas", want YYYY-MM-DD`},
		{"no such day", "2026-02-29", `bad date "2026-02-29"`},
		{"other layout", "24/12/2026", `bad date "24/12/2026"`},
		{"bad range end", "2026-12-24..2026-13-01", `bad date "2026-13-01"`},
		{"open range", "2026-12-24..", `bad date ""`},
		{"reversed range", "2026-12-31..2026-12-24", `"2026-12-31..2026-12-24": range ends before it starts`},
		{"range too long", "2026-01-01..2027-01-02", "range is longer than 366 days"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseBlackouts(tt.in)
			require.ErrorContains(t, err, tt.want)
		})
	}
}

func TestDateOf(t *testing.T) {
	instant := MustTime(t, "2026-03-01T23:30:00Z")
	tests := []struct {
		zone string
		want string
	}{
		{"UTC", "2026-03-01"},
		{"Asia/Tokyo", "2026-03-02"},
		{"America/Los_Angeles", "2026-03-01"},
		{"Pacific/Pago_Pago", "2026-03-01"},
		{"Pacific/Kiritimati", "2026-03-02"},
	}
	for _, tt := range tests {
		t.Run(tt.zone, func(t *testing.T) {
			require.Equal(t, tt.want, DateOf(instant.In(MustLoad(t, tt.zone))).String())
		})
	}
	require.Equal(t, "0987-06-05", Date{987, time.June, 5}.String())
}

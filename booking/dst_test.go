package booking

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestSlotsDaylightSaving runs the weekend around each change with hours that
// cover the night it happens: "Sun 01:00-04:00" with 30-minute calls, plus
// 09:00 on Saturday, Sunday and Monday to show the offset moving.
func TestSlotsDaylightSaving(t *testing.T) {
	const hours = "Sat-Sun 09:00-09:30; Mon 09:00-09:30; Sun 01:00-04:00"
	tests := []struct {
		name      string
		zone      string
		now       string // a Friday
		call      time.Duration
		want      []string
		notOffers []string // instants that must not be offered, e.g. a repeated hour's second run
	}{
		{
			name: "New York springs forward, 02:00-03:00 skipped", zone: "America/New_York", now: "2026-03-06T12:00:00Z",
			want: []string{
				"2026-03-07T14:00:00Z", // Sat 09:00 EST (-5)
				"2026-03-08T06:00:00Z", // Sun 01:00 EST
				"2026-03-08T06:30:00Z", // 01:30 EST; 02:00 and 02:30 do not exist
				"2026-03-08T07:00:00Z", // 03:00 EDT (-4)
				"2026-03-08T07:30:00Z", // 03:30 EDT
				"2026-03-08T13:00:00Z", // Sun 09:00 EDT
				"2026-03-09T13:00:00Z", // Mon 09:00 EDT
			},
		},
		{
			name: "New York falls back, 01:00-02:00 offered once", zone: "America/New_York", now: "2026-10-30T12:00:00Z",
			want: []string{
				"2026-10-31T13:00:00Z", // Sat 09:00 EDT (-4)
				"2026-11-01T05:00:00Z", // Sun 01:00 EDT, the first 01:00
				"2026-11-01T05:30:00Z", // 01:30 EDT
				"2026-11-01T07:00:00Z", // 02:00 EST (-5)
				"2026-11-01T07:30:00Z",
				"2026-11-01T08:00:00Z",
				"2026-11-01T08:30:00Z", // 03:30 EST
				"2026-11-01T14:00:00Z", // Sun 09:00 EST
				"2026-11-02T14:00:00Z", // Mon 09:00 EST
			},
			notOffers: []string{"2026-11-01T06:00:00Z", "2026-11-01T06:30:00Z"}, // 01:00 and 01:30 EST
		},
		{
			name: "Berlin springs forward, 02:00-03:00 skipped", zone: "Europe/Berlin", now: "2026-03-27T12:00:00Z",
			want: []string{
				"2026-03-28T08:00:00Z", // Sat 09:00 CET (+1)
				"2026-03-29T00:00:00Z", // Sun 01:00 CET
				"2026-03-29T00:30:00Z", // 01:30 CET; 02:00 and 02:30 do not exist
				"2026-03-29T01:00:00Z", // 03:00 CEST (+2)
				"2026-03-29T01:30:00Z",
				"2026-03-29T07:00:00Z", // Sun 09:00 CEST
				"2026-03-30T07:00:00Z", // Mon 09:00 CEST
			},
		},
		{
			name: "Berlin falls back, 02:00-03:00 offered once", zone: "Europe/Berlin", now: "2026-10-23T12:00:00Z",
			want: []string{
				"2026-10-24T07:00:00Z", // Sat 09:00 CEST (+2)
				"2026-10-24T23:00:00Z", // Sun 01:00 CEST, still Saturday in UTC
				"2026-10-24T23:30:00Z",
				"2026-10-25T00:00:00Z", // 02:00 CEST, the first 02:00
				"2026-10-25T00:30:00Z", // 02:30 CEST
				"2026-10-25T02:00:00Z", // 03:00 CET (+1)
				"2026-10-25T02:30:00Z",
				"2026-10-25T08:00:00Z", // Sun 09:00 CET
				"2026-10-26T08:00:00Z", // Mon 09:00 CET
			},
			notOffers: []string{"2026-10-25T01:00:00Z", "2026-10-25T01:30:00Z"}, // 02:00 and 02:30 CET
		},
		{
			name: "a long call may run across the change", zone: "America/New_York", now: "2026-03-06T12:00:00Z", call: 90 * time.Minute,
			want: []string{
				"2026-03-08T06:00:00Z", // 01:00 EST, ends 03:30 EDT; 02:30 does not exist, 04:00 is too late
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Rules{
				Week:     MustHours(t, hours),
				Location: MustLoad(t, tt.zone),
				Call:     30 * time.Minute,
				Notice:   DefaultNotice,
				Horizon:  7,
			}
			if tt.call != 0 {
				r.Call = tt.call
			}
			now := MustTime(t, tt.now)
			slots := r.Slots(now, now, now.Add(7*24*time.Hour), nil)
			require.Equal(t, tt.want, starts(t, slots, r.Call))
			for _, s := range slots {
				require.True(t, r.Offered(now, s.Start, nil), "slot %v", s.Start)
			}
			for _, s := range tt.notOffers {
				require.False(t, r.Offered(now, MustTime(t, s), nil), "repeated wall time at %s", s)
			}
		})
	}
}

// On the night clocks go forward, a call that starts before the jump
// still has to end by the window's end in real time: 01:30 EST plus 90
// minutes is 04:00 EDT, past a window that closes at 03:00.
func TestASlotEndsByItsWindowAcrossTheJump(t *testing.T) {
	r := Rules{
		Week:     MustHours(t, "Sun 00:00-03:00"),
		Location: MustLoad(t, "America/New_York"),
		Call:     90 * time.Minute,
		Notice:   DefaultNotice,
		Horizon:  7,
	}
	now := MustTime(t, "2026-03-06T12:00:00Z")
	slots := r.Slots(now, now, now.Add(7*24*time.Hour), nil)
	require.Equal(t, []string{"2026-03-08T05:00:00Z"}, starts(t, slots, r.Call), "00:00 EST only")
	for _, s := range slots {
		require.False(t, s.End.After(MustTime(t, "2026-03-08T07:00:00Z")), "ends by 03:00 EDT")
	}
}

// A window that ends inside the hour skipped closes at the jump, in zones
// east and west of UTC alike.
func TestAWindowEndingInTheSkippedHourClosesAtTheJump(t *testing.T) {
	for _, tc := range []struct {
		zone, now, want string
		call            time.Duration
	}{
		// Berlin jumps from 02:00 CET to 03:00 CEST (01:00Z): a 60-minute
		// call at 01:30 CET would end at 03:30 CEST, past the jump.
		{"Europe/Berlin", "2026-03-27T12:00:00Z", "2026-03-29T00:00:00Z", 60 * time.Minute},
		// New York jumps at 02:00 EST (07:00Z): a 30-minute call at 01:30
		// EST ends right at the jump, and is offered.
		{"America/New_York", "2026-03-06T12:00:00Z", "2026-03-08T06:00:00Z,2026-03-08T06:30:00Z", 30 * time.Minute},
	} {
		r := Rules{Week: MustHours(t, "Sun 01:00-02:30"), Location: MustLoad(t, tc.zone), Call: tc.call, Notice: DefaultNotice, Horizon: 7}
		now := MustTime(t, tc.now)
		got := starts(t, r.Slots(now, now, now.Add(7*24*time.Hour), nil), r.Call)
		require.Equal(t, strings.Split(tc.want, ","), got, tc.zone)
	}
}

// TestWallClock covers the conversion on its own, for zones east and west of
// UTC, where time.Date would pick different runs of a repeated hour.
func TestWallClock(t *testing.T) {
	tests := []struct {
		zone, wall string
		want       string // empty: the wall time does not exist
	}{
		{"America/New_York", "2026-03-08T02:30:00Z", ""},
		{"America/New_York", "2026-03-08T03:00:00Z", "2026-03-08T07:00:00Z"},
		{"America/New_York", "2026-11-01T01:30:00Z", "2026-11-01T05:30:00Z"},
		{"Europe/Berlin", "2026-03-29T02:00:00Z", ""},
		{"Europe/Berlin", "2026-10-25T02:30:00Z", "2026-10-25T00:30:00Z"},
		{"Australia/Lord_Howe", "2026-04-05T01:45:00Z", "2026-04-04T14:45:00Z"}, // a half-hour change: 01:45 +11 before 02:00 becomes 01:30 +10:30
		{"Pacific/Kiritimati", "2026-03-10T00:00:00Z", "2026-03-09T10:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.zone+" "+tt.wall, func(t *testing.T) {
			got, ok := wallClock(MustTime(t, tt.wall), MustLoad(t, tt.zone))
			if tt.want == "" {
				require.False(t, ok, "got %v", got)
				return
			}
			require.True(t, ok)
			require.Equal(t, tt.want, got.UTC().Format(time.RFC3339))
		})
	}
}

package booking

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestByDayAcrossTheDateLine shows one coach's slots to visitors 25 hours
// apart: the same instants land on different dates and labels.
func TestByDayAcrossTheDateLine(t *testing.T) {
	r := Rules{
		Week:     MustHours(t, "Tue 10:00-10:30,13:00-13:30"), // 09:00Z and 12:00Z in Berlin's winter
		Location: MustLoad(t, "Europe/Berlin"),
		Call:     30 * time.Minute,
		Notice:   DefaultNotice,
		Horizon:  DefaultHorizon,
	}
	now := MustTime(t, "2026-03-08T12:00:00Z")
	slots := r.Slots(now, now, now.Add(3*24*time.Hour), nil)
	require.Equal(t, []string{"2026-03-10T09:00:00Z", "2026-03-10T12:00:00Z"}, starts(t, slots, r.Call))

	type day struct {
		date, label string
		starts      []string
	}
	tests := []struct {
		zone string
		want []day
	}{
		{"Pacific/Kiritimati", []day{ // UTC+14: 23:00 Tuesday, 02:00 Wednesday
			{"2026-03-10", "Tuesday 10 March", []string{"2026-03-10T09:00:00Z"}},
			{"2026-03-11", "Wednesday 11 March", []string{"2026-03-10T12:00:00Z"}},
		}},
		{"Pacific/Pago_Pago", []day{ // UTC-11: 22:00 Monday, 01:00 Tuesday
			{"2026-03-09", "Monday 9 March", []string{"2026-03-10T09:00:00Z"}},
			{"2026-03-10", "Tuesday 10 March", []string{"2026-03-10T12:00:00Z"}},
		}},
		{"Europe/Berlin", []day{
			{"2026-03-10", "Tuesday 10 March", []string{"2026-03-10T09:00:00Z", "2026-03-10T12:00:00Z"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.zone, func(t *testing.T) {
			var got []day
			for _, d := range ByDay(slots, MustLoad(t, tt.zone)) {
				got = append(got, day{d.Date.String(), d.Label, starts(t, d.Slots, r.Call)})
			}
			require.Equal(t, tt.want, got)
		})
	}
}

func TestByDayOrderAndNilZone(t *testing.T) {
	late := Slot{MustTime(t, "2026-03-11T08:00:00Z"), MustTime(t, "2026-03-11T08:30:00Z")}
	early := Slot{MustTime(t, "2026-03-10T23:30:00Z"), MustTime(t, "2026-03-11T00:00:00Z")}
	days := ByDay([]Slot{late, early}, nil)
	require.Len(t, days, 2)
	require.Equal(t, Date{2026, time.March, 10}, days[0].Date)
	require.Equal(t, []Slot{early}, days[0].Slots)
	require.Equal(t, "Wednesday 11 March", days[1].Label)
	require.Equal(t, []Slot{late}, days[1].Slots)
	require.Empty(t, ByDay(nil, time.UTC))
}

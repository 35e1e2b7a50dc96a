package booking

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestValidate(t *testing.T) {
	valid := func(t *testing.T) Rules {
		return Rules{
			Week:     MustHours(t, "Mon-Fri 09:00-12:00"),
			Location: MustLoad(t, "Europe/Berlin"),
			Call:     DefaultCall,
			Notice:   DefaultNotice,
			Horizon:  DefaultHorizon,
		}
	}
	tests := []struct {
		name string
		edit func(*Rules)
		want []string // each must appear in the error; none means valid
	}{
		{"defaults", func(*Rules) {}, nil},
		{"cap, buffer and no notice", func(r *Rules) { r.DailyMax, r.Buffer, r.Notice = 3, 10*time.Minute, 0 }, nil},
		{"zero call", func(r *Rules) { r.Call = 0 }, []string{"call length must be positive, got 0s"}},
		{"negative buffer", func(r *Rules) { r.Buffer = -time.Minute }, []string{"buffer must not be negative, got -1m0s"}},
		{"negative notice", func(r *Rules) { r.Notice = -time.Hour }, []string{"minimum notice must not be negative"}},
		{"zero horizon", func(r *Rules) { r.Horizon = 0 }, []string{"horizon must be at least 1 day, got 0"}},
		{"huge horizon", func(r *Rules) { r.Horizon = 5000 }, []string{"horizon must be at most 366 days"}},
		{"negative cap", func(r *Rules) { r.DailyMax = -1 }, []string{"daily maximum must not be negative"}},
		{"no zone", func(r *Rules) { r.Location = nil }, []string{"no time zone"}},
		{"no week", func(r *Rules) { r.Week = nil }, []string{"no bookable hours"}},
		{"days without windows", func(r *Rules) { r.Week = Week{time.Monday: nil} }, []string{"no bookable hours"}},
		{"call longer than any window", func(r *Rules) { r.Call = 4 * time.Hour }, []string{"no window is long enough for a 4h0m0s call"}},
		{"hand-built bad window", func(r *Rules) { r.Week = Week{time.Monday: {{600, 540}}} }, []string{"Monday 10:00-09:00: window ends before it starts"}},
		{"hand-built overlap", func(r *Rules) { r.Week = Week{time.Monday: {{540, 720}, {600, 660}}} }, []string{"Monday: window 10:00-11:00 overlaps 09:00-12:00"}},
		{"hand-built bad weekday", func(r *Rules) { r.Week = Week{9: {{540, 720}}} }, []string{"unknown weekday 9"}},
		{"every problem at once", func(r *Rules) { r.Call, r.Horizon, r.Location = -time.Minute, 0, nil }, []string{"call length", "horizon", "no time zone"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := valid(t)
			tt.edit(&r)
			err := r.Validate()
			if len(tt.want) == 0 {
				require.NoError(t, err)
				return
			}
			for _, w := range tt.want {
				require.ErrorContains(t, err, w)
			}
		})
	}
}

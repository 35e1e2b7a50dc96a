package booking

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// tokyoRules is a coach nine hours ahead of UTC with no daylight saving, so
// 09:00 local is 00:00Z and a wrong zone shows as a wrong date or hour.
// 2026-03-02 is a Monday.
func tokyoRules(tb testing.TB, hours string) Rules {
	tb.Helper()
	return Rules{
		Week:     MustHours(tb, hours),
		Location: MustLoad(tb, "Asia/Tokyo"),
		Call:     30 * time.Minute,
		Notice:   12 * time.Hour,
		Horizon:  21,
	}
}

func TestSlots(t *testing.T) {
	sunEvening := "2026-03-01T12:00:00Z" // Sun 21:00 in Tokyo; with 12h notice, Mon 09:00 is the first bookable start
	tests := []struct {
		name     string
		hours    string
		edit     func(*Rules)
		now      string
		from, to string // default: now and 5 days later, through Friday
		booked   []string
		want     []string
	}{
		{
			name: "back to back, first start exactly at the notice", hours: "Mon 09:00-11:00", now: sunEvening,
			want: []string{"2026-03-02T00:00:00Z", "2026-03-02T00:30:00Z", "2026-03-02T01:00:00Z", "2026-03-02T01:30:00Z"},
		},
		{
			name: "buffer spaces the starts", hours: "Mon 09:00-12:00", now: sunEvening,
			edit: func(r *Rules) { r.Buffer = 15 * time.Minute },
			want: []string{"2026-03-02T00:00:00Z", "2026-03-02T00:45:00Z", "2026-03-02T01:30:00Z", "2026-03-02T02:15:00Z"},
		},
		{
			name: "a booked call takes the slots within its buffers", hours: "Mon 09:00-12:00", now: sunEvening,
			edit:   func(r *Rules) { r.Buffer = 15 * time.Minute },
			booked: []string{"2026-03-02T01:00:00Z"},
			want:   []string{"2026-03-02T00:00:00Z", "2026-03-02T02:15:00Z"},
		},
		{
			name: "without buffer a booked call takes only its own slot", hours: "Mon 09:00-11:00", now: sunEvening,
			booked: []string{"2026-03-02T01:00:00Z"},
			want:   []string{"2026-03-02T00:00:00Z", "2026-03-02T00:30:00Z", "2026-03-02T01:30:00Z"},
		},
		{
			name: "an off-grid booking takes both slots it touches", hours: "Mon 09:00-11:00", now: sunEvening,
			booked: []string{"2026-03-02T01:10:00Z"},
			want:   []string{"2026-03-02T00:00:00Z", "2026-03-02T00:30:00Z"},
		},
		{
			name: "a booking whose buffer ends at a start leaves it free", hours: "Mon 09:00-11:00", now: sunEvening,
			edit:   func(r *Rules) { r.Buffer = 15 * time.Minute },
			booked: []string{"2026-03-01T23:15:00Z"},
			want:   []string{"2026-03-02T00:00:00Z", "2026-03-02T00:45:00Z", "2026-03-02T01:30:00Z"},
		},
		{
			name: "minimum notice", hours: "Mon 09:00-11:00", now: "2026-03-02T00:10:00Z",
			edit: func(r *Rules) { r.Notice = time.Hour },
			want: []string{"2026-03-02T01:30:00Z"},
		},
		{
			name: "no notice still hides the past", hours: "Mon 09:00-11:00", now: "2026-03-02T00:10:00Z",
			edit: func(r *Rules) { r.Notice = 0 },
			want: []string{"2026-03-02T00:30:00Z", "2026-03-02T01:00:00Z", "2026-03-02T01:30:00Z"},
		},
		{
			name: "horizon ends at today plus horizon minus one", hours: "Mon-Sun 09:00-09:30", now: sunEvening,
			edit: func(r *Rules) { r.Horizon, r.Notice = 3, 0 },
			want: []string{"2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z"},
		},
		{
			name: "horizon counts from the coach's date, not UTC's", hours: "Mon-Sun 09:00-09:30", now: "2026-03-01T16:00:00Z",
			edit: func(r *Rules) { r.Horizon, r.Notice = 3, 0 },
			want: []string{"2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z", "2026-03-04T00:00:00Z"},
		},
		{
			name: "daily cap reached closes the date", hours: "Mon-Tue 09:00-10:00", now: sunEvening,
			edit:   func(r *Rules) { r.DailyMax = 2 },
			booked: []string{"2026-03-01T23:00:00Z", "2026-03-01T23:30:00Z"}, // Mon 08:00 and 08:30 in Tokyo
			want:   []string{"2026-03-03T00:00:00Z", "2026-03-03T00:30:00Z"},
		},
		{
			name: "daily cap not yet reached", hours: "Mon-Tue 09:00-10:00", now: sunEvening,
			edit:   func(r *Rules) { r.DailyMax = 3 },
			booked: []string{"2026-03-01T23:00:00Z", "2026-03-01T23:30:00Z"},
			want:   []string{"2026-03-02T00:00:00Z", "2026-03-02T00:30:00Z", "2026-03-03T00:00:00Z", "2026-03-03T00:30:00Z"},
		},
		{
			name: "daily cap counts the coach's date", hours: "Mon-Tue 09:00-10:00", now: sunEvening,
			edit:   func(r *Rules) { r.DailyMax = 1 },
			booked: []string{"2026-03-02T15:30:00Z"}, // Monday in UTC, Tuesday 00:30 in Tokyo
			want:   []string{"2026-03-02T00:00:00Z", "2026-03-02T00:30:00Z"},
		},
		{
			name: "blackout date", hours: "Mon-Thu 09:00-09:30", now: sunEvening,
			edit: func(r *Rules) { r.Blackouts = MustBlackouts(t, "2026-03-03") },
			want: []string{"2026-03-02T00:00:00Z", "2026-03-04T00:00:00Z", "2026-03-05T00:00:00Z"},
		},
		{
			name: "blackout range", hours: "Mon-Thu 09:00-09:30", now: sunEvening,
			edit: func(r *Rules) { r.Blackouts = MustBlackouts(t, "2026-03-03..2026-03-04") },
			want: []string{"2026-03-02T00:00:00Z", "2026-03-05T00:00:00Z"},
		},
		{
			name: "from is inclusive, to exclusive", hours: "Mon 09:00-11:00", now: sunEvening,
			from: "2026-03-02T00:30:00Z", to: "2026-03-02T01:30:00Z",
			want: []string{"2026-03-02T00:30:00Z", "2026-03-02T01:00:00Z"},
		},
		{
			name: "invalid rules offer nothing", hours: "Mon 09:00-11:00", now: sunEvening,
			edit: func(r *Rules) { r.Call = 0 },
			want: []string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tokyoRules(t, tt.hours)
			if tt.edit != nil {
				tt.edit(&r)
			}
			now := MustTime(t, tt.now)
			from, to := now, now.Add(5*24*time.Hour)
			if tt.from != "" {
				from, to = MustTime(t, tt.from), MustTime(t, tt.to)
			}
			var booked []time.Time
			for _, b := range tt.booked {
				booked = append(booked, MustTime(t, b))
			}
			require.Equal(t, tt.want, starts(t, r.Slots(now, from, to, booked), r.Call))
		})
	}
}

func TestOffered(t *testing.T) {
	r := tokyoRules(t, "Mon-Fri 09:00-12:00")
	r.Blackouts = MustBlackouts(t, "2026-03-04")
	now := MustTime(t, "2026-03-01T12:00:00Z") // Sun 21:00 in Tokyo
	la := MustLoad(t, "America/Los_Angeles")
	slot := MustTime(t, "2026-03-03T01:00:00Z") // Tue 10:00 in Tokyo
	tests := []struct {
		name   string
		now    time.Time
		start  time.Time
		booked []time.Time
		want   bool
	}{
		{"a generated slot", now, slot, nil, true},
		{"the same slot in another zone", now, slot.In(la), nil, true},
		{"first slot, exactly at the notice", now, MustTime(t, "2026-03-02T00:00:00Z"), nil, true},
		{"one minute off", now, slot.Add(time.Minute), nil, false},
		{"in the past", MustTime(t, "2026-03-03T02:00:00Z"), slot, nil, false},
		{"inside the notice", MustTime(t, "2026-03-02T14:00:00Z"), slot, nil, false},
		{"on a blackout date", now, MustTime(t, "2026-03-04T01:00:00Z"), nil, false},
		{"taken", now, slot, []time.Time{slot.In(la)}, false},
		{"outside the hours", now, MustTime(t, "2026-03-03T03:00:00Z"), nil, false},
		{"on a day without hours", now, MustTime(t, "2026-03-07T01:00:00Z"), nil, false},
		{"beyond the horizon", now, MustTime(t, "2026-03-23T01:00:00Z"), nil, false},
		{"last date of the horizon", now, MustTime(t, "2026-03-20T01:00:00Z"), nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, r.Offered(tt.now, tt.start, tt.booked))
		})
	}
}

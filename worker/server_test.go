package worker

import (
	"testing"
	"time"
)

func TestTimingFollowsTheCourseDay(t *testing.T) {
	t.Parallel()
	tests := []struct {
		day  time.Duration
		want Timing
	}{
		// A real day: the queue's own defaults and a minute's reconcile.
		{24 * time.Hour, Timing{Reconcile: time.Minute, DelayedCheck: 5 * time.Second, RetryBase: 30 * time.Second, RetryMax: 2 * time.Hour}},
		// COURSE_DAY=2s: lessons two seconds apart need sub-second polling,
		// or the seven-lesson course would not arrive within a minute.
		{2 * time.Second, Timing{Reconcile: 500 * time.Millisecond, DelayedCheck: 200 * time.Millisecond, RetryBase: 100 * time.Millisecond, RetryMax: time.Second}},
	}
	for _, tt := range tests {
		if got := TimingFor(tt.day); got != tt.want {
			t.Errorf("TimingFor(%v) = %+v, want %+v", tt.day, got, tt.want)
		}
	}
}

package worker

import (
	"log/slog"
	"testing"
	"time"

	"github.com/hibiken/asynq"
)

func TestTimingFollowsTheCourseDay(t *testing.T) {
	t.Parallel()
	tests := []struct {
		day  time.Duration
		want Timing
	}{
		// A real day: the queue's own defaults and a minute's reconcile.
		{24 * time.Hour, Timing{Reconcile: time.Minute, DelayedCheck: 5 * time.Second, TaskCheck: MaxPickup * 2 / 3, RetryBase: 30 * time.Second, RetryMax: 2 * time.Hour}},
		// COURSE_DAY=2s: lessons two seconds apart need sub-second polling,
		// or the seven-lesson course would not arrive within a minute.
		{2 * time.Second, Timing{Reconcile: 500 * time.Millisecond, DelayedCheck: 200 * time.Millisecond, TaskCheck: 200 * time.Millisecond, RetryBase: 100 * time.Millisecond, RetryMax: time.Second}},
	}
	for _, tt := range tests {
		if got := TimingFor(tt.day); got != tt.want {
			t.Errorf("TimingFor(%v) = %+v, want %+v", tt.day, got, tt.want)
		}
	}
}

// An idle worker must start a confirmation within MaxPickup on any course
// day: Asynq sleeps up to one and a half TaskCheckInterval between looks.
// The scheduled lessons may be looked for as rarely as the day allows.
func TestIdleWorkerPicksUpWithinMaxPickup(t *testing.T) {
	t.Parallel()
	for _, day := range []time.Duration{300 * time.Millisecond, 2 * time.Second, time.Hour, 24 * time.Hour, 30 * 24 * time.Hour} {
		c := asynqConfig(ServerConfig{Queue: "q", Concurrency: 1, Timing: TimingFor(day)})
		if c.TaskCheckInterval <= 0 || c.TaskCheckInterval*3/2 > MaxPickup {
			t.Errorf("COURSE_DAY=%v: TaskCheckInterval %v, so an idle worker may wait %v for a confirmation; want at most %v",
				day, c.TaskCheckInterval, c.TaskCheckInterval*3/2, MaxPickup)
		}
		if c.DelayedTaskCheckInterval < c.TaskCheckInterval && day >= time.Hour {
			t.Errorf("COURSE_DAY=%v: DelayedTaskCheckInterval %v polls more often than new tasks are looked for", day, c.DelayedTaskCheckInterval)
		}
	}
}

func TestAsynqLogsFollowLogLevel(t *testing.T) {
	t.Parallel()
	for level, want := range map[slog.Level]asynq.LogLevel{
		slog.LevelDebug: asynq.DebugLevel,
		slog.LevelInfo:  asynq.WarnLevel,
		slog.LevelWarn:  asynq.WarnLevel,
		slog.LevelError: asynq.ErrorLevel,
	} {
		if got := asynqConfig(ServerConfig{Queue: "q", Concurrency: 1, LogLevel: level}).LogLevel; got != want {
			t.Errorf("LOG_LEVEL %v: Asynq logs at %v, want %v", level, got, want)
		}
	}
}

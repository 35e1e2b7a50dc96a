package worker

import (
	"context"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// Timing derives the queue's clocks from the length of a course day, so a
// course compressed into seconds also polls in fractions of a second.
type Timing struct {
	Reconcile    time.Duration // how often the reconciler runs
	DelayedCheck time.Duration // how often Asynq promotes scheduled tasks
	RetryBase    time.Duration // first retry delay; doubles each time
	RetryMax     time.Duration
}

// TimingFor returns the Timing for a course day.
func TimingFor(day time.Duration) Timing {
	return Timing{
		Reconcile:    clamp(day/4, 250*time.Millisecond, time.Minute),
		DelayedCheck: clamp(day/10, 100*time.Millisecond, 5*time.Second),
		RetryBase:    clamp(day/20, 100*time.Millisecond, 30*time.Second),
		RetryMax:     clamp(day/2, time.Second, 2*time.Hour),
	}
}

// NewServer returns the Asynq server that runs the engine's tasks. In-flight
// tasks get shutdownTimeout to finish on stop; the rest go back to the queue.
func NewServer(rdb redis.UniversalClient, queue string, concurrency int, t Timing, shutdownTimeout time.Duration, log *slog.Logger) *asynq.Server {
	return asynq.NewServerFromRedisClient(rdb, asynq.Config{
		Concurrency:              concurrency,
		Queues:                   map[string]int{queue: 1},
		DelayedTaskCheckInterval: t.DelayedCheck,
		TaskCheckInterval:        t.DelayedCheck,
		ShutdownTimeout:          shutdownTimeout,
		RetryDelayFunc: func(n int, _ error, _ *asynq.Task) time.Duration {
			d := t.RetryBase << min(n, 20)
			return min(d, t.RetryMax)
		},
		Logger:   slogAdapter{log},
		LogLevel: asynq.WarnLevel,
		ErrorHandler: asynq.ErrorHandlerFunc(func(_ context.Context, task *asynq.Task, err error) {
			log.Warn("task failed", "type", task.Type(), "error", err)
		}),
	})
}

func clamp(d, lo, hi time.Duration) time.Duration {
	return max(lo, min(d, hi))
}

package worker

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/dripbook/dripbook/message"
)

// Timing derives the queue's clocks from the length of a course day, so a
// course compressed into seconds also polls in fractions of a second.
type Timing struct {
	Reconcile    time.Duration // how often the reconciler runs
	DelayedCheck time.Duration // how often Asynq promotes scheduled tasks
	TaskCheck    time.Duration // how often an idle worker looks for new tasks
	RetryBase    time.Duration // first retry delay; doubles each time
	RetryMax     time.Duration
}

// MaxPickup bounds how long an idle worker takes to start an immediate task,
// such as a confirmation email, whatever the course day: Asynq sleeps
// between half and one and a half TaskCheck when it finds nothing to do.
const MaxPickup = time.Second

// TimingFor returns the Timing for a course day.
func TimingFor(day time.Duration) Timing {
	return Timing{
		Reconcile:    clamp(day/4, 250*time.Millisecond, time.Minute),
		DelayedCheck: clamp(day/10, 100*time.Millisecond, 5*time.Second),
		// Not tied to the day beyond a floor: a visitor waits for their
		// confirmation however long the course's days are.
		TaskCheck: clamp(day/10, 100*time.Millisecond, MaxPickup*2/3),
		RetryBase: clamp(day/20, 100*time.Millisecond, 30*time.Second),
		RetryMax:  clamp(day/2, time.Second, 2*time.Hour),
	}
}

// ServerConfig is what the Asynq server is built from. In-flight tasks get
// ShutdownTimeout to finish on stop; the rest go back to the queue. Log
// defaults to slog's default logger.
type ServerConfig struct {
	Redis           redis.UniversalClient
	Queue           string
	Concurrency     int
	Timing          Timing
	ShutdownTimeout time.Duration
	Log             *slog.Logger
	LogLevel        slog.Level // LOG_LEVEL; Asynq's own lines follow it
}

// NewServer returns the Asynq server that runs the engine's tasks.
func NewServer(c ServerConfig) *asynq.Server {
	return asynq.NewServerFromRedisClient(c.Redis, asynqConfig(c))
}

func asynqConfig(c ServerConfig) asynq.Config {
	t, log := c.Timing, c.Log
	if log == nil {
		log = slog.Default()
	}
	return asynq.Config{
		Concurrency:              c.Concurrency,
		Queues:                   map[string]int{c.Queue: 1},
		DelayedTaskCheckInterval: t.DelayedCheck,
		TaskCheckInterval:        t.TaskCheck,
		ShutdownTimeout:          c.ShutdownTimeout,
		RetryDelayFunc: func(n int, err error, _ *asynq.Task) time.Duration {
			if until, paused := message.PausedUntil(err); paused {
				return pausedDelay(until)
			}
			d := t.RetryBase << min(n, 20)
			return min(d, t.RetryMax)
		},
		// A task put back because sending is paused has not failed: it
		// does not use up one of its retries.
		IsFailure: func(err error) bool {
			_, paused := message.PausedUntil(err)
			return !paused
		},
		Logger:   slogAdapter{log},
		LogLevel: asynqLevel(c.LogLevel),
		ErrorHandler: asynq.ErrorHandlerFunc(func(_ context.Context, task *asynq.Task, err error) {
			if _, paused := message.PausedUntil(err); paused {
				return // the sender logged the pause once
			}
			log.Warn("task failed", "type", task.Type(), "error", err)
		}),
	}
}

// pausedDelay is how long a task waits for paused sending to resume. The
// tasks are spread over a quarter of the wait after it, so that they do not
// all meet the one probe the sender lets through.
func pausedDelay(until time.Time) time.Duration {
	d := max(time.Until(until), 0)
	return d + rand.N(d/4+time.Millisecond)
}

func clamp(d, lo, hi time.Duration) time.Duration {
	return max(lo, min(d, hi))
}

// asynqLevel is LOG_LEVEL for Asynq's own lines. Its info lines are about
// its own start and stop, so they show from warn up unless debugging.
func asynqLevel(l slog.Level) asynq.LogLevel {
	switch {
	case l <= slog.LevelDebug:
		return asynq.DebugLevel
	case l >= slog.LevelError:
		return asynq.ErrorLevel
	default:
		return asynq.WarnLevel
	}
}

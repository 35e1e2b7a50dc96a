package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"

	"github.com/redis/go-redis/v9"

	"github.com/dripbook/dripbook/config"
)

// newLogger builds the one logger, at LOG_LEVEL and in LOG_FORMAT, makes it
// slog's default and sends go-redis's own messages through it, so that JSON
// logs stay JSON.
func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	l := slog.New(h)
	slog.SetDefault(l)
	// go-redis keeps its logger in a global that its goroutines read
	// unlocked: set it once, to one that asks slog for the default logger
	// (which slog swaps safely) each time.
	redisLog.Do(func() { redis.SetLogger(redisLogger{}) })
	return l
}

var redisLog sync.Once

// redisLogger lets go-redis log through slog's default logger. It only
// reports trouble (reconnects, pool problems), so its lines are warnings.
type redisLogger struct{}

func (redisLogger) Printf(ctx context.Context, format string, v ...any) {
	slog.Default().WarnContext(ctx, fmt.Sprintf(format, v...), "component", "redis")
}

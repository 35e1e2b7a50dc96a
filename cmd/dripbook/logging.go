package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

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
	redis.SetLogger(redisLogger{l})
	return l
}

// redisLogger lets go-redis log through slog. It only reports trouble
// (reconnects, pool problems), so its lines are warnings.
type redisLogger struct{ log *slog.Logger }

func (r redisLogger) Printf(ctx context.Context, format string, v ...any) {
	r.log.WarnContext(ctx, fmt.Sprintf(format, v...), "component", "redis")
}

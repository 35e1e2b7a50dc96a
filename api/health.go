package api

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// pingTimeout bounds each readiness check, so a hung dependency makes the
// probe fail instead of hang.
const pingTimeout = 2 * time.Second

// healthz says the process is up and serving; it checks nothing else, so a
// database outage does not get the process restarted.
func (s *server) healthz(c echo.Context) error {
	return c.String(http.StatusOK, "ok")
}

// readyz says whether this instance can do its work: the database and Redis
// both answer. A failing check is named; its error goes to the log, not to
// whoever asks.
func (s *server) readyz(c echo.Context) error {
	ctx := c.Request().Context()
	checks := map[string]string{"database": "ok", "redis": "ok"}
	ready := true
	probe := func(name string, ping func(context.Context) error) {
		pctx, cancel := context.WithTimeout(ctx, pingTimeout)
		defer cancel()
		if err := ping(pctx); err != nil {
			checks[name] = "unavailable"
			ready = false
			s.Log.WarnContext(ctx, "readiness check failed", "check", name, "error", err, "request_id", requestID(c))
		}
	}
	probe("database", s.Store.Ping)
	if s.Redis != nil {
		probe("redis", s.Redis.Ping)
	} else {
		checks["redis"] = "not configured"
	}
	if !ready {
		return c.JSON(http.StatusServiceUnavailable, map[string]any{"status": "unavailable", "checks": checks})
	}
	return c.JSON(http.StatusOK, map[string]any{"status": "ok", "checks": checks})
}

package api

import (
	"crypto/subtle"
	"net/http"

	"github.com/labstack/echo-contrib/echoprometheus"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics serves the Prometheus text format, behind the bearer token when
// METRICS_TOKEN is set.
func (s *server) metrics(c echo.Context) error {
	if s.Data.Metrics == nil {
		return echo.ErrNotFound
	}
	if tok := s.Data.MetricsToken; tok != "" {
		got := c.Request().Header.Get(echo.HeaderAuthorization)
		want := "Bearer " + tok
		if subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="metrics"`)
			return echo.NewHTTPError(http.StatusUnauthorized, "Send the metrics token as a bearer token.")
		}
	}
	promhttp.HandlerFor(s.Data.Metrics, promhttp.HandlerOpts{}).ServeHTTP(c.Response(), c.Request())
	return nil
}

// httpMetrics counts requests and their latency by route and status, never
// by URL (dripbook's carry signed tokens) nor by Host (anyone can send any).
// Without a Registerer it passes requests through.
func (s *server) httpMetrics() echo.MiddlewareFunc {
	pass := func(next echo.HandlerFunc) echo.HandlerFunc { return next }
	if s.Data.Registerer == nil {
		return pass
	}
	mw, err := echoprometheus.MiddlewareConfig{
		Namespace: "dripbook", Subsystem: "http", Registerer: s.Data.Registerer,
		DoNotUseRequestPathFor404: true,
		LabelFuncs: map[string]echoprometheus.LabelValueFunc{
			"host": func(echo.Context, error) string { return "" },
		},
		Skipper: func(c echo.Context) bool { return c.Path() == "/metrics" },
		// By the time a request comes back out, the request logger has
		// written the error response; otherwise the error says the status.
		StatusCodeResolver: func(c echo.Context, err error) int {
			if c.Response().Committed || err == nil {
				return c.Response().Status
			}
			return classify(err).Status
		},
	}.ToMiddleware()
	if err != nil {
		s.Log.Error("http metrics not counted", "error", err)
		return pass
	}
	return mw
}

package api

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// pageCSP keeps pages to their own origin. The landing page's few lines of
// inline script (the time zone) need 'unsafe-inline'; nothing else does.
const pageCSP = "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self'; " +
	"img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

// pagePolicy is pageCSP with the origins of the coach's photos (the booking
// page's, the landing page's) and of the images the pages' copy shows,
// when they are elsewhere, among the image sources.
func pagePolicy(photoURLs ...string) string {
	sources := []string{"img-src 'self' data:"}
	for _, photo := range photoURLs {
		u, err := url.Parse(photo)
		if photo == "" || err != nil || u.Host == "" {
			continue
		}
		if origin := u.Scheme + "://" + u.Host; !slices.Contains(sources, origin) {
			sources = append(sources, origin)
		}
	}
	return strings.Replace(pageCSP, "img-src 'self' data:", strings.Join(sources, " "), 1)
}

// devMailCSP is for the mail viewer. A srcdoc iframe inherits its parent's
// policy, and captured emails carry inline styles and remote images, so those
// are allowed here; scripts are not, and the sandbox blocks them as well.
const devMailCSP = "default-src 'self'; script-src 'none'; style-src 'self' 'unsafe-inline'; " +
	"img-src * data:; frame-src 'self' about:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

// secureHeaders sets the usual hardening headers with the given policy. As
// route middleware it runs after the global one and so replaces its policy.
func secureHeaders(csp string) echo.MiddlewareFunc {
	return middleware.SecureWithConfig(middleware.SecureConfig{
		XSSProtection:         "0", // the legacy filter causes more harm than good; CSP replaces it
		ContentTypeNosniff:    "nosniff",
		XFrameOptions:         "DENY",
		ContentSecurityPolicy: csp,
		ReferrerPolicy:        "same-origin",
	})
}

// cacheFor lets browsers keep embedded assets; the page links them with a
// content hash, so a new release is fetched at once.
func cacheFor(d time.Duration) echo.MiddlewareFunc {
	value := "public, max-age=" + strconv.Itoa(int(d.Seconds()))
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			c.Response().Header().Set("Cache-Control", value)
			return next(c)
		}
	}
}

// recoverer turns a panic into a 500. The stack travels with the error to
// the central handler, which logs it once, with the request's id, through the
// configured logger.
func recoverer() echo.MiddlewareFunc {
	return middleware.RecoverWithConfig(middleware.RecoverConfig{
		DisableStackAll: true,
		LogErrorFunc: func(_ echo.Context, err error, stack []byte) error {
			return fmt.Errorf("panic: %w\n%s", err, stack)
		},
	})
}

// requestLogger logs one line per request through the configured logger.
// Errors go through the central handler first, so the logged status is the
// one the client got. It logs the route, not the URI: URIs carry the signed
// tokens of confirm, unsubscribe and booking links, which must not end up in
// log files.
func (s *server) requestLogger() echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		HandleError:  true,
		LogMethod:    true,
		LogRoutePath: true,
		LogStatus:    true,
		LogLatency:   true,
		LogRequestID: true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			level := slog.LevelInfo
			if v.Status >= http.StatusInternalServerError {
				level = slog.LevelError
			}
			s.Log.LogAttrs(c.Request().Context(), level, "request",
				slog.String("method", v.Method),
				slog.String("route", v.RoutePath),
				slog.Int("status", v.Status),
				slog.Float64("latency_ms", float64(v.Latency.Microseconds())/1000),
				slog.String("request_id", v.RequestID),
			)
			return nil
		},
	})
}

// headAsGet and headRestore answer HEAD on every GET route, as uptime
// monitors and mail link checkers expect. headAsGet, before routing, routes a
// HEAD as the GET; headRestore, after routing, makes it a HEAD again, so the
// handler runs as it would for GET, the status and headers are the GET's, and
// net/http sends no body.
func headAsGet() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if c.Request().Method == http.MethodHead {
				c.Request().Method = http.MethodGet
				c.Set(headKey, true)
			}
			return next(c)
		}
	}
}

func headRestore() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if head, _ := c.Get(headKey).(bool); head {
				c.Request().Method = http.MethodHead
				c.Response().Writer = headWriter{c.Response().Writer}
			}
			return next(c)
		}
	}
}

const headKey = "dripbook.head"

// headWriter drops the body of a HEAD response before net/http refuses it.
type headWriter struct{ http.ResponseWriter }

func (w headWriter) Write(b []byte) (int, error) { return len(b), nil }

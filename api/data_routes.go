package api

import (
	"context"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/dripbook/dripbook/importer"
)

// DataDeps is what the console's exports, the queue's UI and /metrics
// need; main builds it. Each part left nil is not served.
type DataDeps struct {
	// Queues is asynqmon, mounted at /admin/queues/ (its RootPath).
	Queues http.Handler
	// Metrics gathers what /metrics shows; Registerer takes the HTTP
	// metrics. Both are usually one *prometheus.Registry.
	Metrics    prometheus.Gatherer
	Registerer prometheus.Registerer
	// MetricsToken, when set, is the bearer token /metrics asks for.
	MetricsToken string
	// Observer counts signups; nil counts nothing.
	Observer Observer
	// Import adds an uploaded CSV list, for the console's upload form: the
	// same checks and transaction as "dripbook import" (importer.Load).
	Import func(ctx context.Context, r io.Reader, opts importer.Options) (importer.Report, error)
}

// Observer is told of each stored signup; the metrics package implements it.
type Observer interface {
	Signup()
}

// queuesCSP is asynqmon's: its UI sets styles from script, so inline
// styles are allowed. The web fonts it asks for are not: nothing in the
// console loads from another origin, and the UI falls back to local fonts.
const queuesCSP = "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

// adminDataRoutes registers the console's data routes on g, the /admin
// group, which brings the sign-in and CSRF checks: the CSV exports and the
// queue's own UI.
func (s *server) adminDataRoutes(g *echo.Group) {
	g.GET("/export/subscribers.csv", s.exportSubscribers)
	g.GET("/export/bookings.csv", s.exportBookings)
	if s.Data.Queues != nil {
		queues, csp := echo.WrapHandler(s.Data.Queues), secureHeaders(queuesCSP)
		g.Any("/queues", queues, csp)
		g.Any("/queues/*", queues, csp)
	}
}

// observeSignup counts a stored signup.
func (s *server) observeSignup() {
	if s.Data.Observer != nil {
		s.Data.Observer.Signup()
	}
}

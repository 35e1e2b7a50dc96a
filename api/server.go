// Package api is dripbook's HTTP face: the landing page, signup (form and
// JSON), confirmation and unsubscribe links, booking a discovery call (pages
// and JSON), the coach's console under /admin, the development mail viewer
// and health checks.
package api

import (
	"context"
	"log/slog"
	"net"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/dripbook/dripbook/booking"
	"github.com/dripbook/dripbook/calendar"
	"github.com/dripbook/dripbook/message"
	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/outbox"
	"github.com/dripbook/dripbook/storage"
	"github.com/dripbook/dripbook/token"
)

// Course is the part of the drip course that signup and confirmation drive.
// The worker's Engine implements it.
type Course interface {
	// RequestConfirmation queues the double opt-in email for a signup round.
	RequestConfirmation(ctx context.Context, subscriberID int64, round int) error
	// Confirm activates a subscriber and enrolls them; calling it twice is
	// harmless.
	Confirm(ctx context.Context, subscriberID int64) error
}

// Mailbox is the captured mail shown at /dev/mail. The emails Outbox
// implements it; it is nil when mail really goes out over SMTP.
type Mailbox interface {
	List() ([]outbox.Item, error)
	Open(name string) (*message.Parsed, error)
}

// Bookings books, cancels and moves discovery calls. The booking Service
// implements it.
type Bookings interface {
	// Rules are the availability rules in force.
	Rules() booking.Rules
	// Slots lists the free slots starting in [from, to).
	Slots(ctx context.Context, from, to time.Time) ([]booking.Slot, error)
	// MoveSlots lists the free slots the call starting at own can move
	// to; a zero own is Slots.
	MoveSlots(ctx context.Context, from, to, own time.Time) ([]booking.Slot, error)
	// Book makes a booking; created is false when an idempotency key
	// repeated an earlier request, whose booking it returns.
	Book(ctx context.Context, r booking.Request) (b models.Booking, created bool, err error)
	// Cancel frees a confirmed call's slot; a cancelled one is
	// models.ErrNotConfirmed.
	Cancel(ctx context.Context, id int64) (models.Booking, error)
	// Reschedule moves a confirmed call to another free slot.
	Reschedule(ctx context.Context, id int64, start time.Time) (models.Booking, error)
	// SetPlace sets where one upcoming call booked here happens; the zero
	// Place goes back to the configured one.
	SetPlace(ctx context.Context, id int64, p booking.Place) (models.Booking, error)
	// Booking returns one booking, or models.ErrNotFound.
	Booking(ctx context.Context, id int64) (models.Booking, error)
	// ActiveFor returns the subscriber's confirmed booking, or
	// models.ErrNotFound.
	ActiveFor(ctx context.Context, subscriberID int64) (models.Booking, error)
	// RecordClick notes a click on a lesson's booking link.
	RecordClick(ctx context.Context, subscriberID int64, lesson string) error
	// RecordExternal records a call booked, moved or cancelled on an
	// external scheduler; changed is false when it was already recorded.
	RecordExternal(ctx context.Context, x booking.External) (b models.Booking, changed bool, err error)
}

// Pinger reports whether a dependency answers; readiness checks Redis with it.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Deps is everything the HTTP server needs; main builds it.
type Deps struct {
	Store   *storage.Store
	Course  Course
	Signer  *token.Signer
	Links   *token.Links
	Mailbox Mailbox // nil unless mail is captured to the outbox
	Redis   Pinger

	Bookings Bookings
	// BookingURL is an external scheduler that booking links send visitors
	// to; empty means dripbook books calls itself.
	BookingURL string
	// Scheduler is how the personal link hands a subscriber to BOOKING_URL
	// and how /hooks/calcom and /hooks/calendly verify what comes back.
	Scheduler Scheduler
	// IsLesson reports whether a slug names a lesson of the course; only
	// those are recorded as the source of a booking.
	IsLesson func(slug string) bool
	// Coach organizes every call, as the calendar file names them.
	Coach calendar.Person
	// CoachPhotoURL is the coach's photo on the booking page; empty for none.
	CoachPhotoURL string
	// Place is where calls happen, shown on the booking pages and in the
	// calendar file.
	Place booking.Place

	BaseURL        string // absolute, no trailing slash
	CourseTitle    string
	CoachName      string
	CompanyAddress string
	// Pages is the copy of the pages visitors read, from the course folder.
	Pages Pages

	// TrustedProxies are the only peers whose X-Forwarded-For is believed
	// for the client's IP: the one a consent came from, and the one limits
	// count by.
	TrustedProxies []*net.IPNet
	// AdminPassword signs the coach in to the console at /admin; empty
	// means there is no console.
	AdminPassword string
	// WebhooksOn says WEBHOOK_URL is set: the console's webhooks page
	// says so when it is not.
	WebhooksOn bool
	// Lessons are the course's lesson slugs in sending order, for the
	// funnel.
	Lessons []string
	// Sending tells the console that sending is paused; nil when mail is
	// captured.
	Sending Sending
	// Tasks is the queue the console watches; may be nil.
	Tasks Tasks
	// Bounces restores bounced addresses; nil restores them in the Store
	// alone.
	Bounces Bounces
	// NoShows starts a missed call's follow-up when the coach marks it;
	// nil leaves it to the reconciler's round.
	NoShows NoShows

	// Limits cap signups and bookings; the zero Limits is no limit.
	Limits Limits
	Data   DataDeps // the console's exports and queue UI, and /metrics
	Log    *slog.Logger
	Now    func() time.Time
}

// server holds the handlers' dependencies.
type server struct {
	Deps
	views   *views
	limiter *limiter
}

// New returns the Echo instance serving dripbook's pages and API.
func New(d Deps) *echo.Echo {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Now == nil {
		d.Now = func() time.Time { return time.Now().UTC() }
	}
	s := &server{Deps: d, views: mustParseViews(d), limiter: newLimiter(d.Limits, d.Log)}

	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.IPExtractor = ipExtractor(d.TrustedProxies)
	e.HTTPErrorHandler = s.handleError

	e.Pre(headAsGet())
	e.Use(headRestore())
	e.Use(middleware.RequestID())
	e.Use(s.httpMetrics()) // outside the logger, which writes the error response: the status is final
	e.Use(s.requestLogger())
	e.Use(recoverer())
	e.Use(secureHeaders(pagePolicy(append([]string{d.CoachPhotoURL, d.Pages.Landing.Photo}, d.Pages.Images...)...)))

	formLimit := middleware.BodyLimit("64K")
	static := echo.StaticDirectoryHandler(staticFiles(), false)
	bookingLimit := s.perClient("book:ip", d.Limits.BookingPerIP)
	hookLimit := middleware.BodyLimit("1M")

	e.GET("/", s.landing)
	e.POST("/subscribe", s.subscribeForm, formLimit)
	e.POST("/api/v1/subscriptions", s.subscribeJSON)
	e.GET("/confirm/:token", s.confirmPage)
	e.POST("/confirm/:token", s.confirm, formLimit)
	e.GET("/unsubscribe/:token", s.unsubscribePage)
	e.POST("/unsubscribe/:token", s.unsubscribe, formLimit)
	e.GET("/book/:token", s.bookPage)
	e.GET("/scorecard/:token", s.scorecardPage)
	e.POST("/scorecard/:token", s.scorecardForm, formLimit)
	e.GET("/booking/:token", s.managePage)
	e.GET("/booking/:token/invite.ics", s.invite)
	e.GET("/booking/:token/cancel", s.cancelPage)
	e.POST("/booking/:token/cancel", s.cancelForm, formLimit)
	e.GET("/booking/:token/reschedule", s.reschedulePage)
	e.POST("/booking/:token/reschedule", s.rescheduleForm, formLimit)
	e.POST("/api/v1/bookings/:id/cancel", s.cancelJSON)
	e.POST("/api/v1/bookings/:id/reschedule", s.rescheduleJSON)
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", s.metrics)
	e.GET("/static/accent.css", s.accentStyle, cacheFor(24*time.Hour))
	e.GET("/static/*", static, cacheFor(24*time.Hour))
	e.POST("/hooks/calcom", s.calcomHook, hookLimit)
	e.POST("/hooks/calendly", s.calendlyHook, hookLimit)
	if d.BookingURL == "" { // with an external scheduler, new calls are booked there
		e.POST("/book/:token", s.bookForm, formLimit, bookingLimit)
		e.GET("/api/v1/slots", s.slotsJSON)
		e.POST("/api/v1/bookings", s.bookJSON, bookingLimit)
	}
	if d.AdminPassword != "" {
		adm := e.Group("/admin", formLimit, s.csrf()) // the limit first: the CSRF check reads the body
		adm.GET("/login", s.loginPage)
		adm.POST("/login", s.login)
		in := adm.Group("", s.requireAdmin)
		in.POST("/logout", s.logout)
		in.GET("", s.dashboard)
		in.GET("/subscribers", s.subscribers)
		in.GET("/subscribers/:id", s.subscriber)
		in.POST("/subscribers/:id/export", s.export)
		in.POST("/subscribers/:id/:action", s.subscriberAction)
		in.GET("/bookings", s.bookingsList)
		in.POST("/bookings/:id/outcome", s.markOutcome)
		in.POST("/bookings/:id/place", s.setPlace)
		in.GET("/webhooks", s.webhooks)
		in.POST("/webhooks/:id/retry", s.retryWebhook)
		s.adminDataRoutes(in)
		if d.Data.Import != nil {
			// A list may be far larger than a form: its own body limit.
			// Its long window only once signed in: a stranger's slow POST
			// keeps the server's 30 seconds.
			imp := e.Group("/admin/import", middleware.BodyLimit(maxUpload), s.requireAdmin, longRequest(uploadWindow), s.csrf())
			imp.GET("", s.importForm)
			imp.POST("", s.importUpload)
		}
	}
	if d.Mailbox != nil {
		e.GET("/dev/mail", s.devMailList, secureHeaders(devMailCSP))
		e.GET("/dev/mail/:name", s.devMailShow, secureHeaders(devMailCSP))
	}
	return e
}

// NewHealth serves only /healthz, /readyz and /metrics: "dripbook worker"
// has no pages, but whoever runs it still needs to ask whether it is alive
// and ready, and what it sent.
func NewHealth(d Deps) *echo.Echo {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	s := &server{Deps: d}
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = s.handleJSONError
	e.Pre(headAsGet())
	e.Use(headRestore())
	e.Use(middleware.RequestID())
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", s.metrics) // a worker's sends are counted where they happen
	return e
}

// ipExtractor believes X-Forwarded-For only when the direct peer is one of
// the configured proxies; anyone else could write any address there.
func ipExtractor(trusted []*net.IPNet) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{
		echo.TrustLoopback(false),
		echo.TrustLinkLocal(false),
		echo.TrustPrivateNet(false),
	}
	for _, n := range trusted {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

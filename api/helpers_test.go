package api

import (
	"context"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/dripbook/dripbook/booking"
	"github.com/dripbook/dripbook/calendar"
	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/storage"
	"github.com/dripbook/dripbook/testenv"
	"github.com/dripbook/dripbook/token"

	_ "time/tzdata" // the zones under test must not depend on the host's tz database
)

// testNow is the fixed clock of every test server.
var testNow = time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)

// confirmation is one recorded RequestConfirmation call.
type confirmation struct {
	SubscriberID int64
	Round        int
}

// fakeCourse records what the api asks of the course. Confirm goes through
// to the store so pages can be checked against real state; the worker's own
// tests cover enrollment.
type fakeCourse struct {
	store *storage.Store

	mu            sync.Mutex
	confirmations []confirmation
	confirmed     []int64
	requestErr    error
	confirmErr    error
}

func (f *fakeCourse) RequestConfirmation(_ context.Context, subscriberID int64, round int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.confirmations = append(f.confirmations, confirmation{subscriberID, round})
	return f.requestErr
}

func (f *fakeCourse) Confirm(ctx context.Context, subscriberID int64) error {
	f.mu.Lock()
	f.confirmed = append(f.confirmed, subscriberID)
	err := f.confirmErr
	f.mu.Unlock()
	if err != nil {
		return err
	}
	_, err = f.store.Confirm(ctx, subscriberID)
	return err
}

func (f *fakeCourse) Confirmations() []confirmation {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]confirmation(nil), f.confirmations...)
}

func (f *fakeCourse) Confirmed() []int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]int64(nil), f.confirmed...)
}

// pingFunc adapts a function to Pinger, the way main adapts a Redis client.
type pingFunc func(context.Context) error

func (f pingFunc) Ping(ctx context.Context) error { return f(ctx) }

// testEnv is a server over a real database and a real booking service.
type testEnv struct {
	e         *echo.Echo
	store     *storage.Store
	course    *fakeCourse
	signer    *token.Signer
	links     *token.Links
	bookings  *booking.Service
	notifier  *fakeNotifier
	replanner *fakeReplanner
}

// newTestEnv builds the server over SQLite; change adjusts its Deps first.
func newTestEnv(tb testing.TB, change func(*Deps)) *testEnv {
	tb.Helper()
	return newTestEnvOn(tb, testenv.SQLite(tb), change)
}

// newBookingEnv builds the server over testenv's store: SQLite, or
// PostgreSQL when TEST_DATABASE_URL is set, where booking races are decided.
func newBookingEnv(tb testing.TB, change func(*Deps)) *testEnv {
	tb.Helper()
	return newTestEnvOn(tb, testenv.Store(tb), change)
}

// newTestEnvOn builds the server over store.
func newTestEnvOn(tb testing.TB, store *storage.Store, change func(*Deps)) *testEnv {
	tb.Helper()
	store.SetClock(func() time.Time { return testNow })
	signer := token.NewSigner([]byte("test-secret-key-0123456789"))
	now := func() time.Time { return testNow }
	course := &fakeCourse{store: store}
	links := token.NewLinks("http://dripbook.test", signer, now)
	notifier, replanner := &fakeNotifier{announce: store.MarkBookingNotified}, &fakeReplanner{}
	bookings := booking.NewService(booking.Deps{Store: storage.BookingStore{Store: store}, Rules: testRules(tb), Questions: testPages().Questions, Notifier: notifier, Replanner: replanner, Now: now})
	d := Deps{
		Store:          store,
		Course:         course,
		Signer:         signer,
		Links:          links,
		Bookings:       bookings,
		IsLesson:       func(slug string) bool { return testLessons[slug] },
		Coach:          calendar.Person{Name: "Dana Coach", Email: "dana@example.com"},
		Redis:          pingFunc(func(context.Context) error { return nil }),
		BaseURL:        "http://dripbook.test",
		CourseTitle:    "The Product Leader Canyon",
		CoachName:      "Dana Coach",
		CompanyAddress: "1 Example Street, Springfield",
		Pages:          testPages(),
		Log:            slog.New(slog.NewTextHandler(tb.Output(), nil)),
		Now:            now,
	}
	if change != nil {
		change(&d)
	}
	return &testEnv{
		e: New(d), store: store, course: course, signer: signer, links: d.Links,
		bookings: bookings, notifier: notifier, replanner: replanner,
	}
}

// do serves one request and returns the recorded response.
func (env *testEnv) do(req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	env.e.ServeHTTP(rec, req)
	return rec
}

// get serves a GET of path.
func (env *testEnv) get(path string) *httptest.ResponseRecorder {
	return env.do(httptest.NewRequest(http.MethodGet, path, nil))
}

// postJSON serves a JSON signup.
func (env *testEnv) postJSON(body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/api/v1/subscriptions", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return env.do(req)
}

// postForm serves a urlencoded form POST.
func (env *testEnv) postForm(path, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return env.do(req)
}

// mustSubscriber loads a subscriber by address.
func (env *testEnv) mustSubscriber(tb testing.TB, email string) models.Subscriber {
	tb.Helper()
	sub, err := env.store.SubscriberByEmail(context.Background(), email)
	if err != nil {
		tb.Fatalf("subscriber %s: %v", email, err)
	}
	return sub
}

func mustCIDR(tb testing.TB, s string) *net.IPNet {
	tb.Helper()
	_, n, err := net.ParseCIDR(s)
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

// testPages is the built-in course's copy, as main renders it.
func testPages() Pages {
	return Pages{
		Accent: "#0b5394",
		Landing: Landing{
			Audience: "A free email course for senior product managers", Headline: "The Product Leader Canyon",
			Lead: "You already run products well.", Learn: "<h2>What you'll learn</h2>\n<ol><li>Identify your gaps</li><li>Close them</li><li>Position yourself for promotion</li></ol>\n" +
				"<p>The course ends with a free discovery call with Dana Coach.</p>",
			FormHeading: "Start the free course", Button: "Send me the first lesson",
			Consent: "We'll email you the lessons; unsubscribe in one click any time.", ConsentVersion: testConsentVersion,
		},
		BookingHeading: "Book your discovery call", BookingButton: "Confirm booking",
		BookingIntro: "A free 30-minute call with Dana Coach to map out your next step.",
		Questions: []booking.Question{
			{ID: "role", Label: "Your current role", Type: booking.QuestionTextarea},
			{ID: "gap", Label: "The gap you most want to close", Type: booking.QuestionTextarea},
			{ID: "notes", Label: "Anything else?", Type: booking.QuestionTextarea},
		},
		CheckInbox: func(email string) (ShortPage, error) {
			return ShortPage{Heading: "Check your inbox",
				Text: template.HTML("<p>We've sent a confirmation link to <strong>" + template.HTMLEscapeString(email) + "</strong>.</p>")}, nil
		},
		Confirmed: ShortPage{Heading: "You're in: your first lesson is on its way", Text: "<p>Look out for it.</p>"},
	}
}

// testConsentVersion is what testPages records consents under.
const testConsentVersion = "2026-11-landing-v1"

package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/booking"
	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/token"
)

// testLessons are the lesson slugs the test server knows.
var testLessons = map[string]bool{"identify-your-gaps": true, "book-your-discovery-call": true}

// Slots the test rules offer at testNow (Monday 2 November 2026, 11:00 in
// Berlin): the first is at 12:00 Berlin, an hour's notice later.
var (
	firstSlot  = time.Date(2026, 11, 2, 11, 0, 0, 0, time.UTC)
	secondSlot = firstSlot.Add(30 * time.Minute)
)

// nthSlot is a different free slot for every n below 14*10: a day apart
// across the horizon, then half an hour later.
func nthSlot(n int) time.Time {
	return firstSlot.AddDate(0, 0, n%14).Add(time.Duration(n/14) * 30 * time.Minute)
}

// testRules are the coach's hours in the tests: every day 09:00–17:00 in
// Berlin, 30-minute calls, an hour's notice, two weeks ahead.
func testRules(tb testing.TB) booking.Rules {
	tb.Helper()
	week, err := booking.ParseHours("Mon-Sun 09:00-17:00")
	require.NoError(tb, err)
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(tb, err)
	r := booking.Rules{Week: week, Location: berlin, Call: 30 * time.Minute, Notice: time.Hour, Horizon: 14}
	require.NoError(tb, r.Validate())
	return r
}

// notice is one recorded BookingChanged call.
type notice struct {
	BookingID int64
	Event     booking.Event
}

// fakeNotifier records what the booking service announces.
type fakeNotifier struct {
	mu      sync.Mutex
	notices []notice
	// announce, when set, records each version as announced, as a worker
	// that sent its emails at once would.
	announce func(ctx context.Context, id int64, sequence int) error
}

func (f *fakeNotifier) BookingChanged(ctx context.Context, b models.Booking, event booking.Event) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.notices = append(f.notices, notice{b.ID, event})
	if f.announce != nil {
		return f.announce(ctx, b.ID, b.Sequence)
	}
	return nil
}

func (f *fakeNotifier) Notices() []notice {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]notice(nil), f.notices...)
}

// fakeReplanner records which subscribers' courses were re-planned.
type fakeReplanner struct {
	mu  sync.Mutex
	ids []int64
}

func (f *fakeReplanner) Replan(_ context.Context, subscriberID int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ids = append(f.ids, subscriberID)
	return nil
}

// bookToken is a subscriber's personal booking link's token.
func (env *testEnv) bookToken(subID int64) string {
	return env.signer.Sign(token.Book, subID, testNow)
}

// paths are a booking's single-purpose links, as the pages sign them.
func (env *testEnv) paths(bookingID int64) token.Paths {
	return token.BookingPaths(env.signer, bookingID, testNow)
}

// manageToken is a booking's manage link's token.
func (env *testEnv) manageToken(bookingID int64) string {
	return env.signer.Sign(token.Manage, bookingID, testNow)
}

// postAPI serves a JSON POST, with an Idempotency-Key when key is set.
func (env *testEnv) postAPI(path, body, key string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	return env.do(req)
}

// bookBody is a POST /api/v1/bookings body.
func bookBody(tok string, start time.Time) string {
	b, _ := json.Marshal(map[string]any{
		"token": tok, "start": start.Format(time.RFC3339),
		"answers": map[string]string{"role": "Senior PM", "gap": "Strategy", "notes": ""},
	})
	return string(b)
}

// mustBook books start for a subscriber through the service.
func (env *testEnv) mustBook(tb testing.TB, subID int64, start time.Time) models.Booking {
	tb.Helper()
	b, created, err := env.bookings.Book(context.Background(), booking.Request{SubscriberID: subID, Start: start, Timezone: "Europe/Berlin"})
	require.NoError(tb, err)
	require.True(tb, created)
	return b
}

// pastCall stores a confirmed call of subID that started ago before
// testNow, as if announced: nothing but its start stands in a change's way.
func (env *testEnv) pastCall(tb testing.TB, subID int64, ago time.Duration, uid string) models.Booking {
	tb.Helper()
	start := testNow.Add(-ago)
	b, _, err := env.store.CreateBooking(context.Background(), models.Booking{
		SubscriberID: subID, Start: start, End: start.Add(30 * time.Minute), UID: uid,
	})
	require.NoError(tb, err)
	require.NoError(tb, env.store.MarkBookingNotified(context.Background(), b.ID, b.Sequence))
	return b
}

// mustBooking loads a booking.
func (env *testEnv) mustBooking(tb testing.TB, id int64) models.Booking {
	tb.Helper()
	b, err := env.store.Booking(context.Background(), id)
	require.NoError(tb, err)
	return b
}

// bookedStarts lists every confirmed booking's start.
func (env *testEnv) bookedStarts(tb testing.TB) []time.Time {
	tb.Helper()
	starts, err := env.store.BookedStarts(context.Background(), testNow.AddDate(-1, 0, 0), testNow.AddDate(1, 0, 0))
	require.NoError(tb, err)
	return starts
}

// apiErrorOf decodes a JSON error body.
func apiErrorOf(tb testing.TB, rec *httptest.ResponseRecorder) apiError {
	tb.Helper()
	var got struct {
		Error apiError `json:"error"`
	}
	require.NoError(tb, json.Unmarshal(rec.Body.Bytes(), &got), rec.Body.String())
	return got.Error
}

// bookingOf decodes a JSON booking answer.
func bookingOf(tb testing.TB, body []byte) bookingJSON {
	tb.Helper()
	var got struct {
		Booking bookingJSON `json:"booking"`
	}
	require.NoError(tb, json.Unmarshal(body, &got), string(body))
	return got.Booking
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// newGet is a GET request for path.
func newGet(path string) *http.Request { return httptest.NewRequest(http.MethodGet, path, nil) }

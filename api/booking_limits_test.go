package api

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/booking"
	"github.com/dripbook/dripbook/storage"
)

// withDailyChanges gives the server a booking service that allows n
// changes a day per subscriber and announces them to notifier.
func withDailyChanges(tb testing.TB, n int, notifier booking.Notifier, more ...func(*Deps)) func(*Deps) {
	tb.Helper()
	rules := testRules(tb)
	return func(d *Deps) {
		d.Bookings = booking.NewService(booking.Deps{
			Store: storage.BookingStore{Store: d.Store}, Rules: rules, Questions: d.Pages.Questions, DailyChanges: n, Notifier: notifier, Now: d.Now,
		})
		for _, f := range more {
			f(d)
		}
	}
}

func TestBookingLinkOpenedOverAndOverIsOneClick(t *testing.T) {
	t.Parallel()
	env := newBookingEnv(t, nil)
	sub := mustSubscriberIn(t, env, "ann@example.com", "Ann", "")
	link := "/book/" + env.bookToken(sub) + "?from=book-your-discovery-call"

	var wg sync.WaitGroup
	codes := make([]int, 200)
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < len(codes); i += 8 {
				codes[i] = env.get(link).Code
			}
		})
	}
	wg.Wait()
	for _, code := range codes {
		require.Equal(t, http.StatusOK, code)
	}
	clicks, err := env.store.Clicks(context.Background(), sub)
	require.NoError(t, err)
	require.Len(t, clicks, 1, "200 GETs within a minute are one click")
}

func TestBookCancelCyclesThroughTheAPIAreCutOff(t *testing.T) {
	t.Parallel()
	notifier := &fakeNotifier{}
	env := newBookingEnv(t, withDailyChanges(t, 5, notifier, withLimits(t, defaultLimits)))
	sub := mustSubscriberIn(t, env, "ann@example.com", "Ann", "")
	tok := env.bookToken(sub)

	var refused *httptest.ResponseRecorder
	for i := range 50 {
		rec := env.postAPI("/api/v1/bookings", bookBody(tok, firstSlot), fmt.Sprintf("cycle-%d", i))
		if rec.Code != http.StatusCreated {
			refused = rec
			break
		}
		b := bookingOf(t, rec.Body.Bytes())
		cancel := env.postAPI("/api/v1/bookings/"+itoa(b.ID)+"/cancel", `{"token":"`+env.manageToken(b.ID)+`"}`, "")
		require.Equal(t, http.StatusOK, cancel.Code, "cancelling is never refused: %s", cancel.Body.String())
	}
	require.NotNil(t, refused, "the cycles were never cut off")
	requireRetryAfter(t, refused)
	require.Equal(t, "too_many_changes", apiErrorOf(t, refused).Code)
	require.Len(t, notifier.Notices(), 6, "three bookings and three cancellations reach the inboxes, then nothing")
}

func TestBookingFormOverTheDailyLimitGetsAFriendlyPage(t *testing.T) {
	t.Parallel()
	notifier := &fakeNotifier{}
	env := newBookingEnv(t, withDailyChanges(t, 1, notifier))
	sub := mustSubscriberIn(t, env, "ann@example.com", "Ann", "")
	tok := env.bookToken(sub)
	rec := env.postForm("/book/"+tok, bookForm(firstSlot.Format(time.RFC3339), "k1").Encode())
	require.Equal(t, http.StatusSeeOther, rec.Code, rec.Body.String())
	b, err := env.store.ActiveBooking(context.Background(), sub)
	require.NoError(t, err)
	rec = env.postForm(env.paths(b.ID).Cancel, "")
	require.Equal(t, http.StatusOK, rec.Code, "cancelling over the limit still works")

	rec = env.postForm("/book/"+tok, bookForm(secondSlot.Format(time.RFC3339), "k2").Encode())
	requireRetryAfter(t, rec)
	require.Contains(t, rec.Header().Get("Content-Type"), "text/html")
	require.Contains(t, rec.Body.String(), "changed your call several times")
	require.Len(t, notifier.Notices(), 2)
}

func TestBookingRequestsPerIPAreLimited(t *testing.T) {
	t.Parallel()
	env := newBookingEnv(t, withLimits(t, Limits{BookingPerIP: Rate{N: 3, Per: time.Hour}}))
	post := func(remote string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/bookings", strings.NewReader(`{"token":"forged"}`))
		req.Header.Set("Content-Type", "application/json")
		req.RemoteAddr = remote
		return env.do(req)
	}
	for range 3 {
		require.Equal(t, http.StatusBadRequest, post("198.51.100.20:1").Code)
	}
	requireRetryAfter(t, post("198.51.100.20:1"))
	require.Equal(t, http.StatusBadRequest, post("198.51.100.21:1").Code, "another client is not held back")
}

package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/booking"
	"github.com/dripbook/dripbook/testenv"
	"github.com/dripbook/dripbook/token"
)

func TestBookJSONConcurrentRequestsBookOnce(t *testing.T) {
	t.Parallel()
	const n = 20
	tests := []struct {
		name        string
		subscribers int // requests are spread over this many subscribers
		slots       int // and over this many slots
		loserCode   string
	}{
		{"one slot, twenty subscribers", n, 1, "slot_taken"},
		{"one subscriber, twenty slots", 1, n, "already_booked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			t.Logf("database: postgres=%v", testenv.Postgres())
			env := newBookingEnv(t, nil)
			srv := httptest.NewServer(env.e)
			defer srv.Close()
			subs := make([]int64, tt.subscribers)
			for i := range subs {
				subs[i] = mustActiveSubscriber(t, env, "racer"+string(rune('a'+i))+"@example.com")
			}

			codes, bodies := make([]int, n), make([][]byte, n)
			var wg sync.WaitGroup
			for i := range n {
				body := bookBody(env.bookToken(subs[i%len(subs)]), nthSlot(i%tt.slots))
				wg.Go(func() {
					resp, err := http.Post(srv.URL+"/api/v1/bookings", "application/json", strings.NewReader(body))
					if err != nil {
						t.Error(err)
						return
					}
					defer func() { _ = resp.Body.Close() }()
					codes[i] = resp.StatusCode
					bodies[i], _ = io.ReadAll(resp.Body)
				})
			}
			wg.Wait()

			won := 0
			for i, code := range codes {
				switch code {
				case http.StatusCreated:
					won++
				case http.StatusConflict:
					var got struct{ Error apiError }
					require.NoError(t, json.Unmarshal(bodies[i], &got), string(bodies[i]))
					require.Equal(t, tt.loserCode, got.Error.Code, string(bodies[i]))
				default:
					t.Fatalf("request %d: %d %s", i, code, bodies[i])
				}
			}
			require.Equal(t, 1, won, "codes: %v", codes)
			require.Len(t, env.bookedStarts(t), 1)
			notices := env.notifier.Notices()
			require.Len(t, notices, 1)
			require.Equal(t, booking.EventBooked, notices[0].Event)
		})
	}
}

func TestBookJSON(t *testing.T) {
	t.Parallel()
	env := newBookingEnv(t, nil)
	sub := mustActiveSubscriber(t, env, "ann@example.com")

	rec := env.postAPI("/api/v1/bookings", bookBody(env.bookToken(sub), firstSlot), "")
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	got := bookingOf(t, rec.Body.Bytes())
	require.Equal(t, "2026-11-02T11:00:00Z", got.Start)
	require.Equal(t, "2026-11-02T11:30:00Z", got.End)
	require.Equal(t, "confirmed", got.Status)
	require.Equal(t, env.links.Manage(got.ID), got.ManageURL)

	b := env.mustBooking(t, got.ID)
	require.Equal(t, sub, b.SubscriberID)
	require.JSONEq(t, `{"role":"Senior PM","gap":"Strategy"}`, b.Answers, "stored by question id, blank answers left out")
}

func TestBookJSONIdempotencyKey(t *testing.T) {
	t.Parallel()
	env := newBookingEnv(t, nil)
	ann := mustActiveSubscriber(t, env, "ann@example.com")
	bob := mustActiveSubscriber(t, env, "bob@example.com")

	first := env.postAPI("/api/v1/bookings", bookBody(env.bookToken(ann), firstSlot), "key-1")
	require.Equal(t, http.StatusCreated, first.Code, first.Body.String())
	replay := env.postAPI("/api/v1/bookings", bookBody(env.bookToken(ann), firstSlot), "key-1")
	require.Equal(t, http.StatusCreated, replay.Code, replay.Body.String())
	require.Equal(t, bookingOf(t, first.Body.Bytes()).ID, bookingOf(t, replay.Body.Bytes()).ID)
	require.Len(t, env.notifier.Notices(), 1)

	// Without the key, a second booking is a second booking, and one is all
	// a subscriber may have.
	again := env.postAPI("/api/v1/bookings", bookBody(env.bookToken(ann), secondSlot), "")
	require.Equal(t, http.StatusConflict, again.Code)
	e := apiErrorOf(t, again)
	require.Equal(t, "already_booked", e.Code)
	require.Contains(t, e.Message, "reschedule")
	// Asking for the very slot their own call holds is the same answer,
	// not "that is not a slot".
	same := env.postAPI("/api/v1/bookings", bookBody(env.bookToken(ann), firstSlot), "")
	require.Equal(t, http.StatusConflict, same.Code, same.Body.String())
	require.Equal(t, "already_booked", apiErrorOf(t, same).Code)

	// Keys belong to the subscriber who sent them: the same key from
	// someone else books for them, and never returns Ann's booking.
	other := env.postAPI("/api/v1/bookings", bookBody(env.bookToken(bob), secondSlot), "key-1")
	require.Equal(t, http.StatusCreated, other.Code, other.Body.String())
	require.NotEqual(t, bookingOf(t, first.Body.Bytes()).ID, bookingOf(t, other.Body.Bytes()).ID)
	require.Equal(t, bob, env.mustBooking(t, bookingOf(t, other.Body.Bytes()).ID).SubscriberID)
	require.Len(t, env.notifier.Notices(), 2)
}

// A key as long as the API allows still fits the database with its scope
// (PostgreSQL enforces the column's width), and still finds its booking.
func TestBookJSONTakesTheLongestKey(t *testing.T) {
	t.Parallel()
	env := newBookingEnv(t, nil)
	ann := mustActiveSubscriber(t, env, "ann@example.com")
	long := strings.Repeat("k", maxIdempotencyKey-1) + "é" // characters, not bytes, as openapi.yaml counts them
	first := env.postAPI("/api/v1/bookings", bookBody(env.bookToken(ann), firstSlot), long)
	require.Equal(t, http.StatusCreated, first.Code, first.Body.String())
	replay := env.postAPI("/api/v1/bookings", bookBody(env.bookToken(ann), firstSlot), long)
	require.Equal(t, http.StatusCreated, replay.Code, replay.Body.String())
	require.Equal(t, bookingOf(t, first.Body.Bytes()).ID, bookingOf(t, replay.Body.Bytes()).ID)
	other := env.postAPI("/api/v1/bookings", bookBody(env.bookToken(ann), secondSlot), long[1:]+"j")
	require.Equal(t, http.StatusConflict, other.Code, "another long key is another request")
	require.Len(t, env.notifier.Notices(), 1)
}

func TestBookJSONRejectsBadInput(t *testing.T) {
	t.Parallel()
	forged := token.NewSigner([]byte("another-secret-key"))
	tests := []struct {
		name   string
		body   func(env *testEnv, sub int64) string
		key    string
		status int
		field  string
		code   string
	}{
		{"forged token", func(_ *testEnv, sub int64) string {
			return bookBody(forged.Sign(token.Book, sub, testNow), firstSlot)
		}, "", http.StatusBadRequest, "token", ""},
		{"manage token", func(env *testEnv, sub int64) string {
			return bookBody(env.signer.Sign(token.Manage, sub, testNow), firstSlot)
		}, "", http.StatusBadRequest, "token", ""},
		{"no token", func(*testEnv, int64) string {
			return `{"start":"2026-11-02T11:00:00Z"}`
		}, "", http.StatusBadRequest, "token", ""},
		{"expired token", func(env *testEnv, sub int64) string {
			return bookBody(env.signer.Sign(token.Book, sub, testNow.Add(-token.BookMaxAge-time.Hour)), firstSlot)
		}, "", http.StatusGone, "token", "link_expired"},
		{"start off the grid", func(env *testEnv, sub int64) string {
			return bookBody(env.bookToken(sub), firstSlot.Add(time.Minute))
		}, "", http.StatusUnprocessableEntity, "start", "not_a_slot"},
		{"start outside the hours", func(env *testEnv, sub int64) string {
			return bookBody(env.bookToken(sub), time.Date(2026, 11, 3, 3, 0, 0, 0, time.UTC))
		}, "", http.StatusUnprocessableEntity, "start", "not_a_slot"},
		{"start in the past", func(env *testEnv, sub int64) string {
			return bookBody(env.bookToken(sub), testNow.Add(-time.Hour))
		}, "", http.StatusUnprocessableEntity, "start", "not_a_slot"},
		{"start not RFC 3339", func(env *testEnv, sub int64) string {
			return `{"token":"` + env.bookToken(sub) + `","start":"2 November, noon"}`
		}, "", http.StatusBadRequest, "start", ""},
		{"missing start", func(env *testEnv, sub int64) string {
			return `{"token":"` + env.bookToken(sub) + `"}`
		}, "", http.StatusBadRequest, "start", ""},
		{"malformed JSON", func(*testEnv, int64) string {
			return `{"token":`
		}, "", http.StatusBadRequest, "body", ""},
		{"unknown field", func(env *testEnv, sub int64) string {
			return `{"token":"` + env.bookToken(sub) + `","start":"2026-11-02T11:00:00Z","price":0}`
		}, "", http.StatusBadRequest, "body", ""},
		{"unknown answer", func(env *testEnv, sub int64) string {
			return `{"token":"` + env.bookToken(sub) + `","start":"2026-11-02T11:00:00Z","answers":{"age":40}}`
		}, "", http.StatusBadRequest, "body", ""},
		{"over 16 KiB", func(env *testEnv, sub int64) string {
			return `{"token":"` + env.bookToken(sub) + `","start":"2026-11-02T11:00:00Z","answers":{"notes":"` + strings.Repeat("x", 17<<10) + `"}}`
		}, "", http.StatusBadRequest, "body", ""},
		{"answer too long", func(env *testEnv, sub int64) string {
			return `{"token":"` + env.bookToken(sub) + `","start":"2026-11-02T11:00:00Z","answers":{"gap":"` + strings.Repeat("x", booking.AnswerLimit+1) + `"}}`
		}, "", http.StatusBadRequest, "answers.gap", ""},
		{"idempotency key too long", func(env *testEnv, sub int64) string {
			return bookBody(env.bookToken(sub), firstSlot)
		}, strings.Repeat("k", 201), http.StatusBadRequest, "idempotency_key", ""},
		{"idempotency key not UTF-8", func(env *testEnv, sub int64) string {
			return bookBody(env.bookToken(sub), firstSlot)
		}, "key-\xff\xfe", http.StatusBadRequest, "idempotency_key", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := newBookingEnv(t, nil)
			sub := mustActiveSubscriber(t, env, "ann@example.com")
			rec := env.postAPI("/api/v1/bookings", tt.body(env, sub), tt.key)
			require.Equal(t, tt.status, rec.Code, rec.Body.String())
			e := apiErrorOf(t, rec)
			require.Equal(t, tt.field, e.Field, rec.Body.String())
			require.Equal(t, tt.code, e.Code, rec.Body.String())
			require.NotEmpty(t, e.Message)
			require.Empty(t, env.bookedStarts(t), "nothing is booked")
			require.Empty(t, env.notifier.Notices(), "nobody is told")
		})
	}
}

func TestBookJSONForgedTokenAnswer(t *testing.T) {
	t.Parallel()
	env := newBookingEnv(t, nil)
	rec := env.postAPI("/api/v1/bookings", bookBody("1.abc.forged", firstSlot), "")
	require.Equal(t, http.StatusBadRequest, rec.Code)
	require.JSONEq(t, `{"error":{"field":"token","message":"invalid link"}}`, rec.Body.String())
}

func TestSlotsJSON(t *testing.T) {
	t.Parallel()
	env := newBookingEnv(t, nil)
	var got struct {
		Slots []struct {
			Start string `json:"start"`
			End   string `json:"end"`
		} `json:"slots"`
	}

	rec := env.get("/api/v1/slots")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got))
	// Today from 12:00 to 16:30 Berlin time, then thirteen whole days of 16
	// calls: the horizon is fourteen days.
	require.Len(t, got.Slots, 10+13*16)
	require.Equal(t, "2026-11-02T11:00:00Z", got.Slots[0].Start)
	require.Equal(t, "2026-11-02T11:30:00Z", got.Slots[0].End)
	require.Equal(t, "2026-11-15T15:30:00Z", got.Slots[len(got.Slots)-1].Start)
	for _, s := range got.Slots {
		require.True(t, strings.HasSuffix(s.Start, "Z") && strings.HasSuffix(s.End, "Z"), "UTC: %+v", s)
	}

	// A booked slot is not offered; a range in another zone means the same
	// instants.
	sub := mustActiveSubscriber(t, env, "ann@example.com")
	env.mustBook(t, sub, secondSlot)
	rec = env.get("/api/v1/slots?from=2026-11-02T12:00:00%2B01:00&to=2026-11-02T14:00:00Z")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.JSONEq(t, `{"slots":[
		{"start":"2026-11-02T11:00:00Z","end":"2026-11-02T11:30:00Z"},
		{"start":"2026-11-02T12:00:00Z","end":"2026-11-02T12:30:00Z"},
		{"start":"2026-11-02T12:30:00Z","end":"2026-11-02T13:00:00Z"},
		{"start":"2026-11-02T13:00:00Z","end":"2026-11-02T13:30:00Z"},
		{"start":"2026-11-02T13:30:00Z","end":"2026-11-02T14:00:00Z"}]}`, rec.Body.String())

	rec = env.get("/api/v1/slots?from=2027-01-01T00:00:00Z")
	require.Equal(t, http.StatusOK, rec.Code)
	require.JSONEq(t, `{"slots":[]}`, rec.Body.String(), "past the horizon there is nothing, as an empty list")
}

func TestSlotsJSONRejectsBadRange(t *testing.T) {
	t.Parallel()
	env := newBookingEnv(t, nil)
	for query, field := range map[string]string{
		"from=tomorrow": "from",
		"to=2026-11-05": "to",
		"from=2026-11-05T00:00:00Z&to=2026-11-04T00:00:00Z": "to",
		"from=2026-11-05T00:00:00Z&to=2026-11-05T00:00:00Z": "to",
		"from=2026-11-01T00:00:00Z&to=2027-01-03T00:00:00Z": "to",
	} {
		t.Run(query, func(t *testing.T) {
			t.Parallel()
			rec := env.get("/api/v1/slots?" + query)
			require.Equal(t, http.StatusBadRequest, rec.Code, rec.Body.String())
			require.Equal(t, field, apiErrorOf(t, rec).Field)
		})
	}
	require.Equal(t, http.StatusOK, env.get("/api/v1/slots?from=2026-11-01T00:00:00Z&to=2027-01-02T00:00:00Z").Code, "62 days exactly")
}

func TestCancelAndRescheduleJSON(t *testing.T) {
	t.Parallel()
	env := newBookingEnv(t, nil)
	ann := env.mustBook(t, mustActiveSubscriber(t, env, "ann@example.com"), firstSlot)
	bob := env.mustBook(t, mustActiveSubscriber(t, env, "bob@example.com"), secondSlot)
	path := func(b int64, action string) string { return "/api/v1/bookings/" + itoa(b) + "/" + action }

	// Ann's link cannot touch Bob's booking.
	rec := env.postAPI(path(bob.ID, "cancel"), `{"token":"`+env.manageToken(ann.ID)+`"}`, "")
	require.Equal(t, http.StatusForbidden, rec.Code, rec.Body.String())
	require.Equal(t, "token is for another booking", apiErrorOf(t, rec).Message)
	rec = env.postAPI(path(bob.ID, "reschedule"), `{"token":"`+env.manageToken(ann.ID)+`","start":"2026-11-03T09:00:00Z"}`, "")
	require.Equal(t, http.StatusForbidden, rec.Code, rec.Body.String())
	require.Equal(t, "confirmed", env.mustBooking(t, bob.ID).Status)
	require.True(t, env.mustBooking(t, bob.ID).Start.Equal(secondSlot))

	// A booking link is not a manage link.
	rec = env.postAPI(path(ann.ID, "cancel"), `{"token":"`+env.signer.Sign(token.Book, ann.ID, testNow)+`"}`, "")
	require.Equal(t, http.StatusBadRequest, rec.Code)
	require.Equal(t, "token", apiErrorOf(t, rec).Field)

	// Moving onto Bob's slot fails; moving to a free one works.
	rec = env.postAPI(path(ann.ID, "reschedule"), `{"token":"`+env.manageToken(ann.ID)+`","start":"`+secondSlot.Format(time.RFC3339)+`"}`, "")
	require.Equal(t, http.StatusConflict, rec.Code, rec.Body.String())
	require.Equal(t, "slot_taken", apiErrorOf(t, rec).Code)
	rec = env.postAPI(path(ann.ID, "reschedule"), `{"token":"`+env.manageToken(ann.ID)+`","start":"2026-11-03T09:00:00Z"}`, "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	moved := bookingOf(t, rec.Body.Bytes())
	require.Equal(t, ann.ID, moved.ID)
	require.Equal(t, "2026-11-03T09:00:00Z", moved.Start)
	require.Equal(t, "2026-11-03T09:30:00Z", moved.End)

	rec = env.postAPI(path(ann.ID, "cancel"), `{"token":"`+env.manageToken(ann.ID)+`"}`, "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, "cancelled", bookingOf(t, rec.Body.Bytes()).Status)
	rec = env.postAPI(path(ann.ID, "cancel"), `{"token":"`+env.manageToken(ann.ID)+`"}`, "")
	require.Equal(t, http.StatusConflict, rec.Code)
	require.Equal(t, "not_confirmed", apiErrorOf(t, rec).Code)

	require.Equal(t, http.StatusNotFound, env.postAPI("/api/v1/bookings/x/cancel", `{"token":"a.b.c"}`, "").Code)
	var events []booking.Event
	for _, n := range env.notifier.Notices() {
		events = append(events, n.Event)
	}
	require.Equal(t, []booking.Event{"booked", "booked", "rescheduled", "cancelled"}, events)
}

func TestBookJSONRecordsLessonAndZone(t *testing.T) {
	t.Parallel()
	env := newBookingEnv(t, nil)
	sub := mustSubscriberIn(t, env, "zed@example.com", "Zed", "")
	body := fmt.Sprintf(`{"token":%q,"start":%q,"from":"identify-your-gaps","timezone":"Asia/Tokyo"}`,
		env.bookToken(sub), firstSlot.Format(time.RFC3339))
	rec := env.postAPI("/api/v1/bookings", body, "")
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	b, err := env.bookings.ActiveFor(context.Background(), sub)
	require.NoError(t, err)
	require.Equal(t, "identify-your-gaps", b.SourceLesson, "the lesson that led to the booking")
	require.Equal(t, "Asia/Tokyo", b.Timezone)

	other := mustSubscriberIn(t, env, "yan@example.com", "Yan", "")
	body = fmt.Sprintf(`{"token":%q,"start":%q,"from":"not-a-lesson","timezone":"Mars/Base"}`,
		env.bookToken(other), secondSlot.Format(time.RFC3339))
	rec = env.postAPI("/api/v1/bookings", body, "")
	require.Equal(t, http.StatusBadRequest, rec.Code)
	require.Equal(t, "timezone", apiErrorOf(t, rec).Field)
}

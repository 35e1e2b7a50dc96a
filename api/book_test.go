package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/token"
)

// radio is how the page offers one slot: the start in UTC, the label in
// the visitor's zone.
func radio(start time.Time, label string) string {
	return `<input type="radio" name="start" value="` + start.UTC().Format(time.RFC3339) + `" required> ` + label + `</label>`
}

// mustSubscriberIn signs up and confirms an address with a stored zone.
func mustSubscriberIn(tb testing.TB, env *testEnv, email, name, tz string) int64 {
	tb.Helper()
	ctx := context.Background()
	res, err := env.store.Subscribe(ctx, models.Signup{Email: email, Name: name, Timezone: tz, TextVersion: testConsentVersion})
	require.NoError(tb, err)
	_, err = env.store.Confirm(ctx, res.SubscriberID)
	require.NoError(tb, err)
	return res.SubscriberID
}

func TestBookPage(t *testing.T) {
	t.Parallel()
	env := newBookingEnv(t, nil)
	sub := mustSubscriberIn(t, env, "ann@example.com", "Ann", "")
	tok := env.bookToken(sub)

	rec := env.get("/book/" + tok + "?from=book-your-discovery-call")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
	body := rec.Body.String()
	for _, want := range []string{
		`<h1>Book your discovery call</h1>`,
		`A free 30-minute call with Dana Coach`,
		`<strong>Ann</strong>, <strong>ann@example.com</strong>`,
		// No zone asked for or stored: the coach's.
		`Times are shown in <strong id="zone-label">Central European Time (Berlin)</strong>`,
		`<option value="Europe/Berlin" selected>Central European Time (Berlin)</option>`,
		`<option value="America/New_York">Eastern Time (New York)</option>`,
		`<form method="get" action="/book/` + tok + `" class="zone">`,
		`<input type="hidden" name="from" value="book-your-discovery-call">`,
		`tz !== "Europe/Berlin"`,
		`<form method="post" action="/book/` + tok + `" class="booking">`,
		`<legend>Monday 2 November</legend>`,
		radio(firstSlot, "12:00"),
		radio(time.Date(2026, 11, 15, 15, 30, 0, 0, time.UTC), "16:30"),
		`<label for="role">Your current role <span class="optional">(optional)</span></label>`,
		`<textarea name="role" id="role"`,
		`<label for="gap">The gap you most want to close <span class="optional">(optional)</span></label>`,
		`<label for="notes">Anything else?`,
		`<input type="hidden" name="tz" value="Europe/Berlin">`,
		`<button type="submit">Confirm booking</button>`,
	} {
		require.Contains(t, body, want)
	}
	require.NotContains(t, body, radio(testNow, "11:00"), "within the notice")
	require.Regexp(t, `<input type="hidden" name="idempotency_key" value="[0-9a-f]{32}">`, body)
	keyOf := regexp.MustCompile(`name="idempotency_key" value="([0-9a-f]+)"`)
	require.NotEqual(t, keyOf.FindStringSubmatch(body)[1], keyOf.FindStringSubmatch(env.get("/book/" + tok).Body.String())[1],
		"every rendering has a key of its own")
}

func TestBookPageTimeZone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, stored, query string
		zone, label         string
		autoZone            bool
	}{
		{"the coach's by default", "", "", "Central European Time (Berlin)", "12:00", true},
		{"the subscriber's stored zone", "Asia/Tokyo", "", "Japan Time (Tokyo)", "20:00", true},
		{"the zone in the URL first", "Asia/Tokyo", "America/New_York", "Eastern Time (New York)", "06:00", false},
		{"an unknown zone is ignored", "", "Mars/Olympus", "Central European Time (Berlin)", "12:00", false},
		{"the server's own zone is not one", "", "Local", "Central European Time (Berlin)", "12:00", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := newBookingEnv(t, nil)
			sub := mustSubscriberIn(t, env, "ann@example.com", "Ann", tt.stored)
			path := "/book/" + env.bookToken(sub)
			if tt.query != "" {
				path += "?tz=" + url.QueryEscape(tt.query)
			}
			rec := env.get(path)
			require.Equal(t, http.StatusOK, rec.Code)
			body := rec.Body.String()
			require.Contains(t, body, `Times are shown in <strong id="zone-label">`+tt.zone+`</strong>`)
			require.Contains(t, body, radio(firstSlot, tt.label))
			require.Equal(t, tt.autoZone, strings.Contains(body, "location.replace"),
				"the page follows the browser's zone only when the URL names none")
		})
	}
}

func TestBookPageGroupsByTheVisitorsDate(t *testing.T) {
	t.Parallel()
	env := newBookingEnv(t, nil)
	sub := mustSubscriberIn(t, env, "ann@example.com", "Ann", "")
	body := env.get("/book/" + env.bookToken(sub) + "?tz=Pacific/Auckland").Body.String()
	// 12:00 in Berlin is midnight in Auckland: the first slot is Tuesday's.
	require.Contains(t, body, `<legend>Tuesday 3 November</legend>`)
	require.Contains(t, body, radio(firstSlot, "00:00"))
	require.NotContains(t, body, `<legend>Monday 2 November</legend>`)
	require.Contains(t, body, `<option value="Pacific/Auckland" selected>`)
}

func TestBookPageRecordsClicks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, query string
		want        []string // lessons recorded
	}{
		{"from a lesson", "?from=book-your-discovery-call", []string{"book-your-discovery-call"}},
		{"without from", "", []string{""}},
		{"from no lesson", "?from=evil", nil},
		{"reloaded in another zone", "?from=book-your-discovery-call&tz=Asia/Tokyo", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := newBookingEnv(t, nil)
			sub := mustSubscriberIn(t, env, "ann@example.com", "Ann", "")
			require.Equal(t, http.StatusOK, env.get("/book/"+env.bookToken(sub)+tt.query).Code)
			clicks, err := env.store.Clicks(context.Background(), sub)
			require.NoError(t, err)
			var got []string
			for _, c := range clicks {
				got = append(got, c.Lesson)
			}
			require.Equal(t, tt.want, got)
		})
	}
}

func TestBookPageExternalScheduler(t *testing.T) {
	t.Parallel()
	const external = "https://cal.example.com/jordan/discovery?utm=x"
	env := newBookingEnv(t, func(d *Deps) { d.BookingURL = external })
	sub := mustSubscriberIn(t, env, "ann@example.com", "Ann", "")

	req := newGet("/book/" + env.bookToken(sub) + "?from=identify-your-gaps&next=https://evil.example")
	req.Host = "evil.example"
	rec := env.do(req)
	require.Equal(t, http.StatusFound, rec.Code)
	require.Equal(t, external, rec.Header().Get("Location"))
	clicks, err := env.store.Clicks(context.Background(), sub)
	require.NoError(t, err)
	require.Len(t, clicks, 1)
	require.Equal(t, "identify-your-gaps", clicks[0].Lesson)

	// A bad link goes nowhere.
	require.Equal(t, http.StatusBadRequest, env.get("/book/1.x.forged").Code)

	// New calls are booked at the external scheduler, never here.
	form := url.Values{"start": {firstSlot.Format(time.RFC3339)}}
	require.Equal(t, http.StatusMethodNotAllowed, env.postForm("/book/"+env.bookToken(sub), form.Encode()).Code)
	require.Equal(t, http.StatusNotFound, env.get("/api/v1/slots").Code)
	require.Empty(t, env.bookedStarts(t))
}

func TestBookPageShowsExistingBooking(t *testing.T) {
	t.Parallel()
	env := newBookingEnv(t, nil)
	sub := mustSubscriberIn(t, env, "ann@example.com", "Ann", "America/New_York")
	b := env.mustBook(t, sub, firstSlot)

	rec := env.get("/book/" + env.bookToken(sub))
	require.Equal(t, http.StatusOK, rec.Code)
	body := rec.Body.String()
	require.Contains(t, body, "You already have a call booked — reschedule or cancel it")
	require.Contains(t, body, "Monday 2 November 2026, 12:00–12:30 Central European Time (Berlin)", "in the zone it was booked in")
	paths := env.paths(b.ID)
	require.Contains(t, body, `<a href="`+paths.Reschedule+`">Reschedule</a>`)
	require.Contains(t, body, `<a href="`+paths.Cancel+`">Cancel</a>`)
	require.NotContains(t, body, `name="start"`)
	require.NotContains(t, body, "Confirm booking")
}

func TestBookPageBadLinks(t *testing.T) {
	t.Parallel()
	env := newBookingEnv(t, nil)
	sub := mustSubscriberIn(t, env, "ann@example.com", "Ann", "")
	for name, tc := range map[string]struct {
		tok    string
		status int
		text   string
	}{
		"forged":        {token.NewSigner([]byte("another-secret-key")).Sign(token.Book, sub, testNow), http.StatusBadRequest, "This link is not valid"},
		"wrong purpose": {env.signer.Sign(token.Unsubscribe, sub, testNow), http.StatusBadRequest, "This link is not valid"},
		"expired":       {env.signer.Sign(token.Book, sub, testNow.Add(-token.BookMaxAge-time.Minute)), http.StatusGone, "This link has expired"},
		"no subscriber": {env.bookToken(999), http.StatusNotFound, "Not found"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			rec := env.get("/book/" + tc.tok)
			require.Equal(t, tc.status, rec.Code)
			require.Contains(t, rec.Body.String(), tc.text)
			form := env.postForm("/book/"+tc.tok, url.Values{"start": {firstSlot.Format(time.RFC3339)}}.Encode())
			require.Equal(t, tc.status, form.Code)
		})
	}
	require.Empty(t, env.bookedStarts(t))
}

// bookForm is a filled-in booking form.
func bookForm(start string, key string) url.Values {
	return url.Values{
		"start": {start}, "role": {"Senior PM at Acme"}, "gap": {"Influence <without> authority"},
		"notes": {"Tuesdays are best"}, "from": {"book-your-discovery-call"}, "tz": {"America/New_York"},
		"idempotency_key": {key},
	}
}

func TestBookForm(t *testing.T) {
	t.Parallel()
	env := newBookingEnv(t, nil)
	sub := mustSubscriberIn(t, env, "ann@example.com", "Ann", "")
	tok := env.bookToken(sub)

	rec := env.postForm("/book/"+tok, bookForm(firstSlot.Format(time.RFC3339), "k1").Encode())
	require.Equal(t, http.StatusSeeOther, rec.Code, rec.Body.String())
	b, err := env.store.ActiveBooking(context.Background(), sub)
	require.NoError(t, err)
	require.Equal(t, env.links.Manage(b.ID)+"?booked=1", rec.Header().Get("Location"))
	require.True(t, b.Start.Equal(firstSlot))
	require.Equal(t, "book-your-discovery-call", b.SourceLesson)
	require.Equal(t, "America/New_York", b.Timezone)
	require.JSONEq(t, `{"role":"Senior PM at Acme","gap":"Influence <without> authority","notes":"Tuesdays are best"}`, b.Answers)

	// A double-click sends the same form twice: one booking, same page.
	again := env.postForm("/book/"+tok, bookForm(firstSlot.Format(time.RFC3339), "k1").Encode())
	require.Equal(t, http.StatusSeeOther, again.Code, again.Body.String())
	require.Equal(t, rec.Header().Get("Location"), again.Header().Get("Location"))
	require.Len(t, env.notifier.Notices(), 1)
	require.Equal(t, []int64{sub}, env.replanner.ids)

	page := env.get(strings.TrimPrefix(rec.Header().Get("Location"), "http://dripbook.test"))
	require.Equal(t, http.StatusOK, page.Code)
	body := page.Body.String()
	paths := env.paths(b.ID)
	require.Contains(t, body, "You're booked")
	require.Contains(t, body, `<a href="`+paths.Invite+`">Add to calendar</a>`)
	require.Contains(t, body, "Monday 2 November 2026, 06:00–06:30 Eastern Time (New York)")
	require.Contains(t, body, `<a href="`+paths.Reschedule+`">Reschedule</a>`)
	require.Contains(t, body, `<a href="`+paths.Cancel+`">Cancel</a>`)
}

func TestBookFormProblemsShowTheFormAgain(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		setup  func(env *testEnv, sub int64)
		form   url.Values
		status int
		want   []string
	}{
		{"slot just taken", func(env *testEnv, _ int64) {
			env.mustBook(t, mustActiveSubscriber(t, env, "bob@example.com"), firstSlot)
		}, bookForm(firstSlot.Format(time.RFC3339), "k"), http.StatusConflict,
			[]string{"Someone just took that time — please pick another."}},
		{"not a slot", nil, bookForm(firstSlot.Add(time.Minute).Format(time.RFC3339), "k"), http.StatusUnprocessableEntity,
			[]string{"That time is not available"}},
		{"in the past", nil, bookForm(testNow.Add(-time.Hour).Format(time.RFC3339), "k"), http.StatusUnprocessableEntity,
			[]string{"That time has already passed"}},
		{"no time chosen", nil, bookForm("", "k"), http.StatusBadRequest,
			[]string{"Choose a time for your call."}},
		{"unreadable time", nil, bookForm("noon", "k"), http.StatusBadRequest,
			[]string{"That time could not be read"}},
		{"answer too long", nil, func() url.Values {
			f := bookForm(firstSlot.Format(time.RFC3339), "k")
			f.Set("notes", strings.Repeat("x", 2001))
			return f
		}(), http.StatusBadRequest, []string{"Anything else: at most 2000 characters."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := newBookingEnv(t, nil)
			sub := mustSubscriberIn(t, env, "ann@example.com", "Ann", "")
			if tt.setup != nil {
				tt.setup(env, sub)
			}
			before := len(env.notifier.Notices())
			rec := env.postForm("/book/"+env.bookToken(sub), tt.form.Encode())
			require.Equal(t, tt.status, rec.Code, rec.Body.String())
			body := rec.Body.String()
			require.Contains(t, body, `<div class="alert" role="alert">`)
			for _, want := range tt.want {
				require.Contains(t, body, want)
			}
			// The answers, the lesson and the zone survive.
			require.Contains(t, body, `Influence &lt;without&gt; authority</textarea>`)
			require.Contains(t, body, `<input type="hidden" name="from" value="book-your-discovery-call">`)
			require.Contains(t, body, `<input type="hidden" name="tz" value="America/New_York">`)
			require.Contains(t, body, `<button type="submit">Confirm booking</button>`)
			require.NotContains(t, body, "location.replace", "a form sent back is never reloaded")
			require.Len(t, env.notifier.Notices(), before, "nothing booked")
			_, err := env.store.ActiveBooking(context.Background(), sub)
			require.ErrorIs(t, err, models.ErrNotFound)
		})
	}
}

func TestBookFormWhenAlreadyBooked(t *testing.T) {
	t.Parallel()
	env := newBookingEnv(t, nil)
	sub := mustSubscriberIn(t, env, "ann@example.com", "Ann", "")
	b := env.mustBook(t, sub, firstSlot)

	rec := env.postForm("/book/"+env.bookToken(sub), bookForm(secondSlot.Format(time.RFC3339), "k").Encode())
	require.Equal(t, http.StatusConflict, rec.Code)
	body := rec.Body.String()
	require.Contains(t, body, "You already have a call booked — you can reschedule or cancel it instead.")
	require.Contains(t, body, `<a href="`+env.paths(b.ID).Reschedule+`">Reschedule</a>`)
	require.Len(t, env.bookedStarts(t), 1)
}

// An erased subscriber's old booking links find nobody: no click, no
// booking, no brief, nothing written about them again.
func TestErasedSubscribersLinksBookNothing(t *testing.T) {
	t.Parallel()
	env := newBookingEnv(t, nil)
	sub := mustSubscriberIn(t, env, "gone@example.com", "Gil", "")
	tok := env.bookToken(sub)
	require.NoError(t, env.store.Erase(context.Background(), sub))

	require.Equal(t, http.StatusNotFound, env.get("/book/"+tok+"?from=welcome").Code)
	form := url.Values{"start": {firstSlot.Format(time.RFC3339)}, "tz": {"Europe/Berlin"}}
	require.Equal(t, http.StatusNotFound, env.postForm("/book/"+tok, form.Encode()).Code)
	rec := env.postAPI("/api/v1/bookings", `{"token":"`+tok+`","start":"`+firstSlot.Format(time.RFC3339)+`"}`, "")
	require.Equal(t, http.StatusNotFound, rec.Code, rec.Body.String())

	clicks, err := env.store.Clicks(context.Background(), sub)
	require.NoError(t, err)
	require.Empty(t, clicks)
	require.Empty(t, env.bookedStarts(t))
	require.Empty(t, env.notifier.Notices())
}

// A call that had started when its subscriber asked to be forgotten stays
// confirmed, but its old links move, cancel and show nothing: no change is
// recorded or announced about someone who is gone.
func TestErasedSubscribersStartedCallStaysPut(t *testing.T) {
	t.Parallel()
	env := newBookingEnv(t, nil)
	sub := mustActiveSubscriber(t, env, "gone@example.com")
	started := testNow.Add(-10 * time.Minute)
	b, _, err := env.store.CreateBooking(context.Background(), models.Booking{SubscriberID: sub, Start: started, End: started.Add(30 * time.Minute), UID: "started@test"})
	require.NoError(t, err)
	require.NoError(t, env.store.Erase(context.Background(), sub))
	kept, err := env.store.Booking(context.Background(), b.ID)
	require.NoError(t, err)
	require.Equal(t, models.BookingConfirmed, kept.Status, "erasure leaves a call that has started")

	p := env.paths(b.ID)
	move := url.Values{"start": {firstSlot.Format(time.RFC3339)}, "tz": {"Europe/Berlin"}}.Encode()
	for name, rec := range map[string]*httptest.ResponseRecorder{
		"manage page":     env.get(p.Manage),
		"cancel page":     env.get(p.Cancel),
		"reschedule page": env.get(p.Reschedule),
		"cancel":          env.postForm(p.Cancel, ""),
		"reschedule":      env.postForm(p.Reschedule, move),
		"cancel API":      env.postAPI("/api/v1/bookings/"+itoa(b.ID)+"/cancel", `{"token":"`+env.manageToken(b.ID)+`"}`, ""),
		"reschedule API": env.postAPI("/api/v1/bookings/"+itoa(b.ID)+"/reschedule",
			`{"token":"`+env.manageToken(b.ID)+`","start":"`+firstSlot.Format(time.RFC3339)+`"}`, ""),
	} {
		require.Equal(t, http.StatusNotFound, rec.Code, name)
	}
	after, err := env.store.Booking(context.Background(), b.ID)
	require.NoError(t, err)
	require.Equal(t, kept, after, "nothing changed")
	require.Empty(t, env.notifier.Notices())
}

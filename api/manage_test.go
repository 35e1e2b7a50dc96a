package api

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/booking"
	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/token"
)

func TestManagePage(t *testing.T) {
	t.Parallel()
	env := newBookingEnv(t, nil)
	b := env.mustBook(t, mustSubscriberIn(t, env, "ann@example.com", "Ann", ""), firstSlot)
	tok := env.manageToken(b.ID)

	rec := env.get("/booking/" + tok)
	require.Equal(t, http.StatusOK, rec.Code)
	body := rec.Body.String()
	require.Contains(t, body, "Monday 2 November 2026, 12:00–12:30 Central European Time (Berlin)")
	require.Contains(t, body, "Status: confirmed")
	require.NotContains(t, body, "You're booked", "the banner is for the redirect after booking")
	require.Contains(t, env.get("/booking/"+tok+"?moved=1").Body.String(), "Your call has moved")

	// Manage links never expire; other links are no manage links.
	old := env.signer.Sign(token.Manage, b.ID, testNow.AddDate(-2, 0, 0))
	require.Equal(t, http.StatusOK, env.get("/booking/"+old).Code)
	require.Equal(t, http.StatusBadRequest, env.get("/booking/"+env.signer.Sign(token.Book, b.ID, testNow)).Code)
	require.Equal(t, http.StatusNotFound, env.get("/booking/"+env.manageToken(999)).Code)
}

func TestInviteFile(t *testing.T) {
	t.Parallel()
	env := newBookingEnv(t, nil)
	b := env.mustBook(t, mustSubscriberIn(t, env, "ann@example.com", "Ann", ""), firstSlot)
	tok := env.manageToken(b.ID)

	rec := env.get("/booking/" + tok + "/invite.ics")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, "text/calendar; charset=utf-8", rec.Header().Get("Content-Type"))
	require.Equal(t, "attachment; filename=invite.ics", rec.Header().Get("Content-Disposition"))
	ics := strings.ReplaceAll(rec.Body.String(), "\r\n ", "") // unfold
	for _, want := range []string{
		"BEGIN:VCALENDAR", "METHOD:PUBLISH", "UID:" + b.UID, "DTSTART:20261102T110000Z", "DTEND:20261102T113000Z",
		"SUMMARY:Discovery call with Dana Coach", "dana@example.com",
	} {
		require.Contains(t, ics, want)
	}

	_, err := env.bookings.Cancel(t.Context(), b.ID)
	require.NoError(t, err)
	require.Equal(t, http.StatusConflict, env.get("/booking/"+tok+"/invite.ics").Code, "a cancelled call has no invite")
}

func TestCancel(t *testing.T) {
	t.Parallel()
	env := newBookingEnv(t, nil)
	sub := mustSubscriberIn(t, env, "ann@example.com", "Ann", "")
	b := env.mustBook(t, sub, firstSlot)
	tok := env.manageToken(b.ID)
	paths := env.paths(b.ID)

	// Mail scanners fetch links: looking cancels nothing.
	for _, path := range []string{paths.Manage, paths.Cancel, paths.Reschedule} {
		require.Equal(t, http.StatusOK, env.get(path).Code, path)
	}
	page := env.get(paths.Cancel).Body.String()
	require.Contains(t, page, "<h1>Cancel your call on Monday 2 November 2026, 12:00–12:30 Central European Time (Berlin)?</h1>")
	require.Contains(t, page, `<form method="post" action="`+paths.Cancel+`">`)

	// Each link does one thing: the manage and reschedule links cannot cancel.
	require.Equal(t, http.StatusBadRequest, env.postForm("/booking/"+tok+"/cancel", "").Code)
	require.Equal(t, http.StatusBadRequest, env.postForm(strings.TrimSuffix(paths.Reschedule, "/reschedule")+"/cancel", "").Code)
	require.Equal(t, models.BookingConfirmed, env.mustBooking(t, b.ID).Status)
	require.Equal(t, models.BookingConfirmed, env.mustBooking(t, b.ID).Status)
	require.Len(t, env.notifier.Notices(), 1)

	rec := env.postForm(paths.Cancel, "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Contains(t, rec.Body.String(), "<h1>Your call is canceled</h1>")
	require.Contains(t, rec.Body.String(), `<a href="`+env.links.Book(sub, "")+`">Book another time</a>`)
	require.Equal(t, models.BookingCancelled, env.mustBooking(t, b.ID).Status)
	require.Equal(t, []notice{{b.ID, booking.EventBooked}, {b.ID, booking.EventCancelled}}, env.notifier.Notices())

	// Again: the same answer, and nothing more happens.
	again := env.postForm(paths.Cancel, "")
	require.Equal(t, http.StatusOK, again.Code)
	require.Contains(t, again.Body.String(), "<h1>Your call is canceled</h1>")
	require.Len(t, env.notifier.Notices(), 2)
	require.Contains(t, env.get("/booking/"+tok).Body.String(), "Status: canceled")
	require.Contains(t, env.get(paths.Cancel).Body.String(), "<h1>Your call is canceled</h1>")

	// The slot is free again, and the subscriber may book anew.
	require.Empty(t, env.bookedStarts(t))
	require.Contains(t, env.get("/book/"+env.bookToken(sub)).Body.String(), radio(firstSlot, "12:00"))
}

func TestReschedule(t *testing.T) {
	t.Parallel()
	env := newBookingEnv(t, nil)
	sub := mustSubscriberIn(t, env, "ann@example.com", "Ann", "")
	b := env.mustBook(t, sub, firstSlot)
	env.mustBook(t, mustActiveSubscriber(t, env, "bob@example.com"), secondSlot)
	re := env.paths(b.ID).Reschedule
	later := time.Date(2026, 11, 4, 8, 0, 0, 0, time.UTC) // 09:00 in Berlin

	page := env.get(re + "?tz=America/New_York")
	require.Equal(t, http.StatusOK, page.Code)
	body := page.Body.String()
	require.Contains(t, body, "Monday 2 November 2026, 06:00–06:30 Eastern Time (New York)")
	require.Contains(t, body, `<form method="post" action="`+re+`" class="booking">`)
	require.Contains(t, body, `<form method="get" action="`+re+`" class="zone">`)
	require.Contains(t, body, radio(later, "03:00"))
	require.NotContains(t, body, `value="`+secondSlot.Format(time.RFC3339)+`"`, "taken")

	// Bob holds the slot: the page comes back with the news.
	rec := env.postForm(re, url.Values{"start": {secondSlot.Format(time.RFC3339)}, "tz": {"America/New_York"}}.Encode())
	require.Equal(t, http.StatusConflict, rec.Code)
	require.Contains(t, rec.Body.String(), "Someone just took that time — please pick another.")
	require.Contains(t, rec.Body.String(), radio(later, "03:00"))
	rec = env.postForm(re, url.Values{"start": {""}}.Encode())
	require.Equal(t, http.StatusBadRequest, rec.Code)
	require.Contains(t, rec.Body.String(), "Choose a time for your call.")
	require.True(t, env.mustBooking(t, b.ID).Start.Equal(firstSlot))

	rec = env.postForm(re, url.Values{"start": {later.Format(time.RFC3339)}}.Encode())
	require.Equal(t, http.StatusSeeOther, rec.Code, rec.Body.String())
	require.Equal(t, env.links.Manage(b.ID)+"?moved=1", rec.Header().Get("Location"))
	moved := env.mustBooking(t, b.ID)
	require.True(t, moved.Start.Equal(later))
	require.Equal(t, b.UID, moved.UID)
	require.Equal(t, booking.EventRescheduled, env.notifier.Notices()[2].Event)

	// A cancelled call cannot move.
	_, err := env.bookings.Cancel(t.Context(), b.ID)
	require.NoError(t, err)
	require.Contains(t, env.get(re).Body.String(), "<h1>Your call is canceled</h1>")
	rec = env.postForm(re, url.Values{"start": {nthSlot(5).Format(time.RFC3339)}}.Encode())
	require.Equal(t, http.StatusConflict, rec.Code)
	require.Contains(t, rec.Body.String(), "<h1>Your call is canceled</h1>")
}

// A call the coach marked attended took place: its links no longer move or
// cancel it (that would resume the sales lessons and undo the record), and
// its page says so. A missed call can still move: the no-show follow-up
// asks for that.
func TestAnAttendedCallStaysAsItWas(t *testing.T) {
	t.Parallel()
	env := newBookingEnv(t, nil)
	sub := mustSubscriberIn(t, env, "ann@example.com", "Ann", "")
	b := env.pastCall(t, sub, 2*time.Hour, "held@test")
	start := b.Start
	require.NoError(t, env.store.MarkOutcome(t.Context(), b.ID, models.OutcomeAttended))
	paths := env.paths(b.ID)

	page := env.get(paths.Manage).Body.String()
	require.Contains(t, page, "Status: took place")
	require.NotContains(t, page, paths.Reschedule)
	require.NotContains(t, page, paths.Cancel)

	rec := env.postForm(paths.Cancel, "")
	require.Equal(t, http.StatusConflict, rec.Code, rec.Body.String())
	require.Contains(t, rec.Body.String(), "This call has taken place")
	rec = env.postForm(paths.Reschedule, url.Values{"start": {firstSlot.Format(time.RFC3339)}}.Encode())
	require.Equal(t, http.StatusConflict, rec.Code, rec.Body.String())
	got := env.mustBooking(t, b.ID)
	require.Equal(t, models.BookingConfirmed, got.Status)
	require.Equal(t, models.OutcomeAttended, got.Outcome)
	require.True(t, got.Start.Equal(start))
	require.Empty(t, env.notifier.Notices())
	require.Empty(t, env.replanner.IDs(), "the sales lessons stay stopped")

	// Marked a no-show instead, it moves.
	require.NoError(t, env.store.MarkOutcome(t.Context(), b.ID, models.OutcomeNoShow))
	rec = env.postForm(paths.Reschedule, url.Values{"start": {firstSlot.Format(time.RFC3339)}}.Encode())
	require.Equal(t, http.StatusSeeOther, rec.Code, rec.Body.String())
	require.True(t, env.mustBooking(t, b.ID).Start.Equal(firstSlot))
}

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
)

const defaultMeeting = "https://meet.example.test/dana"

// placeEnv is a console with MEETING_URL set, one call booked here and the
// coach signed in.
func placeEnv(t *testing.T) (*testEnv, models.Booking, *adminClient) {
	t.Helper()
	env := newAdminEnv(t, func(d *Deps) { d.Place = booking.Place{URL: defaultMeeting} })
	sub := mustSubscriberIn(t, env, "ann@example.com", "Ann", "")
	b := env.mustBook(t, sub, nthSlot(0))
	return env, b, signIn(t, env)
}

// The coach sets where one call happens from the console, behind its real
// sign-in and CSRF token; the call gets a new version announced as a place
// change, and clearing it goes back to MEETING_URL.
func TestConsoleSetsAndClearsOneCallsPlace(t *testing.T) {
	t.Parallel()
	env, b, a := placeEnv(t)
	page := a.get("/admin/bookings").Body.String()
	require.Contains(t, page, `action="/admin/bookings/`+itoa(b.ID)+`/place"`)
	require.Contains(t, page, "Where (this call only)")
	require.NotContains(t, page, "Use the usual place", "nothing to clear yet")

	room := "https://video.example.test/room-7?pwd=x&y=1"
	rec := a.post("/admin/bookings/"+itoa(b.ID)+"/place", url.Values{"place": {room}})
	require.Equal(t, http.StatusSeeOther, rec.Code, rec.Body.String())
	got := env.mustBooking(t, b.ID)
	require.Equal(t, room, got.PlaceURL)
	require.Empty(t, got.PlaceText)
	require.Equal(t, 1, got.Sequence)
	require.Equal(t, 1, got.PlaceSequence)
	require.True(t, got.Start.Equal(b.Start), "the time stays")
	require.Equal(t, []notice{{b.ID, booking.EventBooked}, {b.ID, booking.EventPlaceChanged}}, env.notifier.Notices())

	page = a.get("/admin/bookings?done=1").Body.String()
	require.Contains(t, page, "(this call only)")
	require.Contains(t, page, `value="https://video.example.test/room-7?pwd=x&amp;y=1"`)
	require.Contains(t, page, "Use the usual place")
	// The subscriber's page shows the call's own place.
	manage := env.get("/booking/" + env.manageToken(b.ID)).Body.String()
	require.Contains(t, manage, "room-7")
	require.NotContains(t, manage, defaultMeeting)

	// The same place again is no change: no new version, no second email.
	rec = a.post("/admin/bookings/"+itoa(b.ID)+"/place", url.Values{"place": {room}})
	require.Equal(t, http.StatusSeeOther, rec.Code)
	require.Equal(t, 1, env.mustBooking(t, b.ID).Sequence)

	rec = a.post("/admin/bookings/"+itoa(b.ID)+"/place", url.Values{"place": {room}, "clear": {"1"}})
	require.Equal(t, http.StatusSeeOther, rec.Code, rec.Body.String())
	got = env.mustBooking(t, b.ID)
	require.Empty(t, got.PlaceURL+got.PlaceText)
	require.Equal(t, 2, got.Sequence)
	require.Equal(t, 2, got.PlaceSequence)
	require.Len(t, env.notifier.Notices(), 3)
	manage = env.get("/booking/" + env.manageToken(b.ID)).Body.String()
	require.Contains(t, manage, defaultMeeting, "back to MEETING_URL")

	// Free text is kept as text.
	rec = a.post("/admin/bookings/"+itoa(b.ID)+"/place", url.Values{"place": {"  Call me on +1 555 0199  "}})
	require.Equal(t, http.StatusSeeOther, rec.Code, rec.Body.String())
	got = env.mustBooking(t, b.ID)
	require.Equal(t, "Call me on +1 555 0199", got.PlaceText)
	require.Empty(t, got.PlaceURL)
}

// A link that is not http(s) or a place over 500 bytes is shown back with
// what is wrong, and changes nothing.
func TestConsoleRefusesABadPlace(t *testing.T) {
	t.Parallel()
	env, b, a := placeEnv(t)
	a.get("/admin/bookings")
	for input, want := range map[string]string{
		"ftp://files.example.test/call": "A link must be a full http:// or https:// address",
		strings.Repeat("x", 501):        "That is too long: at most 500 bytes",
	} {
		rec := a.post("/admin/bookings/"+itoa(b.ID)+"/place", url.Values{"place": {input}})
		require.Equal(t, http.StatusUnprocessableEntity, rec.Code)
		require.Contains(t, rec.Body.String(), want)
		require.Contains(t, rec.Body.String(), `aria-invalid="true"`)
		require.Contains(t, rec.Body.String(), input[:20], "what was typed is shown back")
		got := env.mustBooking(t, b.ID)
		require.Equal(t, 0, got.Sequence)
		require.Empty(t, got.PlaceURL+got.PlaceText)
	}
	require.Len(t, env.notifier.Notices(), 1, "only the booking itself")
	// 500 bytes is allowed.
	rec := a.post("/admin/bookings/"+itoa(b.ID)+"/place", url.Values{"place": {strings.Repeat("x", 500)}})
	require.Equal(t, http.StatusSeeOther, rec.Code, rec.Body.String())
}

// A call booked on Cal.com or Calendly belongs to that scheduler: the
// console offers no place form for it and refuses the POST.
func TestConsoleLeavesASchedulersCallsPlaceAlone(t *testing.T) {
	t.Parallel()
	env := newAdminEnv(t, nil)
	sub := mustSubscriberIn(t, env, "ann@example.com", "Ann", "")
	ext := "calcom-uid-1"
	b, _, err := env.store.CreateBooking(t.Context(), models.Booking{
		SubscriberID: sub, Start: nthSlot(0), End: nthSlot(0).Add(30 * time.Minute), UID: "ext@test",
		Scheduler: models.SchedulerCalcom, ExternalID: &ext,
	})
	require.NoError(t, err)
	a := signIn(t, env)
	page := a.get("/admin/bookings").Body.String()
	require.Contains(t, page, "call-"+itoa(b.ID))
	require.NotContains(t, page, "/place\"")
	rec := a.post("/admin/bookings/"+itoa(b.ID)+"/place", url.Values{"place": {"https://video.example.test/x"}})
	require.Equal(t, http.StatusConflict, rec.Code)
	got := env.mustBooking(t, b.ID)
	require.Equal(t, 0, got.Sequence)
	require.Empty(t, got.PlaceURL)
	require.Empty(t, env.notifier.Notices())
}

// While the emails about a call's last change are still going out, a new
// place is refused: announced as the one change since, it would hide the
// other.
func TestConsoleWaitsForTheLastChangeBeforeANewPlace(t *testing.T) {
	t.Parallel()
	env, b, a := placeEnv(t)
	moved, err := env.store.RescheduleBooking(t.Context(), b.ID, nthSlot(1), nthSlot(1).Add(30*time.Minute))
	require.NoError(t, err)
	a.get("/admin/bookings")
	rec := a.post("/admin/bookings/"+itoa(b.ID)+"/place", url.Values{"place": {"Room 4"}})
	require.Equal(t, http.StatusConflict, rec.Code, rec.Body.String())
	require.Contains(t, rec.Body.String(), "still going out")
	got := env.mustBooking(t, b.ID)
	require.Equal(t, moved.Sequence, got.Sequence)
	require.Empty(t, got.PlaceText)

	require.NoError(t, env.store.MarkBookingNotified(t.Context(), b.ID, moved.Sequence))
	rec = a.post("/admin/bookings/"+itoa(b.ID)+"/place", url.Values{"place": {"Room 4"}})
	require.Equal(t, http.StatusSeeOther, rec.Code, rec.Body.String())
	require.Equal(t, "Room 4", env.mustBooking(t, b.ID).PlaceText)
}

// A call that has started keeps its place: the subscriber is already on
// their way to it.
func TestConsoleLeavesAStartedCallsPlaceAlone(t *testing.T) {
	t.Parallel()
	env := newAdminEnv(t, nil)
	sub := mustSubscriberIn(t, env, "late@example.com", "Lee", "")
	b := env.pastCall(t, sub, 5*time.Minute, "started@test")
	a := signIn(t, env)
	a.get("/admin/bookings")
	rec := a.post("/admin/bookings/"+itoa(b.ID)+"/place", url.Values{"place": {"Room 4"}})
	require.Equal(t, http.StatusConflict, rec.Code, rec.Body.String())
	require.NotContains(t, rec.Body.String(), "/place\"", "a past call has no place form")
	require.Contains(t, rec.Body.String(), "this call has already started", "the console says why on the call's row")
	got := env.mustBooking(t, b.ID)
	require.Equal(t, 0, got.Sequence)
	require.Empty(t, got.PlaceText)
	require.Empty(t, env.notifier.Notices())
}

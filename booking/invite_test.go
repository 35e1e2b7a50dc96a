package booking

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/calendar"
	"github.com/dripbook/dripbook/models"
)

func TestSubscriberInvite(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC)
	b := models.Booking{UID: "call-1@test", Sequence: 2, Start: start, End: start.Add(30 * time.Minute), UpdatedAt: start.Add(-time.Hour)}
	coach := calendar.Person{Name: "Dana Reyes", Email: "dana@example.com"}
	manage := "https://coach.example/booking/tok"

	ev := SubscriberInvite(b, Place{URL: "https://meet.example.com/dana"}, coach, calendar.Person{Email: "sam@example.com"}, manage)
	require.Equal(t, "Discovery call with Dana Reyes", ev.Summary)
	require.Equal(t, "https://meet.example.com/dana", ev.Location)
	require.Equal(t, "https://meet.example.com/dana", ev.URL)
	require.Equal(t, "Your free discovery call with Dana Reyes.\nJoin: https://meet.example.com/dana\nTo cancel or move it: "+manage, ev.Description)
	require.Equal(t, 2, ev.Sequence)
	require.Equal(t, "sam@example.com", ev.Attendee.Email)

	b.PlaceText = "Room 4, 1 Main Street"
	ev = SubscriberInvite(b, Place{}, calendar.Person{}, calendar.Person{}, manage)
	require.Equal(t, "Discovery call", ev.Summary, "no trailing 'with' without a coach's name")
	require.Equal(t, "Room 4, 1 Main Street", ev.Location, "the call's own place")
	require.Equal(t, manage, ev.URL, "without a link, the page to change it")
}

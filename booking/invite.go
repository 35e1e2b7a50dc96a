package booking

import (
	"strings"

	"github.com/dripbook/dripbook/calendar"
	"github.com/dripbook/dripbook/models"
)

// CallEvent describes a booking as a calendar event, with where the call
// happens (its own place, else place) in LOCATION, URL and the
// description, between intro and outro. page is the event's URL when there
// is no meeting link; attendee may be the zero Person.
func CallEvent(b models.Booking, place Place, organizer, attendee calendar.Person, summary, intro, outro, page string) calendar.Event {
	p := CallPlace(b, place)
	lines := append(append([]string{intro}, p.Lines()...), outro)
	return calendar.Event{
		UID: b.UID, Sequence: b.Sequence, Start: b.Start, End: b.End, Stamp: b.UpdatedAt,
		Summary:     summary,
		Description: strings.Join(lines, "\n"),
		Location:    p.Location(),
		URL:         p.Link(page),
		Organizer:   organizer,
		Attendee:    attendee,
	}
}

// SubscriberInvite is the call as the subscriber's calendar shows it, in
// the invite emailed to them and in the .ics their booking page offers;
// manage is the page to change it.
func SubscriberInvite(b models.Booking, place Place, coach calendar.Person, attendee calendar.Person, manage string) calendar.Event {
	summary, intro := "Discovery call", "Your free discovery call."
	if coach.Name != "" {
		summary, intro = "Discovery call with "+coach.Name, "Your free discovery call with "+coach.Name+"."
	}
	return CallEvent(b, place, coach, attendee, summary, intro, "To cancel or move it: "+manage, manage)
}

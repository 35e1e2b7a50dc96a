// Package calendar writes the iCalendar files (RFC 5545) that go with booking
// emails. It uses the iTIP methods of RFC 5546, so that a mail client offers
// to add the call, moves it when it is rescheduled and removes it when it is
// cancelled.
package calendar

import (
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"
)

// ProductID names the program that wrote a file, as PRODID requires.
const ProductID = "-//dripbook//dripbook//EN"

// Person is the organizer or the attendee of an event.
type Person struct {
	Name  string
	Email string
}

// Event is one booked call as the calendar files describe it.
type Event struct {
	// UID identifies the booking in every file sent about it, so that a
	// reschedule or cancellation changes the event a client already holds
	// rather than adding a second one.
	UID string
	// Sequence is raised on every change: clients ignore a file whose
	// sequence is lower than the one they hold.
	Sequence int
	// Start and End bound the call. Stamp is when the file was made (now, if
	// zero). All three are written in UTC, so no VTIMEZONE is needed.
	Start, End, Stamp time.Time
	Summary           string
	Description       string
	// Location is where the call happens: a video link, a phone number or
	// an address; left out when empty.
	Location string
	// URL is the call's link (the video link, or a page about the booking);
	// left out when empty.
	URL       string
	Organizer Person
	Attendee  Person
}

// Request is the invitation sent when a call is booked or moved. Clients
// show it with accept and decline buttons and add it to the calendar.
func Request(e Event) []byte {
	cal, ev := build(ics.MethodRequest, ics.ObjectStatusConfirmed, e)
	ev.AddAttendee(mailto(e.Attendee.Email), attendeeParams(e.Attendee,
		ics.ParticipationStatusNeedsAction,
		&ics.KeyValues{Key: string(ics.ParameterRsvp), Value: []string{"TRUE"}})...)
	return serialize(cal)
}

// Cancel removes the call from the attendee's calendar. e.Sequence must
// already be higher than that of the last Request, or clients ignore it.
func Cancel(e Event) []byte {
	cal, ev := build(ics.MethodCancel, ics.ObjectStatusCancelled, e)
	ev.AddAttendee(mailto(e.Attendee.Email), attendeeParams(e.Attendee)...)
	return serialize(cal)
}

// Publish is the file behind an "add to calendar" download. RFC 5546 allows
// no attendees in a PUBLISH, so there is nothing to reply to.
func Publish(e Event) []byte {
	cal, _ := build(ics.MethodPublish, ics.ObjectStatusConfirmed, e)
	return serialize(cal)
}

func build(method ics.Method, status ics.ObjectStatus, e Event) (*ics.Calendar, *ics.VEvent) {
	cal := ics.NewCalendarFor("dripbook")
	cal.SetProductId(ProductID)
	cal.SetMethod(method)
	cal.SetCalscale("GREGORIAN")

	ev := cal.AddEvent(token(e.UID))
	ev.SetSequence(e.Sequence)
	stamp := e.Stamp
	if stamp.IsZero() {
		stamp = time.Now()
	}
	ev.SetDtStampTime(stamp)
	ev.SetStartAt(e.Start)
	ev.SetEndAt(e.End)
	ev.SetSummary(text(e.Summary))
	ev.SetDescription(text(e.Description))
	if l := text(e.Location); l != "" {
		ev.SetLocation(l)
	}
	if u := token(e.URL); u != "" {
		ev.SetURL(u)
	}
	ev.SetStatus(status)
	ev.SetOrganizer(mailto(e.Organizer.Email), nameParam(e.Organizer)...)
	return cal, ev
}

func attendeeParams(p Person, extra ...ics.PropertyParameter) []ics.PropertyParameter {
	params := append(nameParam(p), ics.ParticipationRoleReqParticipant)
	return append(params, extra...)
}

func nameParam(p Person) []ics.PropertyParameter {
	if name := paramText(p.Name); name != "" {
		return []ics.PropertyParameter{ics.WithCN(name)}
	}
	return nil
}

func mailto(addr string) string { return "mailto:" + token(addr) }

// serialize writes CRLF line endings, which RFC 5545 requires; the library
// defaults to the platform's line ending.
func serialize(cal *ics.Calendar) []byte {
	return []byte(cal.Serialize(ics.WithNewLineWindows))
}

// text keeps what a TEXT value may hold. The library escapes "\n" but not
// "\r", and a bare CR would end the line early in some parsers.
func text(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\r':
			return '\n'
		case r == '\n' || r == '\t':
			return r
		case r < 0x20 || r == 0x7f:
			return -1
		}
		return r
	}, s)
}

// token drops whitespace and control characters from values the library
// writes unescaped (URIs, addresses), so none can start a property of its own.
func token(s string) string {
	return strings.Map(func(r rune) rune {
		if r <= 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
}

// paramText keeps a display name to characters a parameter value may hold
// unquoted. The library escapes ",;:\"'\\" in parameters with backslashes,
// which RFC 5545 does not allow there, so clients would show the backslashes.
func paramText(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\'':
			return '’'
		case r == '"' || r == '\\':
			return -1
		case r == ',' || r == ';' || r == ':' || r < 0x20 || r == 0x7f:
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

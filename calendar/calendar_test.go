package calendar

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	ics "github.com/arran4/golang-ical"
	"github.com/stretchr/testify/require"
)

func testEvent() Event {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	start := time.Date(2026, 3, 10, 20, 0, 0, 0, berlin)
	return Event{
		UID:         "booking-42@example.test",
		Sequence:    1,
		Start:       start,
		End:         start.Add(30 * time.Minute),
		Stamp:       time.Date(2026, 3, 1, 8, 30, 15, 0, time.UTC),
		Summary:     "Discovery call: Ada Lovelace and Alex Rivera",
		Description: "Bring the role you want next.\nManage the booking: https://example.test/bookings/tok",
		URL:         "https://meet.example.test/alex",
		Location:    "https://meet.example.test/alex",
		Organizer:   Person{Name: "Alex Rivera", Email: "coach@example.test"},
		Attendee:    Person{Name: "Ada Lovelace", Email: "ada@example.test"},
	}
}

// MustParse reads an iCalendar file back with the library's parser and
// returns the calendar and its only event.
func MustParse(tb testing.TB, data []byte) (*ics.Calendar, *ics.VEvent) {
	tb.Helper()
	cal, err := ics.ParseCalendar(bytes.NewReader(data))
	require.NoError(tb, err)
	events := cal.Events()
	require.Len(tb, events, 1)
	return cal, events[0]
}

func calProp(cal *ics.Calendar, name ics.Property) string {
	for _, p := range cal.CalendarProperties {
		if p.IANAToken == string(name) {
			return p.Value
		}
	}
	return ""
}

func prop(tb testing.TB, ev *ics.VEvent, name ics.ComponentProperty) *ics.IANAProperty {
	tb.Helper()
	p := ev.GetProperty(name)
	require.NotNil(tb, p, "no %s", name)
	return p
}

func param(p *ics.IANAProperty, name ics.Parameter) string {
	return strings.Join(p.ICalParameters[string(name)], ",")
}

func TestRequest(t *testing.T) {
	e := testEvent()
	cal, ev := MustParse(t, Request(e))

	require.Equal(t, "REQUEST", calProp(cal, ics.PropertyMethod))
	require.Equal(t, ProductID, calProp(cal, ics.PropertyProductId))
	require.Equal(t, "2.0", calProp(cal, ics.PropertyVersion))
	require.Equal(t, "GREGORIAN", calProp(cal, ics.PropertyCalscale))

	require.Equal(t, e.UID, ev.Id())
	require.Equal(t, "1", prop(t, ev, ics.ComponentPropertySequence).Value)
	require.Equal(t, "20260301T083015Z", prop(t, ev, ics.ComponentPropertyDtstamp).Value)
	require.Equal(t, "20260310T190000Z", prop(t, ev, ics.ComponentPropertyDtStart).Value, "20:00 in Berlin is 19:00 UTC")
	require.Equal(t, "20260310T193000Z", prop(t, ev, ics.ComponentPropertyDtEnd).Value)
	require.Equal(t, e.Summary, prop(t, ev, ics.ComponentPropertySummary).Value)
	require.Equal(t, e.Description, prop(t, ev, ics.ComponentPropertyDescription).Value)
	require.Equal(t, e.URL, prop(t, ev, ics.ComponentPropertyUrl).Value)
	require.Equal(t, e.Location, prop(t, ev, ics.ComponentPropertyLocation).Value)
	require.Equal(t, "CONFIRMED", prop(t, ev, ics.ComponentPropertyStatus).Value)

	start, err := ev.GetStartAt()
	require.NoError(t, err)
	require.True(t, start.Equal(e.Start))

	org := prop(t, ev, ics.ComponentPropertyOrganizer)
	require.Equal(t, "mailto:coach@example.test", org.Value)
	require.Equal(t, "Alex Rivera", param(org, ics.ParameterCn))

	att := ev.Attendees()
	require.Len(t, att, 1)
	require.Equal(t, "ada@example.test", att[0].Email())
	require.Equal(t, "Ada Lovelace", param(&att[0].IANAProperty, ics.ParameterCn))
	require.Equal(t, "REQ-PARTICIPANT", param(&att[0].IANAProperty, ics.ParameterRole))
	require.Equal(t, "NEEDS-ACTION", param(&att[0].IANAProperty, ics.ParameterParticipationStatus))
	require.Equal(t, "TRUE", param(&att[0].IANAProperty, ics.ParameterRsvp))
}

func TestCancelKeepsUIDAndTakesSequence(t *testing.T) {
	e := testEvent()
	e.Sequence = 3
	cal, ev := MustParse(t, Cancel(e))

	require.Equal(t, "CANCEL", calProp(cal, ics.PropertyMethod))
	require.Equal(t, e.UID, ev.Id())
	require.Equal(t, "3", prop(t, ev, ics.ComponentPropertySequence).Value)
	require.Equal(t, "CANCELLED", prop(t, ev, ics.ComponentPropertyStatus).Value)
	require.Equal(t, "20260310T190000Z", prop(t, ev, ics.ComponentPropertyDtStart).Value)
	require.Equal(t, "mailto:coach@example.test", prop(t, ev, ics.ComponentPropertyOrganizer).Value)
	att := ev.Attendees()
	require.Len(t, att, 1, "RFC 5546 requires the attendee in a CANCEL")
	require.Equal(t, "ada@example.test", att[0].Email())
	require.Empty(t, param(&att[0].IANAProperty, ics.ParameterRsvp), "there is nothing to reply to")
}

func TestPublishHasNoAttendee(t *testing.T) {
	e := testEvent()
	cal, ev := MustParse(t, Publish(e))

	require.Equal(t, "PUBLISH", calProp(cal, ics.PropertyMethod))
	require.Equal(t, e.UID, ev.Id())
	require.Equal(t, "CONFIRMED", prop(t, ev, ics.ComponentPropertyStatus).Value)
	require.Equal(t, "mailto:coach@example.test", prop(t, ev, ics.ComponentPropertyOrganizer).Value)
	require.Empty(t, ev.Attendees())
	require.NotContains(t, string(Publish(e)), "RSVP")
}

func TestURLIsOptional(t *testing.T) {
	e := testEvent()
	e.URL = ""
	_, ev := MustParse(t, Request(e))
	require.Nil(t, ev.GetProperty(ics.ComponentPropertyUrl))
}

func TestLocationIsOptionalAndText(t *testing.T) {
	e := testEvent()
	e.Location = ""
	_, ev := MustParse(t, Request(e))
	require.Nil(t, ev.GetProperty(ics.ComponentPropertyLocation))

	e.Location = "Call +1 555 0100; ext. 7"
	_, ev = MustParse(t, Cancel(e))
	require.Equal(t, e.Location, prop(t, ev, ics.ComponentPropertyLocation).Value, "a CANCEL names the place too")
}

func TestTextIsEscaped(t *testing.T) {
	e := testEvent()
	e.Summary = "Call, Ada; Alex\\Coach\r\nsecond line\rthird"
	e.Description = "Line one\nBEGIN:VEVENT\nSUMMARY:injected"
	data := Request(e)

	require.Contains(t, string(data), `SUMMARY:Call\, Ada\; Alex\\Coach\nsecond line\nthird`+"\r\n")
	require.Equal(t, 1, strings.Count(string(data), "BEGIN:VEVENT\r\n"), "a description cannot start a component")

	_, ev := MustParse(t, data)
	require.Equal(t, "Call, Ada; Alex\\Coach\nsecond line\nthird", prop(t, ev, ics.ComponentPropertySummary).Value)
	require.Equal(t, e.Description, prop(t, ev, ics.ComponentPropertyDescription).Value)
}

func TestHostileAddressesAndNames(t *testing.T) {
	e := testEvent()
	e.Attendee = Person{Name: `O'Brien, "Ada"; CEO: x`, Email: "ada@example.test\r\nATTENDEE:mailto:evil@example.test"}
	e.URL = "https://example.test/b\r\nURL:https://evil.example"
	data := string(Request(e))

	require.NotContains(t, data, "\r\nATTENDEE:mailto:evil")
	require.NotContains(t, data, "\r\nURL:https://evil")
	_, ev := MustParse(t, []byte(data))
	att := ev.Attendees()
	require.Len(t, att, 1)
	require.Equal(t, "O’Brien Ada CEO x", param(&att[0].IANAProperty, ics.ParameterCn),
		"the name keeps to characters a parameter may hold unquoted")
	require.NotContains(t, data, `\"`)
}

func TestLinesAreFoldedWithCRLF(t *testing.T) {
	e := testEvent()
	e.Summary = strings.Repeat("Präsentation 🎉 ", 12)
	e.Description = strings.Repeat("x", 300)
	e.Attendee.Name = strings.Repeat("Ada Augusta King Lovelace ", 4)
	data := Request(e)

	require.True(t, bytes.HasSuffix(data, []byte("END:VCALENDAR\r\n")))
	lines := strings.Split(strings.TrimSuffix(string(data), "\r\n"), "\r\n")
	folded := 0
	for _, l := range lines {
		require.NotContains(t, l, "\n", "bare LF")
		require.NotContains(t, l, "\r", "bare CR")
		require.LessOrEqual(t, len(l), 75, "line longer than 75 octets: %q", l)
		require.True(t, utf8.ValidString(l), "a fold split a character: %q", l)
		if strings.HasPrefix(l, " ") {
			folded++
		}
	}
	require.Positive(t, folded)

	_, ev := MustParse(t, data)
	require.Equal(t, e.Summary, prop(t, ev, ics.ComponentPropertySummary).Value)
	require.Equal(t, e.Description, prop(t, ev, ics.ComponentPropertyDescription).Value)
	require.Equal(t, strings.TrimSpace(e.Attendee.Name), param(&ev.Attendees()[0].IANAProperty, ics.ParameterCn),
		"a fold inside a parameter unfolds cleanly")
}

func TestZeroStampIsNow(t *testing.T) {
	e := testEvent()
	e.Stamp = time.Time{}
	before := time.Now().Truncate(time.Second)
	_, ev := MustParse(t, Request(e))
	stamp, err := ev.GetDtStampTime()
	require.NoError(t, err)
	require.False(t, stamp.Before(before))
}

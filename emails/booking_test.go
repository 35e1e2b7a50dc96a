package emails

import (
	"strings"
	"testing"
	"time"

	"github.com/dripbook/dripbook/booking"
	"github.com/dripbook/dripbook/locale"
	"github.com/dripbook/dripbook/message"
	"github.com/dripbook/dripbook/testenv"
	"github.com/stretchr/testify/require"
)

// MustLocation loads a time zone or fails the test.
func MustLocation(tb testing.TB, name string) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(tb, err)
	return loc
}

// testBooking is a call at 19:00 UTC: 15:00 for a subscriber in New York
// (summer time has begun there) and 20:00 for a coach in Berlin (it has not).
func testBooking(tb testing.TB) booking.Notice {
	tb.Helper()
	start := time.Date(2026, 3, 10, 19, 0, 0, 0, time.UTC)
	return booking.Notice{
		CoachName:       "Alex Rivera",
		SubscriberName:  "Ada Lovelace",
		SubscriberEmail: "ada@example.org",
		Start:           start,
		End:             start.Add(30 * time.Minute),
		SubscriberTZ:    MustLocation(tb, "America/New_York"),
		CoachTZ:         MustLocation(tb, "Europe/Berlin"),
		ManageURL:       testBase + "/bookings/tok",
		CancelURL:       testBase + "/bookings/tok/cancel",
		RescheduleURL:   testBase + "/bookings/tok/reschedule",
		BookAgainURL:    testBase + "/book/tok",
		InviteURL:       testBase + "/bookings/tok/invite.ics",
		GoogleURL:       "https://calendar.google.com/calendar/render?action=TEMPLATE&text=Discovery+call",
		OutlookURL:      "https://outlook.live.com/calendar/0/deeplink/compose?rru=addevent&subject=Discovery+call",
		Place:           booking.Place{URL: "https://meet.example.org/alex", Text: "Or call +1 555 0100"},
		Answers: []booking.QA{
			{Question: "What role do you want next?", Answer: "Director of Product.\nWithin a year."},
			{Question: "What gap do you most want to close?", Answer: "   "},
		},
		SubscribedAt:   time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC),
		LessonsSent:    []string{"Why good PMs get stuck", "Identify your gaps", "Close your gaps"},
		LessonsClicked: []string{"Close your gaps"},
		SourceLesson:   "Close your gaps",
	}
}

// testWhere is testBooking's place as the emails write it.
const testWhere = "https://meet.example.org/alex · Or call +1 555 0100"

const (
	subscriberWhen = "Tuesday 10 March 2026, 15:00–15:30, Eastern Time (New York)"
	coachWhen      = "Tuesday 10 March 2026, 20:00–20:30, Central European Time (Berlin)"
)

// checkBookingEmail checks what every booking email must keep and returns
// the facts of its HTML part, with the text part's whitespace folded.
func checkBookingEmail(t *testing.T, e message.Content) (htmlFacts, string) {
	t.Helper()
	require.NotEmpty(t, strings.TrimSpace(e.Subject))
	require.NotEmpty(t, strings.TrimSpace(e.Preheader))
	require.NotEmpty(t, strings.TrimSpace(e.HTML))
	require.NotEmpty(t, strings.TrimSpace(e.Text))
	for part, s := range map[string]string{"html": e.HTML, "text": e.Text} {
		require.NotContains(t, s, "DBVAR", "variable token left in the %s", part)
		require.NotContains(t, s, "dripbook.invalid", "variable token left in the %s", part)
		require.NotContains(t, strings.ToLower(s), "unsubscribe", "booking emails are transactional")
		require.NotContains(t, s, "You're receiving this")
		require.Contains(t, s, testSite().CompanyAddress)
	}
	doc := checkHTML(t, e.HTML)
	require.Contains(t, doc.text, e.Preheader, "hidden preheader")
	return doc, strings.Join(strings.Fields(e.Text), " ")
}

// checkCleanBookingEmail is checkBookingEmail for an email whose values hold
// no Markdown of their own, so none may show in the plain text.
func checkCleanBookingEmail(t *testing.T, e message.Content) (htmlFacts, string) {
	t.Helper()
	for _, md := range []string{"**", "[[", "](", "<a ", "<p", `\`} {
		require.NotContains(t, e.Text, md, "Markdown or HTML leaked into the plain text")
	}
	return checkBookingEmail(t, e)
}

func TestBookingConfirmation(t *testing.T) {
	r := MustRenderer(t)
	v := testBooking(t)
	e, err := r.BookingConfirmation(v)
	require.NoError(t, err)

	require.Equal(t, "Booked: our call on Tue 10 Mar, 15:00", e.Subject)
	doc, text := checkCleanBookingEmail(t, e)
	for _, s := range []string{doc.text, text} {
		require.Contains(t, s, "When: "+subscriberWhen)
		require.Contains(t, s, "How long: 30 minutes")
		require.Contains(t, s, "Where: "+testWhere)
		require.Contains(t, s, "calendar invite is also attached")
		require.Contains(t, s, "the role you want next")
		require.Contains(t, s, "the one gap you most want to close")
		require.Contains(t, s, "Talk soon, Alex Rivera", "signed by the coach")
	}
	require.Contains(t, doc.hrefs, v.RescheduleURL)
	require.Contains(t, doc.hrefs, v.CancelURL)
	require.Contains(t, doc.hrefs, v.ManageURL)
	require.Equal(t, 1, doc.buttons, "adding the call is the one button")
	require.Contains(t, text, "Add to calendar: "+v.InviteURL)
	for _, u := range []string{v.InviteURL, v.GoogleURL, v.OutlookURL, v.Place.URL} {
		require.Contains(t, doc.hrefs, u)
	}
	require.Contains(t, text, "Google Calendar <"+v.GoogleURL+">")
	require.Contains(t, text, "Outlook <"+v.OutlookURL+">")
	require.Contains(t, text, "Reschedule <"+v.RescheduleURL+">")
	require.Contains(t, text, "Cancel the call <"+v.CancelURL+">")
	require.Contains(t, text, v.ManageURL)

	v.Rescheduled = true
	e, err = r.BookingConfirmation(v)
	require.NoError(t, err)
	require.Equal(t, "Moved: our call is now Tue 10 Mar, 15:00", e.Subject)
	_, text = checkCleanBookingEmail(t, e)
	require.Contains(t, text, "Our call has moved to the time below")
	require.Contains(t, text, "When: "+subscriberWhen)
}

func TestBookingEmailsWithoutPlaceOrLinks(t *testing.T) {
	r := MustRenderer(t)
	v := testBooking(t)
	v.Place, v.InviteURL, v.GoogleURL, v.OutlookURL = booking.Place{}, "", "", ""
	e, err := r.BookingConfirmation(v)
	require.NoError(t, err)
	doc, text := checkCleanBookingEmail(t, e)
	require.NotContains(t, text, "Where:")
	require.Contains(t, text, "The calendar invite is attached")
	require.Zero(t, doc.buttons)

	v.Place = booking.Place{Text: "Room 4 & the café"}
	e, err = r.BookingReminder(v, time.Hour)
	require.NoError(t, err)
	_, text = checkCleanBookingEmail(t, e)
	require.Contains(t, text, "Where: Room 4 & the café")
}

func TestBookingCancelled(t *testing.T) {
	r := MustRenderer(t)
	v := testBooking(t)
	e, err := r.BookingCancelled(v)
	require.NoError(t, err)

	require.Equal(t, "Canceled: our call on Tue 10 Mar, 15:00", e.Subject)
	doc, text := checkCleanBookingEmail(t, e)
	require.Contains(t, doc.text, "is canceled")
	require.Contains(t, text, "All the best, Alex Rivera", "signed by the coach")
	require.Contains(t, doc.text, "Was: "+subscriberWhen)
	require.Contains(t, text, "Was: "+subscriberWhen)
	require.Contains(t, doc.hrefs, v.BookAgainURL)
	require.Contains(t, text, "Book a new time: "+v.BookAgainURL)
	require.NotContains(t, doc.hrefs, v.CancelURL, "nothing left to cancel")

	v.BookAgainURL = ""
	e, err = r.BookingCancelled(v)
	require.NoError(t, err)
	doc, text = checkCleanBookingEmail(t, e)
	require.Zero(t, doc.buttons)
	require.Contains(t, text, "reply to this email")
}

func TestBookingReminder(t *testing.T) {
	r := MustRenderer(t)
	v := testBooking(t)
	for lead, in := range map[time.Duration]string{
		24 * time.Hour:   "24 hours",
		time.Hour:        "1 hour",
		90 * time.Minute: "1 hour 30 minutes",
		5 * time.Second:  "5 seconds",
	} {
		t.Run(in, func(t *testing.T) {
			e, err := r.BookingReminder(v, lead)
			require.NoError(t, err)
			require.Equal(t, "Reminder: our call is in "+in+", at 15:00", e.Subject)
			doc, text := checkCleanBookingEmail(t, e)
			require.Contains(t, doc.text, "is in "+in+".")
			require.Contains(t, text, "See you soon, Alex Rivera", "signed by the coach")
			require.Contains(t, text, "When: "+subscriberWhen)
			require.Contains(t, doc.text, "When: "+subscriberWhen)
			require.Contains(t, text, "Where: "+testWhere)
			require.Contains(t, doc.hrefs, v.Place.URL)
			require.Contains(t, doc.hrefs, v.RescheduleURL)
			require.Contains(t, doc.hrefs, v.CancelURL)
			require.Contains(t, text, v.RescheduleURL)
			require.Contains(t, text, v.CancelURL)
		})
	}
}

func TestCoachBrief(t *testing.T) {
	r := MustRenderer(t)
	v := testBooking(t)
	for _, c := range []struct {
		event       booking.Event
		prefix, did string
	}{
		{booking.EventBooked, "New call: ", "booked a discovery call."},
		{booking.EventRescheduled, "Moved: ", "moved their discovery call to a new time."},
		{booking.EventCancelled, "Canceled: ", "canceled their discovery call."},
	} {
		t.Run(string(c.event), func(t *testing.T) {
			e, err := r.CoachBrief(v, c.event)
			require.NoError(t, err)
			require.Equal(t, c.prefix+"Ada Lovelace, Tue 10 Mar, 20:00", e.Subject, "the coach's zone")
			doc, text := checkCleanBookingEmail(t, e)
			require.Contains(t, e.HTML, "<strong>Ada Lovelace</strong> "+c.did)
			for _, s := range []string{doc.text, text} {
				require.Contains(t, s, "When: "+coachWhen)
				require.Contains(t, s, "Their time: "+subscriberWhen)
				require.Contains(t, s, "Where: "+testWhere)
				require.Contains(t, s, "Email: ada@example.org")
				require.Contains(t, s, "Subscribed: Monday 2 March 2026, 09:00, Central European Time (Berlin)")
				require.Contains(t, s, "Booked from: Close your gaps")
			}
			require.Contains(t, e.HTML, "<strong>What role do you want next?</strong></p>\n"+
				`<p style="margin-top:0;margin-bottom:16px;">Director of Product.<br>`+"\nWithin a year.</p>")
			require.Contains(t, e.HTML, "<strong>What gap do you most want to close?</strong></p>\n"+
				`<p style="margin-top:0;margin-bottom:16px;">(no answer)</p>`)
			require.Contains(t, e.Text, "What role do you want next?\n\nDirector of Product.\nWithin a year.\n")
			require.Contains(t, e.Text, "Lessons received\n\n1. Why good PMs get stuck\n2. Identify your gaps\n3. Close your gaps\n")
			require.Contains(t, e.Text, "Booking links clicked\n\n- Close your gaps\n")
			require.Contains(t, e.HTML, `<li style="margin-top:0;margin-bottom:8px;">Identify your gaps</li>`)
		})
	}
}

func TestCoachBriefSameZoneAndUnknowns(t *testing.T) {
	r := MustRenderer(t)
	v := testBooking(t)
	v.SubscriberTZ = MustLocation(t, "Europe/Berlin")
	v.SubscriberName = ""
	v.Answers, v.LessonsSent, v.LessonsClicked, v.SourceLesson = nil, nil, nil, ""
	v.SubscribedAt = time.Time{}
	e, err := r.CoachBrief(v, booking.EventBooked)
	require.NoError(t, err)

	require.Equal(t, "New call: ada@example.org, Tue 10 Mar, 20:00", e.Subject)
	_, text := checkCleanBookingEmail(t, e)
	require.Contains(t, text, "When: "+coachWhen)
	require.NotContains(t, text, "Their time", "the same zone is not shown twice")
	require.Contains(t, text, "Subscribed: not known")
	require.Contains(t, text, "Booked from: not known")
	require.Contains(t, text, "Lessons received None yet.")
	require.Contains(t, text, "Booking links clicked None recorded.")

	_, err = r.CoachBrief(v, "deleted")
	require.ErrorContains(t, err, `unknown event "deleted"`)
}

func TestBookingUserTextStaysText(t *testing.T) {
	r := MustRenderer(t)
	hostile := `<script>alert(1)</script> [click](https://evil.example) **bold**`
	v := testBooking(t)
	v.SubscriberName = "<b>*Ada*</b>{{booking_url}} [L](https://evil.example) www.evil.example"
	first := "<b>*Ada*</b>{{booking_url}}" // greetings use the first name
	v.SubscriberEmail = "ada+x@evil.example"
	v.Answers = []booking.QA{
		{Question: "Why **now**? [q](https://evil.example)", Answer: hostile},
		{Question: "Anything else?", Answer: "# Heading\n    indented code\n1. not a list\n> not a quote\n\n[[Button]](https://evil.example)\n&amp; &copy; &#38; \\*"},
	}
	v.LessonsSent = []string{"<img src=x onerror=alert(1)>"}

	render := map[string]func() (message.Content, error){
		"confirmation": func() (message.Content, error) { return r.BookingConfirmation(v) },
		"cancelled":    func() (message.Content, error) { return r.BookingCancelled(v) },
		"reminder":     func() (message.Content, error) { return r.BookingReminder(v, time.Hour) },
		"brief":        func() (message.Content, error) { return r.CoachBrief(v, booking.EventBooked) },
	}
	for name, f := range render {
		t.Run(name, func(t *testing.T) {
			e, err := f()
			require.NoError(t, err)
			doc, _ := checkBookingEmail(t, e)
			for _, href := range doc.hrefs {
				require.NotContains(t, href, "evil")
			}
			require.NotContains(t, e.HTML, `<a href="https://evil.example"`)
			require.NotContains(t, e.HTML, "<b>")
			require.NotContains(t, e.HTML, "<img")
			require.NotContains(t, e.HTML, "<h1")
			require.NotContains(t, e.HTML, "<pre")
			require.NotContains(t, e.HTML, "<blockquote")
			shown := "Hi " + first + ","
			if name == "brief" {
				shown = v.SubscriberName + " booked"
			}
			require.Contains(t, doc.text, shown, "the name is shown as typed")
			require.Contains(t, strings.Join(strings.Fields(e.Text), " "), shown)
		})
	}

	e, err := r.CoachBrief(v, booking.EventBooked)
	require.NoError(t, err)
	require.Equal(t, "New call: <b>*Ada*</b>{{booking_url}} […, Tue 10 Mar, 20:00", e.Subject, "a long name is cut to fit")
	require.Contains(t, e.HTML, `&lt;script&gt;alert(1)&lt;/script&gt; [click](https://evil.example) **bold**`)
	require.Contains(t, e.HTML, `<strong>Why **now**? [q](https://evil.example)</strong>`)
	require.Contains(t, e.HTML, `<li style="margin-top:0;margin-bottom:8px;">&lt;img src=x onerror=alert(1)&gt;</li>`)
	require.Contains(t, e.HTML, "# Heading<br>\nindented code<br>\n1. not a list<br>\n&gt; not a quote</p>")
	require.Contains(t, e.HTML, "[[Button]](https://evil.example)<br>\n&amp;amp; &amp;copy; &amp;#38; \\*</p>")
	require.Contains(t, e.Text, "\n"+hostile+"\n")
	require.Contains(t, e.Text, "\n# Heading\nindented code\n1. not a list\n> not a quote\n\n[[Button]](https://evil.example)\n&amp; &copy; &#38; \\*\n")
	require.Contains(t, e.Text, "\n1. <img src=x onerror=alert(1)>\n")
	require.Contains(t, e.Text, "Email: ada+x@evil.example")
}

func TestBookingErrors(t *testing.T) {
	r := MustRenderer(t)
	for name, change := range map[string]func(*booking.Notice){
		"no reschedule URL": func(v *booking.Notice) { v.RescheduleURL = "" },
		"no cancel URL":     func(v *booking.Notice) { v.CancelURL = "" },
		"relative URL":      func(v *booking.Notice) { v.ManageURL = "/bookings/tok" },
		"javascript URL":    func(v *booking.Notice) { v.CancelURL = "javascript:alert(1)" },
		"end before start":  func(v *booking.Notice) { v.End = v.Start.Add(-time.Minute) },
		"no start":          func(v *booking.Notice) { v.Start = time.Time{} },
	} {
		t.Run(name, func(t *testing.T) {
			v := testBooking(t)
			change(&v)
			_, err := r.BookingConfirmation(v)
			require.Error(t, err)
			_, err = r.BookingReminder(v, time.Hour)
			require.Error(t, err)
		})
	}
	v := testBooking(t)
	v.End = v.Start
	_, err := r.CoachBrief(v, booking.EventBooked)
	require.ErrorContains(t, err, "not a time span")
	_, err = r.BookingCancelled(v)
	require.ErrorContains(t, err, "not a time span")

	_, err = r.BookingReminder(testBooking(t), 0)
	require.ErrorContains(t, err, "lead")
	v = testBooking(t)
	v.BookAgainURL = "book/tok"
	_, err = r.BookingCancelled(v)
	require.ErrorContains(t, err, "book again URL")
}

func TestBookingLinksAreEncoded(t *testing.T) {
	r := MustRenderer(t)
	v := testBooking(t)
	v.RescheduleURL = testBase + "/bookings/tok/reschedule?next={{ x }}&a=<b>"
	e, err := r.BookingConfirmation(v)
	require.NoError(t, err)
	want := testBase + "/bookings/tok/reschedule?next=%7B%7B%20x%20%7D%7D&a=%3Cb%3E"
	doc, text := checkCleanBookingEmail(t, e)
	require.Contains(t, doc.hrefs, want)
	require.Contains(t, text, want)
}

func TestBookingTimesAndDurations(t *testing.T) {
	ny := MustLocation(t, "America/New_York")
	start := time.Date(2026, 3, 11, 3, 45, 0, 0, time.UTC)
	rd := reader{loc: ny}
	require.Equal(t, "Tuesday 10 March 2026, 23:45 – Wednesday 11 March 2026, 00:15, Eastern Time (New York)",
		rd.call(start, start.Add(30*time.Minute)))
	require.Equal(t, "Tue 10 Mar, 23:45", rd.short(start))
	require.Equal(t, "Wednesday 11 March 2026, 03:45–04:15, Coordinated Universal Time (UTC)", reader{loc: orUTC(nil)}.call(start, start.Add(30*time.Minute)))
	us := reader{loc: ny, lc: locale.Parse("en-US", "")}
	require.Equal(t, "Tuesday, March 10, 2026, 11:45 PM – Wednesday, March 11, 2026, 12:15 AM, Eastern Time (New York)",
		us.call(start, start.Add(30*time.Minute)))
	require.Equal(t, "Tue Mar 10, 11:45 PM", us.short(start))
	require.Equal(t, "11:45 PM", us.clock(start))

	for d, want := range map[time.Duration]string{
		24 * time.Hour:                        "24 hours",
		time.Hour:                             "1 hour",
		90 * time.Minute:                      "1 hour 30 minutes",
		30 * time.Minute:                      "30 minutes",
		time.Hour + time.Minute + time.Second: "1 hour 1 minute 1 second",
		5 * time.Second:                       "5 seconds",
		1400 * time.Millisecond:               "1 second",
		0:                                     "0 minutes",
	} {
		require.Equal(t, want, naturalDuration(d), d.String())
	}
}

// Each reader gets dates and clocks as their locale writes them: the
// subscriber as their browser asked the booking page, the coach as
// COACH_LOCALE says.
func TestBookingEmailsWriteDatesInTheReadersLocale(t *testing.T) {
	t.Parallel()
	r := MustRenderer(t)
	v := testBooking(t)
	v.SubscriberLocale = locale.Parse("en-US", "")
	e, err := r.BookingConfirmation(v)
	require.NoError(t, err)
	require.Equal(t, "Booked: our call on Tue Mar 10, 3:00 PM", e.Subject)
	require.Contains(t, testenv.Flat(e.Text), "Tuesday, March 10, 2026, 3:00 PM–3:30 PM, Eastern Time (New York)")

	brief, err := r.CoachBrief(v, booking.EventBooked)
	require.NoError(t, err)
	require.Contains(t, testenv.Flat(brief.Text), "Tuesday 10 March 2026, 20:00–20:30, Central European Time (Berlin)", "the coach's default")
	require.Contains(t, testenv.Flat(brief.Text), "Tuesday, March 10, 2026, 3:00 PM–3:30 PM, Eastern Time (New York)", "their time, as they read it")

	v.CoachLocale = locale.Parse("en-US", "")
	brief, err = r.CoachBrief(v, booking.EventBooked)
	require.NoError(t, err)
	require.Contains(t, brief.Subject, "Tue Mar 10, 8:00 PM")
	require.Contains(t, testenv.Flat(brief.Text), "Tuesday, March 10, 2026, 8:00 PM–8:30 PM, Central European Time (Berlin)")
}

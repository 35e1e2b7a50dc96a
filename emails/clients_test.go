package emails_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/booking"
	"github.com/dripbook/dripbook/course"
	"github.com/dripbook/dripbook/emails"
	"github.com/dripbook/dripbook/message"
	"github.com/dripbook/dripbook/relay"
	"github.com/dripbook/dripbook/testenv"
)

// minSupported is the share of email clients, by mailpit's HTML check over
// the caniemail data, that must support every email's HTML.
const minSupported = 90.0

// Every kind of email dripbook sends goes through a real mailpit over SMTP,
// and mailpit's HTML check rates each one at least minSupported; each
// carries Auto-Submitted, lessons a List-Id, subjects stay short and no URL
// in a text part runs into punctuation.
func TestEveryEmailWorksInTheCommonClients(t *testing.T) {
	t.Parallel()
	mp := testenv.StartMailpit(t)

	const base = "https://coach.example.test"
	c, err := course.Load(course.Default())
	require.NoError(t, err)
	r, err := emails.NewRenderer(c, emails.Site{BaseURL: base, CompanyAddress: "Canyon Coaching, 1 Example Street, Testville", CoachName: "Jordan Avery"})
	require.NoError(t, err)

	type sent struct {
		kind   string
		course bool
	}
	var msgs []*message.Message
	want := map[string]sent{}
	add := func(kind string, e message.Content, err error, course bool, headers map[string]string) {
		t.Helper()
		require.NoError(t, err, kind)
		id := strings.ReplaceAll(kind, " ", "-") + "@example.test"
		msgs = append(msgs, &message.Message{
			From: "Jordan Avery <jordan@example.test>", To: "sam@example.com", ToName: "Samantha Okonkwo-Delacroix",
			Subject: e.Subject, Text: e.Text, HTML: e.HTML, MessageID: id, Headers: headers,
		})
		want["<"+id+">"] = sent{kind, course}
	}

	vars := course.Vars{
		FirstName:      "Samantha",
		ConfirmURL:     base + "/confirm/tok",
		UnsubscribeURL: base + "/unsubscribe/tok",
		ScorecardURL:   base + "/scorecard/tok",
	}
	e, err := r.Confirmation(vars)
	add("confirmation", e, err, false, nil)
	for _, l := range c.Lessons {
		vars.BookingURL = base + "/book/tok-" + l.Slug
		e, err := r.Lesson(l.Slug, vars)
		add("lesson "+l.Slug, e, err, true, message.CourseHeaders(c.Title, "example.test", vars.UnsubscribeURL))
	}

	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	start := time.Date(2026, 11, 10, 19, 30, 0, 0, time.UTC)
	n := booking.Notice{
		CoachName: "Jordan Avery", SubscriberName: "Samantha Okonkwo-Delacroix", SubscriberEmail: "sam@example.com",
		Start: start, End: start.Add(30 * time.Minute), SubscriberTZ: ny, CoachTZ: berlin,
		ManageURL: base + "/bookings/tok", CancelURL: base + "/bookings/tok/cancel",
		RescheduleURL: base + "/bookings/tok/reschedule", BookAgainURL: base + "/book/tok",
		InviteURL:  base + "/bookings/tok/invite.ics",
		GoogleURL:  "https://calendar.google.com/calendar/render?action=TEMPLATE&text=Discovery+call",
		OutlookURL: "https://outlook.live.com/calendar/0/deeplink/compose?rru=addevent&subject=Discovery+call",
		Place:      booking.Place{URL: "https://meet.example.org/jordan", Text: "Or call +1 555 0100"},
		Answers: []booking.QA{
			{Question: "What role do you want next?", Answer: "Director of Product, within a year."},
			{Question: "What gap do you most want to close?", Answer: "Influence with the exec team."},
		},
		SubscribedAt:   start.Add(-10 * 24 * time.Hour),
		LessonsSent:    []string{"Welcome", "Why strong senior PMs stall", "Step 1: find your gaps"},
		LessonsClicked: []string{"Step 1: find your gaps"},
		SourceLesson:   "Step 1: find your gaps",
	}
	e, err = r.BookingConfirmation(n)
	add("booking confirmation", e, err, false, nil)
	e, err = r.BookingReminder(n, 24*time.Hour)
	add("booking reminder", e, err, false, nil)
	e, err = r.BookingReminder(n, 90*time.Minute)
	add("booking reminder soon", e, err, false, nil)
	e, err = r.BookingCancelled(n)
	add("booking cancelled", e, err, false, nil)
	e, err = r.CoachBrief(n, booking.EventBooked)
	add("coach brief booked", e, err, false, map[string]string{"Reply-To": n.SubscriberEmail})
	e, err = r.CoachBrief(n, booking.EventCancelled)
	add("coach brief cancelled", e, err, false, map[string]string{"Reply-To": n.SubscriberEmail})
	moved := n
	moved.Rescheduled = true
	e, err = r.BookingConfirmation(moved)
	add("booking rescheduled", e, err, false, nil)
	e, err = r.CoachBrief(moved, booking.EventRescheduled)
	add("coach brief rescheduled", e, err, false, map[string]string{"Reply-To": n.SubscriberEmail})

	opts, err := relay.ParseURL("smtp://" + mp.SMTP + "?tls=none")
	require.NoError(t, err)
	sender, err := relay.NewSender(opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = sender.Close() })
	for _, m := range msgs {
		require.NoError(t, sender.Send(context.Background(), m), m.MessageID)
	}

	var got []testenv.MailpitMessage
	testenv.Wait(t, 10*time.Second, "mailpit to hold every email", func() error {
		got = mp.Messages(t)
		if len(got) != len(msgs) {
			return fmt.Errorf("mailpit holds %d emails, want %d", len(got), len(msgs))
		}
		return nil
	})
	for _, sum := range got {
		s, ok := want["<"+strings.Trim(sum.MessageID, "<>")+">"]
		require.True(t, ok, "mailpit holds an email that was not sent: %q", sum.MessageID)
		t.Run(s.kind, func(t *testing.T) {
			check := mp.HTMLCheck(t, sum.ID)
			t.Logf("%s: %.1f%% of clients support its HTML (%d nodes)", s.kind, check.Total.Supported, check.Total.Nodes)
			if check.Total.Supported < minSupported {
				for _, w := range check.Warnings {
					if w.Score.Found > 0 && w.Score.Supported < 100 {
						t.Logf("%s: found %d, %.0f%% partial, %.0f%% unsupported", w.Slug, w.Score.Found, w.Score.Partial, w.Score.Unsupported)
					}
				}
				t.Errorf("%s: %.1f%% of clients support its HTML, want at least %.0f%%", s.kind, check.Total.Supported, minSupported)
			}

			h := mp.Headers(t, sum.ID)
			require.Equal(t, message.AutoSubmitted, h.Get("Auto-Submitted"))
			if s.course {
				require.Equal(t, message.ListID(c.Title, "example.test"), h.Get("List-Id"))
				require.NotEmpty(t, h.Get("List-Unsubscribe"))
			}

			require.Less(t, utf8.RuneCountInString(sum.Subject), 60, "subject %q", sum.Subject)

			full := mp.Message(t, sum.ID)
			require.NotEmpty(t, full.Text)
			for _, bad := range urlThenPunctuation(full.Text) {
				t.Errorf("text part: a URL runs into punctuation: %q", bad)
			}
		})
	}
}

// urlInText is a URL as a reader's client finds it in plain text: up to the
// next space or RFC 3986 delimiter.
var urlInText = regexp.MustCompile(`https?://[^\s<>"]+`)

// urlThenPunctuation returns the URLs in text that end in punctuation a
// client may or may not take as part of the link.
func urlThenPunctuation(text string) []string {
	var bad []string
	for _, u := range urlInText.FindAllString(text, -1) {
		if strings.ContainsAny(u[len(u)-1:], ".,;:!?)]'") {
			bad = append(bad, u)
		}
	}
	return bad
}

func TestURLThenPunctuation(t *testing.T) {
	t.Parallel()
	require.Equal(t, []string{"https://a.test/x.", "https://a.test/y)"},
		urlThenPunctuation("Go to https://a.test/x. Or (https://a.test/y) or <https://a.test/z>.\nBook: https://a.test/w\n"))
}

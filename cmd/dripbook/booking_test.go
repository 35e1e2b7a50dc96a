package main

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/message"
	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/storage"
	"github.com/dripbook/dripbook/testenv"
)

// TestBookFromTheLastLessonInABrowser follows the whole funnel: signup,
// confirmation, the course, the booking link in its last lesson, the
// booking page in a real browser, and the emails a booking sends.
func TestBookFromTheLastLessonInABrowser(t *testing.T) {
	t.Parallel()
	ctx := testenv.Browser(t, chromedp.Env("TZ=UTC"))
	dir := t.TempDir()
	base, smtp := startDripbook(t, env{
		"DATA_DIR": dir, "DATABASE_URL": "sqlite://" + filepath.Join(dir, "dripbook.db"),
		"COACH_EMAIL": "coach@example.com", "BOOKING_HOURS": "Mon-Sun 00:00-24:00",
		"BOOKING_NOTICE": "1h", "BOOKING_TZ": "UTC", "COURSE_DAY": "300ms",
		"MEETING_URL": meetingURL, "MEETING_LOCATION": "Dial-in +1 555 0100",
	})
	addr := "grace@example.com"

	resp, err := http.Post(base+"/api/v1/subscriptions", "application/json",
		strings.NewReader(`{"email":"`+addr+`","name":"Grace","timezone":"UTC"}`))
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusAccepted, resp.StatusCode)

	confirm := testenv.WaitMail(t, smtp, addr, 1, mailTimeout)[0]
	link := regexp.MustCompile(regexp.QuoteMeta(base) + `/confirm/\S+`).FindString(confirm.Text)
	require.NotEmpty(t, link, confirm.Text)
	confirmByButton(t, link)

	// The lesson that sells the call carries the personal booking link.
	bookLink := regexp.MustCompile(regexp.QuoteMeta(base) + `/book/[A-Za-z0-9._-]+\?from=book-your-discovery-call`)
	var book string
	testenv.Wait(t, mailTimeout, "a lesson with a booking link", func() error {
		got := testenv.Mail(t, smtp, addr)
		for _, m := range got {
			if book = bookLink.FindString(m.Text); book != "" {
				return nil
			}
		}
		return fmt.Errorf("none among %q", testenv.Subjects(got))
	})

	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(book),
		chromedp.WaitVisible(chromedp.CSS(`input[name="start"]`)),
	))
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	require.NoError(t, err)
	require.Contains(t, text, addr, "the page knows who is booking")
	start, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`input[name="start"]`)))
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`input[name="start"]`)),
		chromedp.SendKeys(chromedp.CSS("#role"), "Senior PM at Acme"),
		chromedp.SendKeys(chromedp.CSS("#gap"), "Leading through others"),
		chromedp.SendKeys(chromedp.CSS("#notes"), "Mornings suit me"),
		chromedp.Click(chromedp.CSS(`form.booking button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.Search(`//strong[contains(., "You're booked")]`)),
	))

	b := activeBooking(t, filepath.Join(dir, "dripbook.db"), addr)
	require.Equal(t, start, b.Start.UTC().Format(time.RFC3339))
	require.Equal(t, "book-your-discovery-call", b.SourceLesson)
	require.Contains(t, b.Answers, "Leading through others")

	// The subscriber's confirmation carries the invitation; the coach gets
	// the brief.
	var invite *message.Parsed
	testenv.Wait(t, mailTimeout, "an invitation to "+addr, func() error {
		got := testenv.Mail(t, smtp, addr)
		for _, m := range got {
			if m.CalendarMethod == "REQUEST" {
				invite = m
				return nil
			}
		}
		return fmt.Errorf("none among %q", testenv.Subjects(got))
	})
	require.Contains(t, invite.Calendar, "METHOD:REQUEST")
	require.Contains(t, invite.Calendar, "UID:"+b.UID)
	require.Contains(t, invite.Text, "Where: "+meetingURL)
	brief := testenv.WaitMail(t, smtp, "coach@example.com", 1, mailTimeout)[0]
	require.Contains(t, brief.Text, "Leading through others")
	require.Equal(t, b.UID, inviteUID(t, invite, "REQUEST"))
	require.Equal(t, b.UID, inviteUID(t, brief, "REQUEST"), "the coach's copy is the same event")

	// Cancelling from the confirmation's link updates both calendars.
	cancel := regexp.MustCompile(regexp.QuoteMeta(base) + `/booking/[A-Za-z0-9._-]+/cancel`).FindString(invite.Text)
	require.NotEmpty(t, cancel, invite.Text)
	resp, err = http.PostForm(cancel, nil)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusOK, resp.StatusCode)
	for _, to := range []string{addr, "coach@example.com"} {
		var got *message.Parsed
		testenv.Wait(t, mailTimeout, "a cancellation to "+to, func() error {
			for _, m := range testenv.Mail(t, smtp, to) {
				if m.CalendarMethod == "CANCEL" {
					got = m
					return nil
				}
			}
			return fmt.Errorf("none among %q", testenv.Subjects(testenv.Mail(t, smtp, to)))
		})
		require.Equal(t, b.UID, inviteUID(t, got, "CANCEL"), to)
	}
}

const meetingURL = "https://meet.example.com/coach"

// inviteUID parses a message's invitation, checks its method, sequence
// and LOCATION, and returns its UID.
func inviteUID(t *testing.T, m *message.Parsed, method string) string {
	t.Helper()
	cal, err := ics.ParseCalendar(strings.NewReader(m.Calendar))
	require.NoError(t, err, m.Subject)
	require.Equal(t, method, m.CalendarMethod, m.Subject)
	require.Len(t, cal.Events(), 1)
	ev := cal.Events()[0]
	require.NotNil(t, ev.GetProperty(ics.ComponentPropertyLocation), "no LOCATION in %q", m.Subject)
	require.Equal(t, meetingURL, ev.GetProperty(ics.ComponentPropertyLocation).Value)
	seq := "0"
	if method == "CANCEL" {
		seq = "1"
	}
	require.Equal(t, seq, ev.GetProperty(ics.ComponentPropertySequence).Value, "a change raises the sequence")
	return ev.Id()
}

// activeBooking reads the call addr has booked from the SQLite file db.
// readSubscriber opens the SQLite file db and returns the store and the
// subscriber at addr; the store closes when the test ends.
func readSubscriber(t *testing.T, db, addr string) (*storage.Store, models.Subscriber) {
	t.Helper()
	store, err := storage.Open("sqlite://" + db)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, store.Close()) })
	sub, err := store.SubscriberByEmail(context.Background(), addr)
	require.NoError(t, err)
	return store, sub
}

// subscriberConsents reads the consent log of addr from the SQLite file db.
func subscriberConsents(t *testing.T, db, addr string) []models.Consent {
	t.Helper()
	store, sub := readSubscriber(t, db, addr)
	consents, err := store.Consents(context.Background(), sub.ID)
	require.NoError(t, err)
	return consents
}

func activeBooking(t *testing.T, db, addr string) models.Booking {
	t.Helper()
	store, sub := readSubscriber(t, db, addr)
	b, err := store.ActiveBooking(context.Background(), sub.ID)
	require.NoError(t, err)
	return b
}

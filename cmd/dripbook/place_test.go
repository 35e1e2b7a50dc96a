package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/message"
	"github.com/dripbook/dripbook/smtptest"
	"github.com/dripbook/dripbook/testenv"
)

// TestConsoleGivesOneCallItsOwnPlace books a call through the API, then the
// coach, signed in to the console, gives it its own video link: the
// subscriber gets a "Where we'll meet" email, and both invites (theirs and
// the coach's copy) carry the new LOCATION under the same UID with a higher
// SEQUENCE.
func TestConsoleGivesOneCallItsOwnPlace(t *testing.T) {
	t.Parallel()
	const password = "a console password for the test"
	base, smtp := startDripbook(t, env{
		"COACH_EMAIL": "coach@example.com", "BOOKING_HOURS": "Mon-Sun 00:00-24:00",
		"BOOKING_NOTICE": "1h", "BOOKING_TZ": "UTC", "MEETING_URL": meetingURL, "ADMIN_PASSWORD": password,
	})
	addr := "hedy@example.com"
	resp, err := http.Post(base+"/api/v1/subscriptions", "application/json",
		strings.NewReader(`{"email":"`+addr+`","name":"Hedy","timezone":"UTC"}`))
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	confirm := testenv.WaitMail(t, smtp, addr, 1, mailTimeout)[0]
	confirmByButton(t, regexp.MustCompile(regexp.QuoteMeta(base)+`/confirm/\S+`).FindString(confirm.Text))

	bookLink := regexp.MustCompile(regexp.QuoteMeta(base) + `/book/([A-Za-z0-9._-]+)`)
	var tok string
	testenv.Wait(t, mailTimeout, "a lesson with a booking link", func() error {
		for _, m := range testenv.Mail(t, smtp, addr) {
			if l := bookLink.FindStringSubmatch(m.Text); l != nil {
				tok = l[1]
				return nil
			}
		}
		return fmt.Errorf("none among %q", testenv.Subjects(testenv.Mail(t, smtp, addr)))
	})
	now := time.Now().UTC()
	slots := struct{ Slots []struct{ Start string } }{}
	resp, err = http.Get(base + "/api/v1/slots?from=" + now.Format(time.RFC3339) + "&to=" + now.Add(72*time.Hour).Format(time.RFC3339))
	require.NoError(t, err)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&slots))
	require.NoError(t, resp.Body.Close())
	require.NotEmpty(t, slots.Slots)
	resp, err = http.Post(base+"/api/v1/bookings", "application/json", strings.NewReader(
		`{"token":"`+tok+`","start":"`+slots.Slots[0].Start+`","answers":{"role":"Senior PM","gap":"Strategy"}}`))
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	booked := waitInvite(t, smtp, addr, 0)
	waitInvite(t, smtp, "coach@example.com", 0)

	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	client := &http.Client{Jar: jar}
	csrf := regexp.MustCompile(`name="_csrf" value="([^"]+)"`)
	login := csrf.FindStringSubmatch(get(t, client, base+"/admin/login"))
	require.NotNil(t, login)
	resp, err = client.PostForm(base+"/admin/login", url.Values{"password": {password}, "_csrf": {login[1]}})
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	calls := get(t, client, base+"/admin/bookings")
	action := regexp.MustCompile(`action="(/admin/bookings/\d+/place)"`).FindStringSubmatch(calls)
	require.NotNil(t, action, calls)
	room := "https://video.example.com/hedy-room"
	// The console takes a new place once the booking's own emails are all
	// out (the brief is marked sent just after it arrives).
	testenv.Wait(t, mailTimeout, "the console to take the place", func() error {
		resp, err := client.PostForm(base+action[1], url.Values{"place": {room}, "_csrf": {csrf.FindStringSubmatch(calls)[1]}})
		if err != nil {
			return err
		}
		if err := resp.Body.Close(); err != nil {
			return err
		}
		if resp.StatusCode == http.StatusConflict {
			return fmt.Errorf("the booking's emails are still going out")
		}
		require.Equal(t, http.StatusOK, resp.StatusCode, "back on the calls page")
		return nil
	})

	update := waitInvite(t, smtp, addr, 1)
	require.True(t, strings.HasPrefix(update.msg.Subject, "Where we'll meet: "), update.msg.Subject)
	require.Contains(t, update.msg.Text, "Where: "+room)
	coach := waitInvite(t, smtp, "coach@example.com", 1)
	for _, got := range []invite{update, coach} {
		require.Equal(t, booked.ev.Id(), got.ev.Id(), "the same event, updated")
		require.Equal(t, room, got.ev.GetProperty(ics.ComponentPropertyLocation).Value)
		require.Equal(t, room, got.ev.GetProperty(ics.ComponentPropertyUrl).Value)
	}
}

// invite is one email's calendar event.
type invite struct {
	msg *message.Parsed
	ev  *ics.VEvent
}

// waitInvite waits for the METHOD:REQUEST invite to addr whose SEQUENCE is
// seq.
func waitInvite(t *testing.T, smtp *smtptest.Server, addr string, seq int) invite {
	t.Helper()
	var got invite
	testenv.Wait(t, mailTimeout, fmt.Sprintf("an invite with SEQUENCE %d to %s", seq, addr), func() error {
		for _, m := range testenv.Mail(t, smtp, addr) {
			if m.CalendarMethod != "REQUEST" {
				continue
			}
			cal, err := ics.ParseCalendar(strings.NewReader(m.Calendar))
			if err != nil {
				return err
			}
			if ev := cal.Events()[0]; ev.GetProperty(ics.ComponentPropertySequence).Value == fmt.Sprint(seq) {
				got = invite{m, ev}
				return nil
			}
		}
		return fmt.Errorf("none among %q", testenv.Subjects(testenv.Mail(t, smtp, addr)))
	})
	return got
}

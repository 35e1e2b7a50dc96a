package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/storage"
	"github.com/dripbook/dripbook/testenv"
)

// The whole program with Cal.com at BOOKING_URL: the lesson's booking link
// sends the subscriber to Cal.com prefilled and with a signed reference;
// Cal.com's webhook of the booking, bringing the reference back, stops the
// sales lesson and briefs the coach, and dripbook sends the subscriber no
// confirmation of its own (Cal.com does).
func TestCalcomBookingStopsTheSalesLessons(t *testing.T) {
	t.Parallel()
	const secret = "the program's Cal.com secret"
	course := t.TempDir()
	for name, text := range map[string]string{
		"course.yaml":  "title: T\n",
		"confirm.md":   "---\nsubject: Confirm\npreheader: p\n---\n[[Confirm]]({{ confirm_url }})\n",
		"01-hello.md":  "---\nslug: hello\nday: 0\nsubject: Hello\npreheader: p\n---\n[[Book a call]]({{ booking_url }})\n",
		"02-offer.md":  "---\nslug: offer\nday: 1\nsubject: Offer\npreheader: p\nstop_when_booked: true\n---\n[[Book a call]]({{ booking_url }})\n",
		"03-thanks.md": "---\nslug: thanks\nday: 2\nsubject: Thanks\npreheader: p\n---\nThanks\n",
	} {
		require.NoError(t, os.WriteFile(filepath.Join(course, name), []byte(text), 0o644))
	}
	data := t.TempDir()
	dbURL := "sqlite://" + filepath.Join(data, "dripbook.db")
	base, smtp := startDripbook(t, env{
		"DATA_DIR": data, "DATABASE_URL": dbURL, "COURSE_DIR": course, "COURSE_DAY": "24h",
		"BOOKING_URL": "https://cal.com/jordan/discovery", "CALCOM_WEBHOOK_SECRET": secret,
		"COACH_EMAIL": "coach@example.com",
	})
	addr := "iris@example.com"
	resp, err := http.PostForm(base+"/subscribe", url.Values{"email": {addr}, "name": {"Iris"}})
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	confirm := testenv.WaitMail(t, smtp, addr, 1, mailTimeout)[0]
	confirmByButton(t, regexp.MustCompile(regexp.QuoteMeta(base)+`/confirm/\S+`).FindString(confirm.Text))
	hello := testenv.WaitMail(t, smtp, addr, 2, mailTimeout)[1]
	book := regexp.MustCompile(regexp.QuoteMeta(base) + `/book/[A-Za-z0-9._-]+\?from=hello`).FindString(hello.Text)
	require.NotEmpty(t, book, hello.Text)

	store, err := storage.Open(dbURL)
	require.NoError(t, err)
	defer func() { require.NoError(t, store.Close()) }()
	ctx := context.Background()
	sub, err := store.SubscriberByEmail(ctx, addr)
	require.NoError(t, err)
	nextIs := func(slug string) func() error {
		return func() error {
			enr, err := store.Enrollment(ctx, sub.ID)
			if err != nil || enr.NextStep != slug {
				return fmt.Errorf("enrollment %+v, %v", enr, err)
			}
			return nil
		}
	}
	testenv.Wait(t, mailTimeout, "the offer next, before the call", nextIs("offer"))

	// The booking link goes to Cal.com, prefilled and signed.
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err = noRedirect.Get(book)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusFound, resp.StatusCode)
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	require.Equal(t, "cal.com", loc.Host)
	require.Equal(t, "Iris", loc.Query().Get("name"))
	require.Equal(t, addr, loc.Query().Get("email"))
	ref := loc.Query().Get("metadata[dripbook_ref]")
	require.NotEmpty(t, ref)

	// Cal.com's webhook of the booking, made with another address.
	raw, err := os.ReadFile(filepath.Join("..", "..", "api", "testdata", "calcom_booking_created.json"))
	require.NoError(t, err)
	body := strings.NewReplacer(
		"2023-05-24T09:30:00.538Z", time.Now().UTC().Format("2006-01-02T15:04:05.000Z"),
		`"metadata": {}`, `"metadata": {"dripbook_ref": "`+ref+`"}`,
		`"label": "additional_notes"`, `"label": "Anything you'd like to share?", "value": "Aiming for a director role"`,
	).Replace(string(raw))
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(body))
	req, err := http.NewRequest(http.MethodPost, base+"/hooks/calcom", strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Cal-Signature-256", hex.EncodeToString(mac.Sum(nil)))
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusOK, resp.StatusCode)

	b, err := store.ActiveBooking(ctx, sub.ID)
	require.NoError(t, err)
	require.Equal(t, models.SchedulerCalcom, b.Scheduler)
	testenv.Wait(t, mailTimeout, "the offer skipped, once booked", nextIs("thanks"))
	brief := testenv.WaitMail(t, smtp, "coach@example.com", 1, mailTimeout)[0]
	require.Contains(t, brief.Text, addr)
	require.Regexp(t, `Anything you'd like to share\?\s+Aiming for a director role`, brief.Text, "the brief shows the scheduler form's answers")
	require.NotContains(t, brief.Text, "Your current role", "not the course's own questions, which the scheduler never asked")
	require.Len(t, testenv.Mail(t, smtp, addr), 2, "the brief went out after the subscriber's notice would have: there is none")
}

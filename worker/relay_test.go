package worker_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/booking"
	"github.com/dripbook/dripbook/course"
	"github.com/dripbook/dripbook/message"
	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/relay"
	"github.com/dripbook/dripbook/smtptest"
	"github.com/dripbook/dripbook/storage"
	"github.com/dripbook/dripbook/testenv"
)

// useSender restarts the harness with a sender to its SMTP server built
// with change, as a restart with other SMTP settings would.
func (h *harness) useSender(change func(*relay.Options)) *relay.Sender {
	h.t.Helper()
	opts, err := relay.ParseURL(h.smtp.URL())
	require.NoError(h.t, err)
	opts.PoolSize, opts.Timeout, opts.Log = 2, 5*time.Second, discardLogger()
	change(&opts)
	s, err := relay.NewSender(opts)
	require.NoError(h.t, err)
	h.t.Cleanup(func() { _ = s.Close() })
	h.stop()
	h.sender = s
	h.useCourse(course.Default())
	h.start()
	return s
}

// countLines returns how many lines of log hold all of parts.
func countLines(log *testenv.Buffer, parts ...string) int {
	n := 0
	for _, line := range strings.Split(log.String(), "\n") {
		all := line != ""
		for _, p := range parts {
			all = all && strings.Contains(line, p)
		}
		if all {
			n++
		}
	}
	return n
}

// waitCourse waits until every address has the confirmation and the whole
// course, and the database has every enrollment finished.
func (h *harness) waitCourse(addrs []string, timeout time.Duration) {
	h.t.Helper()
	ctx := context.Background()
	for _, addr := range addrs {
		h.waitMail(addr, 1+len(h.course.Lessons), timeout)
	}
	require.Eventually(h.t, func() bool {
		for _, addr := range addrs {
			enr, err := h.store.Enrollment(ctx, subscriberID(h.t, h, addr))
			if err != nil || enr.Status != models.EnrollmentFinished {
				return false
			}
		}
		return true
	}, timeout, 20*time.Millisecond, "every course finished")
}

// requireEachLessonOnce checks that addr got its confirmation and then each
// lesson once, in course order, and that every delivery of theirs was sent.
func (h *harness) requireEachLessonOnce(addr string) []models.Delivery {
	h.t.Helper()
	id := subscriberID(h.t, h, addr)
	got := h.mailTo(addr)
	require.Len(h.t, got, 1+len(h.course.Lessons), "%s: %v", addr, testenv.Subjects(got))
	for i, p := range got[1:] {
		require.Equal(h.t, fmt.Sprintf("<lesson.%d.%s@example.test>", id, h.course.Lessons[i].Slug), p.Header.Get("Message-Id"))
	}
	sub, err := h.store.Subscriber(context.Background(), id)
	require.NoError(h.t, err)
	require.Equal(h.t, models.StatusActive, sub.Status, addr)
	ds, err := h.store.Deliveries(context.Background(), id)
	require.NoError(h.t, err)
	for _, d := range ds {
		require.Equal(h.t, models.DeliverySent, d.State, "%s %s: %s", addr, d.Step, d.LastError)
	}
	return ds
}

// signUp subscribes each address and clicks each confirmation link; before
// the clicks, between runs before the first lesson is due.
func (h *harness) signUp(addrs []string, between func()) {
	h.t.Helper()
	for _, addr := range addrs {
		h.subscribe(addr, "Olu Ade")
	}
	confirmations := make([]*message.Parsed, len(addrs))
	for i, addr := range addrs {
		confirmations[i] = h.waitMail(addr, 1, 10*time.Second)[0]
	}
	between()
	for _, p := range confirmations {
		h.confirmFromMail(p)
	}
}

// A relay that answers 554 to every RCPT for a while is the relay's
// problem: nobody bounces, sending pauses and resumes by itself, one error
// is logged, and afterwards every lesson arrives exactly once.
func TestRelayRefusingEveryRecipientBouncesNobody(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testenv.Redis(t))
	logs := &testenv.Buffer{}
	s := h.useSender(func(o *relay.Options) {
		o.Breaker.Pause = 400 * time.Millisecond
		o.Log = slog.New(slog.NewTextHandler(logs, nil))
	})
	addrs := make([]string, 6)
	for i := range addrs {
		addrs[i] = fmt.Sprintf("outage%d@example.com", i)
	}
	start := time.Now()
	h.signUp(addrs, func() {
		h.smtp.RefuseEveryRecipient(smtptest.Reply{Code: 554, Text: "no valid recipients"})
	})

	// The relay stays down until sending has paused and three probes, one
	// after each pause, have failed too: a couple of seconds.
	require.Eventually(t, func() bool { paused, _ := s.Paused(); return paused }, 20*time.Second, 10*time.Millisecond)
	pausedAt := h.smtp.RefusedRecipients()
	require.Eventually(t, func() bool { return countLines(logs, "sending paused again") >= 3 }, 20*time.Second, 10*time.Millisecond)
	retried := retriedSoFar(t, h, addrs)
	h.smtp.AcceptEveryRecipient()
	outage, refused, probes := time.Since(start), h.smtp.RefusedRecipients(), countLines(logs, "sending paused again")
	require.LessOrEqual(t, retried, refused, "only a send the relay refused uses up a retry; waiting out a pause does not")
	// After the pause began only the probes reach the relay, and the sends
	// that were already in flight (at most the pool of 2).
	require.LessOrEqual(t, refused-pausedAt, probes+2)

	h.waitCourse(addrs, 60*time.Second)
	maxAttempts, attempts, deliveries := 0, 0, 0
	for _, addr := range addrs {
		for _, d := range h.requireEachLessonOnce(addr) {
			maxAttempts = max(maxAttempts, d.Attempts)
			attempts += d.Attempts
			deliveries++
		}
	}
	require.Equal(t, deliveries+refused, attempts, "an attempt is a send the relay answered: a paused one is none")
	paused, _ := s.Paused()
	require.False(t, paused, "sending resumed by itself")
	require.Equal(t, 1, countLines(logs, "level=ERROR"), "one error for the outage:\n%s", logs.String())
	require.Equal(t, 1, countLines(logs, "level=ERROR", "sending paused"))
	require.Equal(t, 1, countLines(logs, "sending resumed"))
	t.Logf("outage %s: %d RCPTs refused (%d before the pause, %d failed probes), %d retries used, at most %d attempts a delivery",
		outage.Round(time.Millisecond), refused, pausedAt, probes, retried, maxAttempts)
}

// retriedSoFar adds up the retries used by the tasks of each address's
// first lesson, the ones the outage met.
func retriedSoFar(t *testing.T, h *harness, addrs []string) int {
	t.Helper()
	ins := asynq.NewInspectorFromRedisClient(h.rdb)
	n := 0
	for _, addr := range addrs {
		info, err := ins.GetTaskInfo(h.name, lessonTask(subscriberID(t, h, addr), h.course.Lessons[0].Slug))
		require.NoError(t, err)
		n += info.Retried
	}
	return n
}

// "550 5.1.1" is about one address: that subscriber bounces, the others
// get their mail, sending never pauses; undoing the bounce continues their
// course where it stopped.
func TestUnknownUserBouncesOnlyThemAndTheBounceCanBeUndone(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testenv.Redis(t))
	logs := &testenv.Buffer{}
	s := h.useSender(func(o *relay.Options) { o.Log = slog.New(slog.NewTextHandler(logs, nil)) })
	ctx := context.Background()
	gone := "gone@example.com"
	addrs := []string{"good0@example.com", "good1@example.com", "good2@example.com", gone}
	h.signUp(addrs, func() {
		h.smtp.RefuseRecipient(gone, smtptest.Reply{Code: 550, Enhanced: "5.1.1", Text: "user unknown"})
	})
	id := subscriberID(t, h, gone)
	require.Eventually(t, func() bool {
		sub, err := h.store.Subscriber(ctx, id)
		return err == nil && sub.Status == models.StatusBounced
	}, 10*time.Second, 20*time.Millisecond)

	h.waitCourse(addrs[:3], 60*time.Second)
	for _, addr := range addrs[:3] {
		h.requireEachLessonOnce(addr)
	}
	require.Len(t, h.mailTo(gone), 1, "only the confirmation, before the address went")
	first := models.DeliveryKey{SubscriberID: id, Kind: models.KindLesson, Step: h.course.Lessons[0].Slug}
	d, err := h.store.Delivery(ctx, first)
	require.NoError(t, err)
	require.Equal(t, models.DeliveryFailed, d.State)
	require.Equal(t, 1, d.Attempts, "a refused address is not retried")
	require.Contains(t, d.LastError, "5.1.1")
	enr, err := h.store.Enrollment(ctx, id)
	require.NoError(t, err)
	require.Equal(t, models.EnrollmentStopped, enr.Status)
	paused, _ := s.Paused()
	require.False(t, paused)
	require.Zero(t, countLines(logs, "level=ERROR"))

	// The address was fine after all: undo the bounce.
	h.smtp.AcceptRecipient(gone)
	require.NoError(t, h.engine.RestoreBounced(ctx, id))
	h.waitCourse([]string{gone}, 60*time.Second)
	h.requireEachLessonOnce(gone)
}

// Every kind of email verifies with an independent DKIM verifier, and the
// lessons' signature covers both unsubscribe fields.
func TestEveryKindOfEmailVerifiesWithDKIM(t *testing.T) {
	t.Parallel()
	h := bookingHarness(t)
	keyPEM, record := smtptest.DKIMKey(t)
	h.useSender(func(o *relay.Options) {
		o.DKIM = &relay.DKIM{Domain: "example.test", Selector: "dripbook", PrivateKeyPEM: keyPEM}
	})
	ctx := context.Background()
	addr := "signed@example.com"
	h.signUp([]string{addr}, func() {})
	h.waitMail(addr, 2, 10*time.Second) // the first lesson

	svc := booking.NewService(booking.Deps{Store: storage.BookingStore{Store: h.store}, Rules: allDay(t), Notifier: h.queue, Replanner: h.engine, Log: discardLogger()})
	slots, err := svc.Slots(ctx, time.Now(), time.Now().Add(24*time.Hour))
	require.NoError(t, err)
	require.NotEmpty(t, slots)
	_, _, err = svc.Book(ctx, booking.Request{SubscriberID: subscriberID(t, h, addr), Start: slots[0].Start, Timezone: "UTC"})
	require.NoError(t, err)
	h.waitMail(coachAddr, 1, 10*time.Second)
	require.Eventually(t, func() bool {
		for _, p := range h.mailTo(addr) {
			if p.CalendarMethod == "REQUEST" {
				return true
			}
		}
		return false
	}, 10*time.Second, 20*time.Millisecond, "the invite arrives")

	kinds := map[string]int{}
	for _, r := range h.smtp.Messages() {
		keys := smtptest.VerifyDKIM(t, r.Data, "example.test", "dripbook", record)
		p, err := message.ParseMessage(r.Data)
		require.NoError(t, err)
		require.Subset(t, keys, []string{"From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type"})
		id := p.Header.Get("Message-Id")
		kind, _, _ := strings.Cut(strings.TrimPrefix(id, "<"), ".")
		kinds[kind]++
		require.Equal(t, "auto-generated", p.Header.Get("Auto-Submitted"), id)
		require.Contains(t, keys, "Auto-Submitted", id)
		if p.Header.Get("List-Unsubscribe") != "" {
			require.Subset(t, keys, []string{"List-Id", "List-Unsubscribe", "List-Unsubscribe-Post"}, id)
		}
		if kind == "lesson" {
			require.NotEmpty(t, p.Header.Get("List-Unsubscribe"), id)
			require.NotEmpty(t, p.Header.Get("List-Id"), id)
		}
		if kind == "booking" {
			require.Equal(t, "REQUEST", p.CalendarMethod, "the invite with its calendar")
		}
	}
	for _, kind := range []string{"confirm", "lesson", "booking", "brief"} {
		require.Positive(t, kinds[kind], "a %s email was checked: %v", kind, kinds)
	}
}

func subscriberID(t *testing.T, h *harness, addr string) int64 {
	t.Helper()
	sub, err := h.store.SubscriberByEmail(context.Background(), addr)
	require.NoError(t, err)
	return sub.ID
}

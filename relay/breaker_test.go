package relay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/message"
	"github.com/dripbook/dripbook/smtptest"
)

// clock is a time the test moves by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// records keeps every log record, to count what an outage logs.
type records struct {
	mu   sync.Mutex
	list []slog.Record
}

func (r *records) Enabled(context.Context, slog.Level) bool { return true }
func (r *records) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *records) WithGroup(string) slog.Handler            { return r }
func (r *records) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.list = append(r.list, rec)
	return nil
}

func (r *records) at(level slog.Level) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, rec := range r.list {
		if rec.Level == level {
			out = append(out, rec.Message)
		}
	}
	return out
}

var testBreaker = BreakerOptions{Recipients: 5, Window: 30 * time.Second, Pause: time.Minute}

func mustBreaker(t *testing.T) (*breaker, *clock, *records) {
	t.Helper()
	c, logs := newClock(), &records{}
	return newBreaker(testBreaker, c.Now, slog.New(logs)), c, logs
}

// fail lets one send through to rcpt and reports it failed.
func fail(t *testing.T, b *breaker, rcpt string) {
	t.Helper()
	probe, err := b.allow()
	require.NoError(t, err)
	b.report(probe, rcpt, failed, errors.New("554 no"))
}

// failDifferent fails one send to each of n different recipients.
func failDifferent(t *testing.T, b *breaker, n int) {
	t.Helper()
	for i := range n {
		fail(t, b, fmt.Sprintf("r%d@example.test", i))
	}
}

func requirePausedUntil(t *testing.T, b *breaker, until time.Time) {
	t.Helper()
	_, err := b.allow()
	got, ok := message.PausedUntil(err)
	require.True(t, ok, "sending is paused: %v", err)
	require.Equal(t, until, got)
	paused, _ := b.paused()
	require.True(t, paused)
}

func TestBreakerOpensWhenDifferentRecipientsFail(t *testing.T) {
	b, c, logs := mustBreaker(t)
	for i := range 4 {
		fail(t, b, fmt.Sprintf("r%d@example.test", i))
		c.Advance(time.Second)
	}
	paused, _ := b.paused()
	require.False(t, paused, "four recipients are not enough")
	fail(t, b, "R0@example.test") // the same address again, in other case
	paused, _ = b.paused()
	require.False(t, paused, "one address failing twice counts once")

	fail(t, b, "r4@example.test")
	requirePausedUntil(t, b, c.Now().Add(time.Minute))
	require.Equal(t, []string{"relay is failing for many recipients: sending paused"}, logs.at(slog.LevelError))

	c.Advance(59 * time.Second)
	requirePausedUntil(t, b, c.Now().Add(time.Second))
	require.Len(t, logs.at(slog.LevelError), 1, "one error for the outage, not one per message")
}

func TestBreakerForgetsOldFailuresAndResetsOnSuccess(t *testing.T) {
	t.Run("outside the window", func(t *testing.T) {
		b, c, _ := mustBreaker(t)
		for i := range 10 {
			fail(t, b, fmt.Sprintf("r%d@example.test", i))
			c.Advance(8 * time.Second) // never five within 30s
		}
		paused, _ := b.paused()
		require.False(t, paused)
	})
	t.Run("a message accepted in between", func(t *testing.T) {
		b, _, _ := mustBreaker(t)
		for i := range 20 {
			if i%4 == 3 {
				probe, err := b.allow()
				require.NoError(t, err)
				b.report(probe, "good@example.test", accepted, nil)
				continue
			}
			fail(t, b, fmt.Sprintf("r%d@example.test", i))
		}
		paused, _ := b.paused()
		require.False(t, paused, "bad addresses among good ones are the addresses' problem")
	})
	t.Run("cancelled sends", func(t *testing.T) {
		b, _, _ := mustBreaker(t)
		for i := range 10 {
			probe, err := b.allow()
			require.NoError(t, err)
			b.report(probe, fmt.Sprintf("r%d@example.test", i), unknown, context.Canceled)
		}
		paused, _ := b.paused()
		require.False(t, paused, "a shutdown says nothing about the relay")
	})
}

func TestBreakerProbe(t *testing.T) {
	b, c, logs := mustBreaker(t)
	failDifferent(t, b, 5)
	c.Advance(time.Minute)

	probe, err := b.allow()
	require.NoError(t, err, "after the pause one send goes out")
	require.True(t, probe)
	requirePausedUntil(t, b, c.Now().Add(maxProbeWait))

	b.report(probe, "late@example.test", failed, errors.New("554 still no"))
	requirePausedUntil(t, b, c.Now().Add(time.Minute))
	require.Equal(t, []string{"relay still failing: sending paused again"}, logs.at(slog.LevelWarn))

	c.Advance(time.Minute)
	probe, err = b.allow()
	require.NoError(t, err)
	b.report(probe, "x@example.test", unknown, context.Canceled)
	probe, err = b.allow()
	require.NoError(t, err, "a probe that was cancelled is tried again")
	require.True(t, probe)

	b.report(probe, "x@example.test", accepted, nil)
	paused, _ := b.paused()
	require.False(t, paused, "an accepted probe resumes sending")
	require.Equal(t, []string{"relay accepts mail again: sending resumed"}, logs.at(slog.LevelInfo))
	for range 10 {
		probe, err := b.allow()
		require.NoError(t, err)
		require.False(t, probe)
	}
	require.Len(t, logs.at(slog.LevelError), 1)
}

func TestBreakerIgnoresSendsStartedBeforeThePause(t *testing.T) {
	b, c, _ := mustBreaker(t)
	early, err := b.allow()
	require.NoError(t, err)
	failDifferent(t, b, 5)
	opened := c.Now()
	c.Advance(10 * time.Second)
	b.report(early, "early@example.test", failed, errors.New("554"))
	requirePausedUntil(t, b, opened.Add(time.Minute))
}

// A relay that refuses every recipient pauses the sender: after five
// different recipients it stops talking to the relay at all, and after the
// pause one probe finds the relay well again.
func TestSMTPPausesWhileEveryRecipientIsRefused(t *testing.T) {
	srv := smtptest.Start(t)
	c, logs := newClock(), &records{}
	s := MustSender(t, srv, func(o *Options) {
		o.Breaker = testBreaker
		o.now = c.Now
		o.Log = slog.New(logs)
	})
	srv.RefuseEveryRecipient(smtptest.Reply{Code: 554, Text: "no valid recipients"})
	for i := range 5 {
		err := s.Send(t.Context(), smtptest.Message(i))
		require.Error(t, err)
		require.False(t, errors.Is(err, message.ErrPermanent), "554 bounces nobody: %v", err)
		_, paused := message.PausedUntil(err)
		require.False(t, paused)
	}
	paused, until := s.Paused()
	require.True(t, paused)
	require.Equal(t, c.Now().Add(time.Minute), until)
	for i := 5; i < 50; i++ {
		got, ok := message.PausedUntil(s.Send(t.Context(), smtptest.Message(i)))
		require.True(t, ok)
		require.Equal(t, until, got)
	}
	require.Equal(t, 5, srv.RefusedRecipients(), "nothing is tried while paused")
	require.Len(t, logs.at(slog.LevelError), 1)

	c.Advance(time.Minute)
	require.Error(t, s.Send(t.Context(), smtptest.Message(50)), "the probe finds the relay still failing")
	_, ok := message.PausedUntil(s.Send(t.Context(), smtptest.Message(51)))
	require.True(t, ok)
	require.Equal(t, 6, srv.RefusedRecipients())

	srv.AcceptEveryRecipient()
	c.Advance(time.Minute)
	require.NoError(t, s.Send(t.Context(), smtptest.Message(52)), "the probe goes through")
	paused, _ = s.Paused()
	require.False(t, paused)
	for i := 53; i < 58; i++ {
		require.NoError(t, s.Send(t.Context(), smtptest.Message(i)))
	}
	require.Len(t, srv.Messages(), 6)
	require.Len(t, logs.at(slog.LevelError), 1)
}

package drip_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/drip"
	"github.com/dripbook/dripbook/message"
)

// mailerFunc adapts a function to drip.Mailer.
type mailerFunc func(context.Context, *message.Message) error

func (f mailerFunc) Send(ctx context.Context, m *message.Message) error { return f(ctx, m) }

// observed records what an Observer is told.
type observed struct{ sent, failed []string }

func (o *observed) EmailSent(kind string, _ time.Duration) { o.sent = append(o.sent, kind) }
func (o *observed) EmailFailed(kind, reason string, _ time.Duration) {
	o.failed = append(o.failed, kind+":"+reason)
}

func TestObservedMailerLogsOneLinePerEmail(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	obs := &observed{}
	clock := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	refuse := fmt.Errorf("550 5.1.1 no such user: %w", message.ErrPermanent)
	m := drip.ObservedMailer{
		Mailer: mailerFunc(func(_ context.Context, msg *message.Message) error {
			clock = clock.Add(40 * time.Millisecond)
			if msg.To == "gone@example.com" {
				return refuse
			}
			return nil
		}),
		Observer: obs,
		Log:      slog.New(slog.NewJSONHandler(&buf, nil)),
		Attempt:  func(context.Context) int { return 2 },
		Now:      func() time.Time { return clock },
	}
	ctx := context.Background()
	require.NoError(t, m.Send(ctx, &message.Message{To: "ann@example.com", MessageID: "lesson.12.day-1@example.com"}))
	require.ErrorIs(t, m.Send(ctx, &message.Message{To: "gone@example.com", MessageID: "confirm.13.1@example.com"}), message.ErrPermanent)

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 2)
	var sent, failed map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &sent))
	require.NoError(t, json.Unmarshal([]byte(lines[1]), &failed))
	require.Equal(t, map[string]any{
		"level": "INFO", "msg": "email sent", "kind": "lesson", "subscriber_id": 12.0, "lesson": "day-1",
		"message_id": "lesson.12.day-1@example.com", "attempt": 2.0, "latency_ms": 40.0,
	}, without(sent, "time"))
	require.Equal(t, "email not sent", failed["msg"])
	require.Equal(t, drip.ReasonPermanent, failed["reason"])
	require.Equal(t, 13.0, failed["subscriber_id"])
	require.NotContains(t, buf.String(), "ann@example.com", "addresses stay out of the log")

	require.Equal(t, []string{"lesson"}, obs.sent)
	require.Equal(t, []string{"confirm:permanent"}, obs.failed)
}

func TestFailureReasons(t *testing.T) {
	t.Parallel()
	require.Equal(t, drip.ReasonPermanent, drip.FailureReason(fmt.Errorf("x: %w", message.ErrPermanent)))
	require.Equal(t, drip.ReasonUnbuildable, drip.FailureReason(fmt.Errorf("x: %w", message.ErrUnbuildable)))
	require.Equal(t, drip.ReasonPaused, drip.FailureReason(&message.PausedError{Until: time.Now().Add(time.Minute)}))
	require.Equal(t, drip.ReasonTemporary, drip.FailureReason(errors.New("421 try later")))
}

func without(m map[string]any, key string) map[string]any {
	delete(m, key)
	return m
}

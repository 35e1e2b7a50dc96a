package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"

	"github.com/dripbook/dripbook/models"
)

// TypeWebhookSend delivers one event of the webhook outbox.
const TypeWebhookSend = "webhook:send"

// WebhookPayload names the outbox event to deliver.
type WebhookPayload struct {
	EventID string `json:"event_id"`
}

// webhookTaskID derives from the event id, so the reconciler queues an
// event once however often it finds it undelivered.
func webhookTaskID(eventID string) string { return "webhook:" + eventID }

// webhook enqueues the delivery of an outbox event. The attempts left to
// the task are the event's: the server's doubling delays, capped, spread
// them over about a day.
func (q *Queue) webhook(ctx context.Context, eventID string) (bool, error) {
	return q.enqueue(ctx, TypeWebhookSend, WebhookPayload{EventID: eventID}, webhookTaskID(eventID), time.Time{},
		asynq.MaxRetry(models.WebhookMaxAttempts-1), asynq.Timeout(time.Minute))
}

// WebhookStore is the outbox as deliveries read and record it.
// storage.Store implements it.
type WebhookStore interface {
	WebhookEvent(ctx context.Context, id string) (models.WebhookEvent, error)
	RecordWebhookAttempt(ctx context.Context, id, failure string) error
}

// WebhookSender POSTs one signed event; webhooks.Sender implements it.
type WebhookSender interface {
	Send(ctx context.Context, id string, body []byte) error
}

// Webhooks delivers the outbox's events to the coach's endpoint. Log
// defaults to slog's default logger.
type Webhooks struct {
	Store  WebhookStore
	Sender WebhookSender
	Log    *slog.Logger
}

func (w *Webhooks) log() *slog.Logger {
	if w.Log == nil {
		return slog.Default()
	}
	return w.Log
}

// HandleWebhooks routes webhook deliveries on mux to w.
func HandleWebhooks(mux *asynq.ServeMux, w *Webhooks) {
	mux.HandleFunc(TypeWebhookSend, handle(func(ctx context.Context, p WebhookPayload) error {
		return w.Deliver(ctx, p.EventID)
	}))
}

// Deliver POSTs event id, unless it was delivered already, and records the
// attempt: a 2xx marks it delivered, anything else is its last error and
// an error for Asynq to retry.
func (w *Webhooks) Deliver(ctx context.Context, id string) error {
	ev, err := w.Store.WebhookEvent(ctx, id)
	if errors.Is(err, models.ErrNotFound) {
		return fmt.Errorf("webhook event %s: %w", id, asynq.SkipRetry)
	}
	if err != nil {
		return err
	}
	if ev.DeliveredAt != nil {
		return nil
	}
	if ev.Attempts >= models.WebhookMaxAttempts {
		return fmt.Errorf("webhook event %s: gave up after %d attempts: %w", id, ev.Attempts, asynq.SkipRetry)
	}
	attempt := ev.Attempts + 1
	sendErr := w.Sender.Send(ctx, ev.ID, []byte(ev.Payload))
	failure := ""
	if sendErr != nil {
		failure = sendErr.Error()
	}
	// The attempt is recorded with a context of its own: a send cut off by
	// shutdown still counts.
	recCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := w.Store.RecordWebhookAttempt(recCtx, ev.ID, failure); err != nil {
		return errors.Join(sendErr, err)
	}
	if sendErr != nil {
		w.log().Warn("webhook delivery failed", "event_id", ev.ID, "event_type", ev.Type, "attempt", attempt, "error", sendErr)
		return sendErr
	}
	w.log().Info("webhook delivered", "event_id", ev.ID, "event_type", ev.Type, "attempt", attempt)
	return nil
}

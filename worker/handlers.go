package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hibiken/asynq"

	"github.com/dripbook/dripbook/emails"
)

// Mux routes task types to the engine.
func Mux(e *Engine) *asynq.ServeMux {
	mux := asynq.NewServeMux()
	mux.HandleFunc(TypeConfirmSend, func(ctx context.Context, t *asynq.Task) error {
		var p ConfirmPayload
		if err := json.Unmarshal(t.Payload(), &p); err != nil || p.SubscriberID == 0 {
			return fmt.Errorf("malformed %s payload %q: %w", t.Type(), t.Payload(), asynq.SkipRetry)
		}
		return retryable(e.SendConfirmation(ctx, p.SubscriberID, p.Round))
	})
	mux.HandleFunc(TypeLessonSend, func(ctx context.Context, t *asynq.Task) error {
		var p LessonPayload
		if err := json.Unmarshal(t.Payload(), &p); err != nil || p.SubscriberID == 0 || p.Slug == "" {
			return fmt.Errorf("malformed %s payload %q: %w", t.Type(), t.Payload(), asynq.SkipRetry)
		}
		return retryable(e.SendLesson(ctx, p.SubscriberID, p.Slug))
	})
	mux.HandleFunc(TypeBookingNotify, func(ctx context.Context, t *asynq.Task) error {
		var p BookingPayload
		if err := json.Unmarshal(t.Payload(), &p); err != nil || p.BookingID == 0 {
			return fmt.Errorf("malformed %s payload %q: %w", t.Type(), t.Payload(), asynq.SkipRetry)
		}
		return retryable(e.NotifyBooking(ctx, p.BookingID, p.Sequence))
	})
	mux.HandleFunc(TypeBookingRemind, func(ctx context.Context, t *asynq.Task) error {
		var p ReminderPayload
		if err := json.Unmarshal(t.Payload(), &p); err != nil || p.BookingID == 0 || p.Lead <= 0 {
			return fmt.Errorf("malformed %s payload %q: %w", t.Type(), t.Payload(), asynq.SkipRetry)
		}
		return retryable(e.RemindBooking(ctx, p))
	})
	return mux
}

// retryable tells Asynq not to retry what can never succeed.
func retryable(err error) error {
	if errors.Is(err, emails.ErrPermanent) {
		return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
	}
	return err
}

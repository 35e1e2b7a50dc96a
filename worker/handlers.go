package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/dripbook/dripbook/drip"
	"github.com/dripbook/dripbook/message"
	"github.com/hibiken/asynq"
)

// Mux routes task types to the engine.
func Mux(e *drip.Engine) *asynq.ServeMux {
	mux := asynq.NewServeMux()
	mux.HandleFunc(TypeConfirmSend, handle(func(ctx context.Context, p ConfirmPayload) error {
		return e.SendConfirmation(ctx, p.SubscriberID, p.Round)
	}))
	mux.HandleFunc(TypeLessonSend, handle(func(ctx context.Context, p LessonPayload) error {
		return e.SendLesson(ctx, p.SubscriberID, p.Slug)
	}))
	mux.HandleFunc(TypeBookingNotify, handle(func(ctx context.Context, p BookingPayload) error {
		return e.NotifyBooking(ctx, p.BookingID, p.Sequence)
	}))
	mux.HandleFunc(TypeBookingRemind, handle(func(ctx context.Context, p ReminderPayload) error {
		return e.RemindBooking(ctx, p.BookingID, p.Sequence, p.Lead, p.Start)
	}))
	mux.HandleFunc(TypeNoShowSend, handle(func(ctx context.Context, p NoShowPayload) error {
		return e.SendNoShow(ctx, p.BookingID, p.Sequence, p.Slug)
	}))
	return mux
}

// payload is a task's typed JSON body.
type payload interface {
	ConfirmPayload | LessonPayload | BookingPayload | ReminderPayload | WebhookPayload | NoShowPayload
	valid() bool
}

func (p ConfirmPayload) valid() bool  { return p.SubscriberID != 0 }
func (p LessonPayload) valid() bool   { return p.SubscriberID != 0 && p.Slug != "" }
func (p BookingPayload) valid() bool  { return p.BookingID != 0 }
func (p ReminderPayload) valid() bool { return p.BookingID != 0 && p.Lead > 0 }
func (p WebhookPayload) valid() bool  { return p.EventID != "" }

// handle decodes a task's payload for run. A malformed payload will never
// decode, so it is not retried; neither is a message the server refused. A
// send held back by paused sending goes back to the queue until the pause
// ends (see NewServer).
func handle[P payload](run func(context.Context, P) error) func(context.Context, *asynq.Task) error {
	return func(ctx context.Context, t *asynq.Task) error {
		var p P
		if err := json.Unmarshal(t.Payload(), &p); err != nil || !p.valid() {
			return fmt.Errorf("malformed %s payload %q: %w", t.Type(), t.Payload(), asynq.SkipRetry)
		}
		err := run(ctx, p)
		if errors.Is(err, message.ErrPermanent) || errors.Is(err, message.ErrUnbuildable) {
			return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
		}
		return err
	}
}

package drip

// Sending one claimed email and recording how it went.

import (
	"context"
	"errors"

	"github.com/dripbook/dripbook/message"
	"github.com/dripbook/dripbook/models"
)

// claim takes the right to send one email; see storage.Store.ClaimDelivery.
func (e *Engine) claim(ctx context.Context, key models.DeliveryKey) error {
	return e.store.ClaimDelivery(ctx, key, e.lease)
}

// release gives a claimed delivery back for a later attempt.
func (e *Engine) release(ctx context.Context, key models.DeliveryKey, cause error) error {
	if err := e.store.MarkRetry(ctx, key, cause); err != nil {
		return errors.Join(cause, err)
	}
	return cause
}

// deliver sends msg for a claimed delivery. A message that cannot be built
// fails the delivery alone. A permanent refusal fails the
// delivery and, when the message went to the subscriber, marks them bounced,
// which stops their course. A paused sender gives the delivery back as it
// is: the relay is failing for everyone, and the sender has said so once.
func (e *Engine) deliver(ctx context.Context, key models.DeliveryKey, toSubscriber bool, msg *message.Message) error {
	err := e.mailer.Send(ctx, msg)
	if err == nil {
		return nil
	}
	if _, paused := message.PausedUntil(err); paused {
		return errors.Join(err, e.store.MarkPaused(ctx, key, err))
	}
	if errors.Is(err, message.ErrUnbuildable) {
		// Retrying builds the same broken message, and the address is not
		// at fault: fail this one email and say so loudly.
		e.log.Error("message cannot be built: not sent, nobody bounced", "delivery", key.String(), "error", err)
		return errors.Join(err, e.store.MarkFailed(ctx, key, err))
	}
	if !errors.Is(err, message.ErrPermanent) {
		e.log.Warn("send failed, will retry", "delivery", key.String(), "error", err)
		return e.release(ctx, key, err)
	}
	e.log.Warn("send refused", "delivery", key.String(), "error", err)
	if !toSubscriber {
		return errors.Join(err, e.store.MarkFailed(ctx, key, err))
	}
	return errors.Join(err, e.store.MarkFailed(ctx, key, err), e.store.MarkBounced(ctx, key.SubscriberID))
}

func (e *Engine) message(sub models.Subscriber, em message.Content, id string) *message.Message {
	return &message.Message{
		From: e.from, To: sub.Email, ToName: sub.Name,
		Subject: em.Subject, Text: em.Text, HTML: em.HTML, MessageID: id,
	}
}

// ignoreDone turns "someone else has it or it is finished" into success for
// the task, and keeps real errors.
func ignoreDone(err error) error {
	if errors.Is(err, models.ErrAlreadySent) || errors.Is(err, models.ErrDeliveryFailed) {
		return nil
	}
	return err
}

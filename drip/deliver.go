package drip

// Sending one claimed email and recording how it went.

import (
	"context"
	"errors"
	"fmt"
	"time"

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
	err := e.send(ctx, key, msg)
	if err == nil {
		return nil
	}
	// What happened is recorded even when the task's own time ran out
	// during the send: a delivery left claimed waits out its lease.
	ctx = context.WithoutCancel(ctx)
	if errors.Is(err, ErrClaimLost) {
		// Whatever the delivery's state is now, it is no longer this
		// send's to record.
		e.log.Warn("send given up: its claim was lost", "delivery", key.String(), "error", err)
		return err
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

// ErrClaimLost means a send was cancelled because its claim could not be
// kept: the delivery is no longer being sent, or the claim could not be
// renewed for half its lease and may soon be taken over. The task retries,
// and the delivery log decides whether anything is left to send.
var ErrClaimLost = errors.New("claim on the email lost")

// send hands msg to the mailer while holding the claim on key. A send that
// outlasts a sixth of the lease renews the claim that often, so a live
// worker's claim never lapses; one that cannot renew it for half a lease is
// cancelled, well before anyone else may take the claim over. A renewal
// that does not answer within a sixth of the lease counts as failed.
func (e *Engine) send(ctx context.Context, key models.DeliveryKey, msg *message.Message) error {
	sendCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	// The renewals end with the send, even one still waiting on the
	// database, so the send is recorded at once.
	holdCtx, stopHold := context.WithCancel(sendCtx)
	stop, done := make(chan struct{}), make(chan struct{})
	start := time.Now()
	// Most sends end long before the first renewal is due, and so never
	// start the goroutine that renews.
	t := time.AfterFunc(e.lease/6, func() {
		defer close(done)
		e.hold(holdCtx, key, start, cancel, stop)
	})
	err := e.mailer.Send(sendCtx, msg)
	close(stop)
	stopHold()
	if !t.Stop() {
		<-done
	}
	if cause := context.Cause(sendCtx); err != nil && errors.Is(cause, ErrClaimLost) {
		return errors.Join(cause, err)
	}
	return err
}

// hold renews the claim on key every sixth of the lease until stop closes,
// and cancels the send when the claim is lost.
func (e *Engine) hold(ctx context.Context, key models.DeliveryKey, renewed time.Time, cancel context.CancelCauseFunc, stop <-chan struct{}) {
	tick := time.NewTicker(e.lease / 6)
	defer tick.Stop()
	for {
		renewCtx, cancelRenew := context.WithTimeout(ctx, e.lease/6)
		held, err := e.store.RenewClaim(renewCtx, key)
		cancelRenew()
		select {
		case <-stop:
			return // the send is over: nothing left to hold or cancel
		default:
		}
		switch {
		case err == nil && held:
			renewed = time.Now()
		case err == nil:
			cancel(fmt.Errorf("%s is no longer being sent: %w", key, ErrClaimLost))
			return
		case time.Since(renewed) >= e.lease/2:
			cancel(fmt.Errorf("%s not renewed for %s: %w: %w", key, time.Since(renewed).Round(time.Millisecond), ErrClaimLost, err))
			return
		}
		select {
		case <-stop:
			return
		case <-tick.C:
		}
	}
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

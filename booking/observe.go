package booking

import (
	"context"
	"log/slog"

	"github.com/dripbook/dripbook/models"
)

// Observer is told of each booking change; the metrics package implements
// it.
type Observer interface {
	BookingChanged(event Event)
}

// ObservedNotifier wraps a Notifier: each booking, move and cancellation is
// logged once and counted, then handed on.
type ObservedNotifier struct {
	Notifier Notifier
	Observer Observer     // nil: nothing counted
	Log      *slog.Logger // nil: slog's default
}

// BookingChanged logs and counts the change, then tells the wrapped
// Notifier. The booking stands whether or not its emails could be queued.
func (o ObservedNotifier) BookingChanged(ctx context.Context, b models.Booking, event Event) error {
	log := o.Log
	if log == nil {
		log = slog.Default()
	}
	log.InfoContext(ctx, "booking "+string(event), "booking_id", b.ID, "subscriber_id", b.SubscriberID,
		"event", string(event), "starts_at", b.Start, "sequence", b.Sequence)
	if o.Observer != nil {
		o.Observer.BookingChanged(event)
	}
	return o.Notifier.BookingChanged(ctx, b, event)
}

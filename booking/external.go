package booking

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/dripbook/dripbook/models"
)

// External is a call booked, moved or cancelled on an external scheduler,
// as its signed webhook told it.
type External struct {
	Scheduler    string // models.SchedulerCalcom or models.SchedulerCalendly
	ID           string // the scheduler's id of the call as it is now
	PreviousID   string // for a move, the id the call had before; the scheduler may give a moved call a new one
	Event        Event
	SubscriberID int64
	Start, End   time.Time
	Timezone     string // the attendee's zone, if the scheduler said
	// Answers are those to the scheduler's own booking form, by label
	// (SchedulerAnswers); the coach's brief shows them.
	Answers Answers
	// Delivery is the digest of the delivery's signature: a second
	// delivery with the same one is models.ErrReplayed and changes nothing.
	Delivery string
}

// RecordExternal does for a call booked on a scheduler what Book,
// Reschedule and Cancel do for one booked here: it records the change and
// counts it, then tells the worker (the coach's brief) and the course (the
// sales lessons stop, or resume). The scheduler keeps the calendar, so
// neither the free slots nor the daily limit on changes apply. A change
// already recorded (a redelivery), or the cancellation of a call never
// recorded, changes nothing and returns changed false.
func (s *Service) RecordExternal(ctx context.Context, x External) (b models.Booking, changed bool, err error) {
	event := x.Event
	err = s.store.LockBookings(ctx, func(st Tx) error {
		if err := st.RecordSchedulerDelivery(ctx, x.Scheduler, x.Delivery); err != nil {
			return err
		}
		if x.Event == EventCancelled {
			b, changed, err = s.cancelExternal(ctx, st, x)
			return err
		}
		b, event, changed, err = s.bookExternal(ctx, st, x)
		return err
	})
	if err != nil || !changed {
		return b, false, err
	}
	s.changed(ctx, b, event)
	return b, true, nil
}

// bookExternal records a new or moved call. A move whose first booking was
// never recorded is recorded as a new call.
func (s *Service) bookExternal(ctx context.Context, st Tx, x External) (models.Booking, Event, bool, error) {
	if cur, err := st.ExternalBooking(ctx, x.Scheduler, x.ID); err == nil {
		return cur, x.Event, false, nil // a redelivery
	} else if !errors.Is(err, models.ErrNotFound) {
		return cur, x.Event, false, err
	}
	if x.PreviousID != "" {
		prev, err := st.ExternalBooking(ctx, x.Scheduler, x.PreviousID)
		switch {
		case err == nil && prev.Status == models.BookingConfirmed:
			b, err := st.MoveExternalBooking(ctx, prev.ID, x.ID, x.Start, x.End)
			if err != nil {
				return b, EventRescheduled, false, err
			}
			return b, EventRescheduled, true, s.recordChange(ctx, st, b, EventRescheduled)
		case err != nil && !errors.Is(err, models.ErrNotFound):
			return prev, EventRescheduled, false, err
		}
	}
	id := x.ID
	answers, err := json.Marshal(x.Answers.clean())
	if err != nil {
		return models.Booking{}, EventBooked, false, fmt.Errorf("encode answers: %w", err)
	}
	b := models.Booking{
		SubscriberID: x.SubscriberID, Start: x.Start.UTC(), End: x.End.UTC(), UID: newUID(), Answers: string(answers),
		Timezone: x.Timezone, Scheduler: x.Scheduler, ExternalID: &id,
	}
	b, created, err := st.CreateBooking(ctx, b)
	if err != nil || !created {
		return b, EventBooked, false, err
	}
	return b, EventBooked, true, s.recordChange(ctx, st, b, EventBooked)
}

// cancelExternal cancels a recorded call; one already cancelled is a
// redelivery.
func (s *Service) cancelExternal(ctx context.Context, st Tx, x External) (models.Booking, bool, error) {
	cur, err := st.ExternalBooking(ctx, x.Scheduler, x.ID)
	if errors.Is(err, models.ErrNotFound) {
		return cur, false, nil // a call booked before dripbook heard of it
	}
	if err != nil || cur.Status != models.BookingConfirmed {
		return cur, false, err
	}
	b, err := st.CancelBooking(ctx, cur.ID)
	if err != nil {
		return b, false, err
	}
	return b, true, s.recordChange(ctx, st, b, EventCancelled)
}

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
// already recorded (a redelivery) changes nothing and returns changed false.
//
// Schedulers retry, so their deliveries can come out of order; a late one
// never undoes a later change. A cancellation that comes before its call's
// booking records the call as cancelled, so the booking that follows finds
// it; a move remembers the id the call had before, so a late booking of
// that id finds the moved call; a move to an id already cancelled cancels
// the call it moves.
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
	cur, err := s.knownExternal(ctx, st, x.Scheduler, x.ID)
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		return cur, x.Event, false, err
	}
	if err == nil {
		if x.PreviousID != "" {
			// A move to a call already recorded: a redelivery, or one
			// that comes after later changes of the call.
			return s.cancelMoved(ctx, st, cur, x)
		}
		return cur, x.Event, false, nil // a redelivery, or a late one
	}
	if x.PreviousID != "" {
		prev, err := st.ExternalBooking(ctx, x.Scheduler, x.PreviousID)
		switch {
		case err == nil && prev.Status == models.BookingConfirmed:
			if err := st.RememberExternalID(ctx, prev.ID, x.Scheduler, x.PreviousID); err != nil {
				return prev, EventRescheduled, false, err
			}
			b, err := st.MoveExternalBooking(ctx, prev.ID, x.ID, x.Start, x.End)
			if err != nil {
				return b, EventRescheduled, false, err
			}
			return b, EventRescheduled, true, s.recordChange(ctx, st, b, EventRescheduled)
		case err != nil && !errors.Is(err, models.ErrNotFound):
			return prev, EventRescheduled, false, err
		}
	}
	b, created, err := s.createExternal(ctx, st, x, models.BookingConfirmed)
	if err != nil || !created {
		return b, EventBooked, false, err
	}
	if x.PreviousID != "" {
		// The booking of the call's first id may still come: it is this call.
		if err := st.RememberExternalID(ctx, b.ID, x.Scheduler, x.PreviousID); err != nil {
			return b, EventBooked, false, err
		}
	}
	return b, EventBooked, true, s.recordChange(ctx, st, b, EventBooked)
}

// knownExternal returns the call the scheduler knows by id now, or knew by
// it before the call moved.
func (s *Service) knownExternal(ctx context.Context, st Tx, scheduler, id string) (models.Booking, error) {
	b, err := st.ExternalBooking(ctx, scheduler, id)
	if errors.Is(err, models.ErrNotFound) {
		return st.FormerExternalBooking(ctx, scheduler, id)
	}
	return b, err
}

// createExternal records a scheduler's call, confirmed or cancelled.
func (s *Service) createExternal(ctx context.Context, st Tx, x External, status string) (models.Booking, bool, error) {
	id := x.ID
	answers, err := json.Marshal(x.Answers.clean())
	if err != nil {
		return models.Booking{}, false, fmt.Errorf("encode answers: %w", err)
	}
	return st.CreateBooking(ctx, models.Booking{
		SubscriberID: x.SubscriberID, Start: x.Start.UTC(), End: x.End.UTC(), UID: newUID(), Answers: string(answers),
		Timezone: x.Timezone, Scheduler: x.Scheduler, ExternalID: &id, Status: status,
	})
}

// cancelMoved settles a move whose new id is known already as cur's: the
// call moved on, or was cancelled, before the move arrived. A confirmed
// call still recorded at the move's previous id is this call come late, and
// is cancelled: cur is where it stands now. When nothing is recorded there,
// the previous id is remembered as cur's, so that its late booking books
// nothing.
func (s *Service) cancelMoved(ctx context.Context, st Tx, cur models.Booking, x External) (models.Booking, Event, bool, error) {
	prev, err := st.ExternalBooking(ctx, x.Scheduler, x.PreviousID)
	if errors.Is(err, models.ErrNotFound) {
		return cur, x.Event, false, st.RememberExternalID(ctx, cur.ID, x.Scheduler, x.PreviousID)
	}
	if err != nil || prev.ID == cur.ID || prev.Status != models.BookingConfirmed || prev.Outcome == models.OutcomeAttended {
		return cur, x.Event, false, err
	}
	b, err := st.CancelBooking(ctx, prev.ID)
	if err != nil {
		return b, EventCancelled, false, err
	}
	return b, EventCancelled, true, s.recordChange(ctx, st, b, EventCancelled)
}

// cancelExternal cancels a recorded call; one already cancelled is a
// redelivery, and one that has since moved to another id is left as it
// is. A call dripbook has not heard of is recorded as cancelled, when the
// delivery says when it was.
func (s *Service) cancelExternal(ctx context.Context, st Tx, x External) (models.Booking, bool, error) {
	cur, err := st.ExternalBooking(ctx, x.Scheduler, x.ID)
	if errors.Is(err, models.ErrNotFound) {
		return s.cancelUnknown(ctx, st, x)
	}
	if err != nil || cur.Status != models.BookingConfirmed || cur.Outcome == models.OutcomeAttended {
		return cur, false, err // a call that took place stays as it was
	}
	b, err := st.CancelBooking(ctx, cur.ID)
	if err != nil {
		return b, false, err
	}
	return b, true, s.recordChange(ctx, st, b, EventCancelled)
}

// cancelUnknown records a call cancelled before its booking reached
// dripbook as cancelled, so the booking that follows finds it.
func (s *Service) cancelUnknown(ctx context.Context, st Tx, x External) (models.Booking, bool, error) {
	if former, err := st.FormerExternalBooking(ctx, x.Scheduler, x.ID); !errors.Is(err, models.ErrNotFound) {
		return former, false, err // the call has moved on from this id
	}
	if !x.End.After(x.Start) {
		return models.Booking{}, false, nil // nothing to record it by
	}
	b, created, err := s.createExternal(ctx, st, x, models.BookingCancelled)
	if err != nil || !created {
		return b, false, err
	}
	return b, true, s.recordChange(ctx, st, b, EventCancelled)
}

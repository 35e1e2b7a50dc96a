package booking

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/dripbook/dripbook/fault"
	"github.com/dripbook/dripbook/models"
)

var (
	// ErrNotOffered means the requested start is not one of the free slots.
	ErrNotOffered = fault.New(fault.Unprocessable, "not_a_slot", "that time is not an open slot")
	// ErrInPast means the requested start has already passed.
	ErrInPast = fault.New(fault.Unprocessable, "not_a_slot", "that time has passed")
	// ErrExternalCall means the call was booked on an external scheduler,
	// which owns where it happens.
	ErrExternalCall = fault.New(fault.Conflict, "external_call", "this call was booked on an external scheduler: change it there")
	// ErrCallAttended means the coach marked the call attended: it took
	// place, and is kept as it was.
	ErrCallAttended = fault.New(fault.Conflict, "call_attended", "this call took place: it can no longer be moved or cancelled")
	// ErrCallStarted means the call has already started.
	ErrCallStarted = fault.New(fault.Conflict, "call_started", "this call has already started")
	// ErrChangePending means the emails about the call's last change have
	// not all gone out yet: a new place now would be announced as if
	// nothing else had changed.
	ErrChangePending = fault.New(fault.Conflict, "change_pending", "the emails about this call's last change are still going out: try again in a minute")
)

// Notifier hears about every change to a booking; the worker implements it
// by queuing the emails and reminders.
type Notifier interface {
	BookingChanged(ctx context.Context, b models.Booking, event Event) error
}

// Replanner re-plans a subscriber's course after a booking is made or
// cancelled, so sales lessons stop or resume; the drip engine implements it.
type Replanner interface {
	Replan(ctx context.Context, subscriberID int64) error
}

// Request is a validated request to book a call.
type Request struct {
	SubscriberID   int64
	Start          time.Time
	Answers        Answers // by question id
	IdempotencyKey string  // optional; a repeat returns the first booking
	SourceLesson   string  // slug of the lesson whose link was followed
	Timezone       string  // the zone the visitor saw the slots in
	Locale         string  // the language tag the visitor read the page in
}

// Store is what the booking service reads and writes. Package storage
// implements it (storage.BookingStore).
type Store interface {
	Tx
	ActiveBooking(ctx context.Context, subscriberID int64) (models.Booking, error)
	RecordClick(ctx context.Context, subscriberID int64, lesson string) error
	// SetBookingPlace sets where one confirmed call booked here happens,
	// raising its sequence; changed is false when the call already had
	// that place, or is no longer confirmed or not booked here.
	SetBookingPlace(ctx context.Context, id int64, p Place, now time.Time) (_ models.Booking, changed bool, err error)
	// LockBookings runs fn while no other booking or move can run, on any
	// process; fn reads and writes through tx alone.
	LockBookings(ctx context.Context, fn func(tx Tx) error) error
}

// Tx is the store inside LockBookings: the reads that decide a booking and
// the writes that make, move or cancel one and count the change.
type Tx interface {
	Booking(ctx context.Context, id int64) (models.Booking, error)
	// HasCallBookedHere reports whether the subscriber has a confirmed
	// call booked here (not on a scheduler).
	HasCallBookedHere(ctx context.Context, subscriberID int64) (bool, error)
	BookingByIdempotencyKey(ctx context.Context, key string) (models.Booking, error)
	BookedStarts(ctx context.Context, from, to time.Time) ([]time.Time, error)
	CreateBooking(ctx context.Context, b models.Booking) (_ models.Booking, created bool, err error)
	RescheduleBooking(ctx context.Context, id int64, start, end time.Time) (models.Booking, error)
	CancelBooking(ctx context.Context, id int64) (models.Booking, error)
	// RecentChanges lists when the subscriber booked, moved or cancelled
	// since the given time, oldest first.
	RecentChanges(ctx context.Context, subscriberID int64, since time.Time) ([]time.Time, error)
	RecordChange(ctx context.Context, c Change) error
	// ExternalBooking returns the call a scheduler knows by externalID.
	ExternalBooking(ctx context.Context, scheduler, externalID string) (models.Booking, error)
	// FormerExternalBooking returns the call a scheduler knew by
	// externalID before the call moved.
	FormerExternalBooking(ctx context.Context, scheduler, externalID string) (models.Booking, error)
	// RememberExternalID notes that the scheduler once knew call id by
	// externalID.
	RememberExternalID(ctx context.Context, id int64, scheduler, externalID string) error
	// MoveExternalBooking moves a scheduler's call to its new time and id.
	MoveExternalBooking(ctx context.Context, id int64, externalID string, start, end time.Time) (models.Booking, error)
	// RecordSchedulerDelivery notes a scheduler's signed delivery; a
	// repeat is models.ErrReplayed.
	RecordSchedulerDelivery(ctx context.Context, scheduler, digest string) error
}

// Service books, cancels and moves discovery calls.
type Service struct {
	store        Store
	rules        Rules
	questions    []Question
	dailyChanges int
	notifier     Notifier
	replanner    Replanner
	now          func() time.Time
	log          *slog.Logger
}

// Deps is what a Service is built from. Notifier and Replanner may be nil;
// Now and Log default to the real clock and slog's default logger.
type Deps struct {
	Store Store
	Rules Rules
	// Questions are the intake questions the booking form asks; answers to
	// any other are refused.
	Questions []Question
	// DailyChanges is how many bookings, moves and cancellations one
	// subscriber may make in ChangeWindow; 0 is no limit.
	DailyChanges int
	Notifier     Notifier
	Replanner    Replanner
	Now          func() time.Time
	Log          *slog.Logger
}

// NewService returns a Service.
func NewService(d Deps) *Service {
	if d.Now == nil {
		d.Now = func() time.Time { return time.Now().UTC() }
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	return &Service{store: d.Store, rules: d.Rules, questions: d.Questions, dailyChanges: d.DailyChanges, notifier: d.Notifier, replanner: d.Replanner,
		now: d.Now, log: d.Log}
}

// Rules are the availability rules in force.
func (s *Service) Rules() Rules { return s.rules }

// Slots lists the free slots starting in [from, to).
func (s *Service) Slots(ctx context.Context, from, to time.Time) ([]Slot, error) {
	return s.MoveSlots(ctx, from, to, time.Time{})
}

// MoveSlots lists the free slots a call starting at own can move to, as
// Reschedule offers them: the call itself holds no slot, so its buffer and
// its place in the day's cap stay free; its own start is not listed.
func (s *Service) MoveSlots(ctx context.Context, from, to, own time.Time) ([]Slot, error) {
	all, err := s.booked(ctx, s.store)
	if err != nil {
		return nil, err
	}
	slots := s.rules.Slots(s.now(), from, to, without(all, own))
	if own.IsZero() {
		return slots, nil
	}
	return slices.DeleteFunc(slots, func(sl Slot) bool { return sl.Start.Equal(own) }), nil
}

// without is the booked starts but own.
func without(booked []time.Time, own time.Time) []time.Time {
	out := booked[:0:0]
	for _, b := range booked {
		if !b.Equal(own) {
			out = append(out, b)
		}
	}
	return out
}

// Book makes a booking. created is false when an idempotency key repeated an
// earlier request, whose booking is returned.
func (s *Service) Book(ctx context.Context, r Request) (models.Booking, bool, error) {
	r.Answers = r.Answers.clean()
	if err := r.Answers.validate(s.questions); err != nil {
		return models.Booking{}, false, err
	}
	if r.IdempotencyKey != "" {
		// A retry of a request that already worked gets its booking back,
		// although the slot is no longer free.
		prev, err := s.store.BookingByIdempotencyKey(ctx, r.IdempotencyKey)
		if err == nil && prev.SubscriberID == r.SubscriberID {
			return prev, false, nil
		}
		if err != nil && !errors.Is(err, models.ErrNotFound) {
			return models.Booking{}, false, err
		}
	}
	answers, err := json.Marshal(r.Answers)
	if err != nil {
		return models.Booking{}, false, fmt.Errorf("encode answers: %w", err)
	}
	start := r.Start.UTC()
	b := models.Booking{
		SubscriberID: r.SubscriberID, Start: start, End: start.Add(s.rules.Call),
		UID: newUID(), Answers: string(answers), SourceLesson: r.SourceLesson, Timezone: r.Timezone,
		Locale: r.Locale,
	}
	if r.IdempotencyKey != "" {
		key := r.IdempotencyKey
		b.IdempotencyKey = &key
	}
	created := false
	err = s.store.LockBookings(ctx, func(st Tx) error {
		if r.IdempotencyKey != "" {
			// A double click whose twin got the lock first gets its booking.
			prev, err := st.BookingByIdempotencyKey(ctx, r.IdempotencyKey)
			if err == nil && prev.SubscriberID == r.SubscriberID {
				b = prev
				return nil
			}
		}
		if err := s.checkChanges(ctx, st, r.SubscriberID); err != nil {
			return err
		}
		// One call at a time, said before anything about the slot: the
		// subscriber's own call may be what keeps the slot from being free.
		switch has, err := st.HasCallBookedHere(ctx, r.SubscriberID); {
		case err != nil:
			return err
		case has:
			return models.ErrAlreadyBooked
		}
		if err := s.offered(ctx, st, start, time.Time{}); err != nil {
			return err
		}
		b, created, err = st.CreateBooking(ctx, b)
		if err != nil || !created {
			return err
		}
		return s.recordChange(ctx, st, b, EventBooked)
	})
	if err != nil || !created {
		return b, false, err
	}
	s.changed(ctx, b, EventBooked)
	return b, true, nil
}

// Cancel cancels a booking, frees its slot and resumes the course. It
// counts against the day's changes but is never refused for them. A call
// the coach marked attended took place, and stays as it was.
func (s *Service) Cancel(ctx context.Context, id int64) (models.Booking, error) {
	var b models.Booking
	err := s.store.LockBookings(ctx, func(st Tx) error {
		cur, err := st.Booking(ctx, id)
		if err != nil {
			return err
		}
		if cur.Outcome == models.OutcomeAttended {
			b = cur
			return ErrCallAttended
		}
		if b, err = st.CancelBooking(ctx, id); err != nil {
			return err
		}
		return s.recordChange(ctx, st, b, EventCancelled)
	})
	if err != nil {
		return b, err
	}
	s.changed(ctx, b, EventCancelled)
	return b, nil
}

// Reschedule moves a booking to another free slot; not one the coach
// marked attended. A call missed or left unmarked can still move: the
// no-show follow-up asks for just that.
func (s *Service) Reschedule(ctx context.Context, id int64, start time.Time) (models.Booking, error) {
	start = start.UTC()
	var b models.Booking
	moved := false
	err := s.store.LockBookings(ctx, func(st Tx) error {
		// Read under the lock, so a concurrent move of the same call is seen.
		cur, err := st.Booking(ctx, id)
		if err != nil {
			b = cur
			return err
		}
		if cur.Status != models.BookingConfirmed {
			b = cur
			return models.ErrNotConfirmed
		}
		if cur.Outcome == models.OutcomeAttended {
			b = cur
			return ErrCallAttended
		}
		if cur.Start.Equal(start) {
			b = cur
			return nil // already there: a repeated request
		}
		if err := s.checkChanges(ctx, st, cur.SubscriberID); err != nil {
			b = cur
			return err
		}
		if err := s.offered(ctx, st, start, cur.Start); err != nil {
			b = cur
			return err
		}
		if b, err = st.RescheduleBooking(ctx, id, start, start.Add(s.rules.Call)); err != nil {
			return err
		}
		moved = true
		return s.recordChange(ctx, st, b, EventRescheduled)
	})
	if err != nil || !moved {
		return b, err
	}
	s.changed(ctx, b, EventRescheduled)
	return b, nil
}

// SetPlace sets where one upcoming call booked here happens: p for this
// call alone, or the zero Place for the configured one. The subscriber and
// the coach's calendar get the updated invite; it is not a reschedule, and
// it does not count against the subscriber's changes. Setting the place the
// call already has changes nothing.
func (s *Service) SetPlace(ctx context.Context, id int64, p Place) (models.Booking, error) {
	b, err := s.store.Booking(ctx, id)
	switch {
	case err != nil:
		return b, err
	case b.Scheduler != "":
		return b, ErrExternalCall
	case b.Status != models.BookingConfirmed:
		return b, models.ErrNotConfirmed
	case !b.Start.After(s.now()):
		return b, ErrCallStarted
	case b.NotifiedSequence != b.Sequence && CallPlace(b, Place{}) != p:
		return b, ErrChangePending
	}
	b, changed, err := s.store.SetBookingPlace(ctx, id, p, s.now())
	if err != nil {
		return b, err
	}
	if !changed {
		if CallPlace(b, Place{}) == p {
			return b, nil // it already is
		}
		return b, ErrChangePending // a change or the call's start came in between
	}
	if s.notifier != nil {
		if err := s.notifier.BookingChanged(ctx, b, EventPlaceChanged); err != nil {
			s.log.Warn("queue booking emails", "booking_id", b.ID, "event", EventPlaceChanged, "error", err)
		}
	}
	return b, nil
}

// Booking returns one booking.
func (s *Service) Booking(ctx context.Context, id int64) (models.Booking, error) {
	return s.store.Booking(ctx, id)
}

// ActiveFor returns the subscriber's confirmed booking, or models.ErrNotFound.
func (s *Service) ActiveFor(ctx context.Context, subscriberID int64) (models.Booking, error) {
	return s.store.ActiveBooking(ctx, subscriberID)
}

// RecordClick notes that a subscriber followed the booking link of a lesson.
func (s *Service) RecordClick(ctx context.Context, subscriberID int64, lesson string) error {
	return s.store.RecordClick(ctx, subscriberID, lesson)
}

// offered checks start against the free slots, as seen through st; own is the
// start of the booking being moved (zero when booking), which does not count
// against its new time.
func (s *Service) offered(ctx context.Context, st Tx, start, own time.Time) error {
	now := s.now()
	if !start.After(now) {
		return ErrInPast
	}
	all, err := s.booked(ctx, st)
	if err != nil {
		return err
	}
	booked := without(all, own)
	if !s.rules.Offered(now, start, booked) {
		for _, b := range booked {
			if b.Equal(start) {
				return models.ErrSlotTaken
			}
		}
		return ErrNotOffered
	}
	return nil
}

// booked lists the starts of confirmed calls that can still affect a slot.
func (s *Service) booked(ctx context.Context, st Tx) ([]time.Time, error) {
	now := s.now()
	return st.BookedStarts(ctx, now.Add(-48*time.Hour), now.AddDate(0, 0, s.rules.Horizon+2))
}

// changed tells the worker and the course about a change. A failure here is
// not the visitor's: the booking stands in the database, and the reconciler
// sends whatever was not announced. The change is made, so telling of it
// outlives the request: a visitor who closes the tab still has their
// course replanned.
func (s *Service) changed(ctx context.Context, b models.Booking, event Event) {
	ctx = context.WithoutCancel(ctx)
	if s.notifier != nil {
		if err := s.notifier.BookingChanged(ctx, b, event); err != nil {
			s.log.Warn("queue booking emails", "booking_id", b.ID, "event", event, "error", err)
		}
	}
	if s.replanner != nil {
		if err := s.replanner.Replan(ctx, b.SubscriberID); err != nil {
			s.log.Warn("replan course after booking", "booking_id", b.ID, "event", event, "error", err)
		}
	}
}

func newUID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b) + "@dripbook"
}

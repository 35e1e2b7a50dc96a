package models

import (
	"time"

	"github.com/dripbook/dripbook/fault"
)

// Outcomes of a call, as the coach marks them.
const (
	OutcomeAttended = "attended"
	OutcomeNoShow   = "no_show"
)

// Booking states.
const (
	BookingConfirmed = "confirmed"
	BookingCancelled = "cancelled"
)

// External schedulers a call can be booked on.
const (
	SchedulerCalcom   = "calcom"
	SchedulerCalendly = "calendly"
)

var (
	// ErrReplayed means a scheduler's signed delivery was already received.
	ErrReplayed = fault.New(fault.Conflict, "replayed", "delivery already received")
	// ErrSlotTaken means another confirmed booking holds that start.
	ErrSlotTaken = fault.New(fault.Conflict, "slot_taken", "slot already taken")
	// ErrAlreadyBooked means the subscriber already has a confirmed booking.
	ErrAlreadyBooked = fault.New(fault.Conflict, "already_booked", "subscriber already has a booking")
	// ErrNotConfirmed means the booking was cancelled.
	ErrNotConfirmed = fault.New(fault.Conflict, "not_confirmed", "booking is not confirmed")
	// ErrKeyReused means another subscriber's booking already used the
	// idempotency key.
	ErrKeyReused = fault.New(fault.Conflict, "", "idempotency key already used")
)

// Booking is one discovery call.
type Booking struct {
	ID               int64 `gorm:"primaryKey"`
	SubscriberID     int64
	Start            time.Time `gorm:"column:starts_at"`
	End              time.Time `gorm:"column:ends_at"`
	Status           string
	IdempotencyKey   *string
	UID              string // the calendar event's UID, stable across changes
	Sequence         int    // the calendar event's SEQUENCE, raised by every change
	NotifiedSequence int    // the last sequence whose emails all went out; -1 for none
	Answers          string // intake answers, JSON
	SourceLesson     string // slug of the lesson whose link led here
	Timezone         string // the zone the visitor booked in
	Locale           string // the language tag the visitor read the booking page in; "" for none
	CancelledAt      *time.Time
	Outcome          string     // OutcomeAttended, OutcomeNoShow, or empty until the coach marks it
	OutcomeAt        *time.Time // when the coach marked the outcome
	CreatedAt        time.Time
	UpdatedAt        time.Time

	// Scheduler is SchedulerCalcom or SchedulerCalendly for a call booked
	// there, empty for one booked here; ExternalID is the scheduler's id of
	// the call (a Cal.com uid, a Calendly invitee URI).
	Scheduler  string
	ExternalID *string
}

// Click is one click on a lesson's booking link.
type Click struct {
	ID           int64 `gorm:"primaryKey"`
	SubscriberID int64
	Lesson       string
	CreatedAt    time.Time
}

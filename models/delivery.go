package models

import (
	"errors"
	"fmt"
	"time"
)

// Kind is what an email in the delivery log is for.
type Kind string

// Delivery kinds.
const (
	KindConfirm  Kind = "confirm"  // the double opt-in email of one signup round
	KindLesson   Kind = "lesson"   // one lesson of the course
	KindBooking  Kind = "booking"  // the subscriber's confirmation or cancellation of a call
	KindBrief    Kind = "brief"    // the coach's brief about a call
	KindReminder Kind = "reminder" // a reminder before a call
	KindNoShow   Kind = "no_show"  // a lesson of the no-show follow-up after a missed call
)

// Delivery states: queued → sending → sent or failed. retry is a sending that
// failed for a temporary reason and will be tried again.
const (
	DeliveryQueued  = "queued"
	DeliverySending = "sending"
	DeliveryRetry   = "retry"
	DeliverySent    = "sent"
	DeliveryFailed  = "failed"
)

// ErrAlreadySent means the delivery went out before; the caller must not send
// it again.
var ErrAlreadySent = errors.New("already sent")

// ErrInFlight means another worker holds the delivery right now.
var ErrInFlight = errors.New("being sent by another worker")

// ErrDeliveryFailed means the delivery failed permanently before.
var ErrDeliveryFailed = errors.New("failed permanently before")

// Delivery is one email in the delivery log. (SubscriberID, Kind, Step) is
// unique, which is what makes sending idempotent.
type Delivery struct {
	ID           int64 `gorm:"primaryKey"`
	SubscriberID int64
	Kind         Kind
	Step         string
	State        string
	Attempts     int
	LastError    string
	SentAt       *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// DeliveryKey identifies one email to one subscriber.
type DeliveryKey struct {
	SubscriberID int64
	Kind         Kind
	Step         string
}

// ReminderKey is the delivery of the reminder lead before a call starting
// at start: one per time and lead, whichever version of the booking sends
// it.
func ReminderKey(b Booking, lead time.Duration) DeliveryKey {
	return DeliveryKey{SubscriberID: b.SubscriberID, Kind: KindReminder, Step: fmt.Sprintf("%d.at%d.%d", b.ID, b.Start.Unix(), int64(lead.Seconds()))}
}

func (k DeliveryKey) String() string {
	return fmt.Sprintf("%s:%d:%s", k.Kind, k.SubscriberID, k.Step)
}

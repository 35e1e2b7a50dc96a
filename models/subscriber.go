package models

import (
	"strings"
	"time"

	"github.com/dripbook/dripbook/fault"
)

// Subscriber states.
const (
	StatusPending      = "pending"
	StatusActive       = "active"
	StatusUnsubscribed = "unsubscribed"
	StatusBounced      = "bounced"
	// StatusErased is the anonymous tombstone left when a subscriber's
	// personal data is erased: it keeps the funnel's counts right.
	StatusErased = "erased"
)

// ConfirmResendAfter is how long a pending address waits before signing up
// again sends another confirmation email; it stops a burst of signups from
// flooding an inbox.
const ConfirmResendAfter = 10 * time.Minute

// ErrNotFound is returned when a row does not exist.
var ErrNotFound = fault.New(fault.NotFound, "", "not found")

// ErrNoLongerSubscribed is a confirmation link followed after its address
// unsubscribed, bounced or was erased: only a new signup starts again.
var ErrNoLongerSubscribed = fault.New(fault.Gone, "no_longer_subscribed", "the address left the course after this link was sent")

// Subscriber is one email address on the list.
type Subscriber struct {
	ID                 int64 `gorm:"primaryKey"`
	Email              string
	Name               string
	Timezone           string
	Status             string
	ConfirmRound       int
	ConfirmRequestedAt time.Time
	ConfirmedAt        *time.Time
	UnsubscribedAt     *time.Time
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// Consent records how an address agreed to receive the course.
type Consent struct {
	ID           int64 `gorm:"primaryKey"`
	SubscriberID int64
	IP           string
	UserAgent    string
	TextVersion  string
	Source       string // where consent was given, for an imported list; empty for the signup form
	CreatedAt    time.Time
	ConfirmedAt  *time.Time
}

// Signup is a validated request to join the list.
type Signup struct {
	Email       string // normalised, lower case
	Name        string
	Timezone    string
	IP          string
	UserAgent   string
	TextVersion string
}

// SignupResult says whether a confirmation email must go out, and which one.
type SignupResult struct {
	SubscriberID int64
	// Round is the confirmation round to send; zero when none is due.
	Round int
}

// PendingConfirmation is a confirmation round that was requested but never
// sent, for the reconciler.
type PendingConfirmation struct {
	SubscriberID int64
	Round        int
}

// FirstName is the first word of the name a subscriber gave, as lessons
// and booking emails greet them; "" when they gave none.
func FirstName(name string) string {
	first, _, _ := strings.Cut(strings.TrimSpace(name), " ")
	return first
}

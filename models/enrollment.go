package models

import "time"

// Enrollment states.
const (
	EnrollmentActive   = "active"
	EnrollmentFinished = "finished"
	EnrollmentStopped  = "stopped"
)

// Enrollment is a subscriber's place in the course: the database, not the
// queue, knows which lesson is next and when it is due.
type Enrollment struct {
	SubscriberID int64 `gorm:"primaryKey;autoIncrement:false"`
	Status       string
	NextStep     string     // slug of the next lesson; empty when finished
	NextSendAt   *time.Time // nil when nothing is scheduled
	LastDay      int        // course day of the last lesson sent, -1 before the first
	Anchor       time.Time  // the subscriber's day 0
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// DueCursor is where a sweep of due enrollments left off: the last one it
// read.
type DueCursor struct {
	At           time.Time
	SubscriberID int64
}

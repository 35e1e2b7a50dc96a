package models

import "errors"

// LessonState is everything a lesson send decides on, read at once: the
// subscriber, their enrollment (nil when they have none), whether they have
// a confirmed call, and the lessons already sent to them.
type LessonState struct {
	Subscriber Subscriber
	Enrollment *Enrollment
	Booked     bool
	// Sent holds the lessons done with: sent, or refused for good (which
	// the course moves past, as FinishedSteps has it).
	Sent map[string]bool
}

// StepPlan is the enrollment after a lesson, planned both ways when a call
// booked meanwhile would change it: IfBooked (nil when it would not) is
// used if the subscriber has a confirmed call when the lesson is recorded.
type StepPlan struct {
	Next     Enrollment
	IfBooked *Enrollment
}

// ErrNotDue means a lesson was not claimed because it is no longer to be
// sent: the subscriber left, the enrollment moved on, or, for a sales
// lesson, a call was booked.
var ErrNotDue = errors.New("lesson no longer due")

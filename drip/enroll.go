package drip

import (
	"context"
	"fmt"

	"github.com/dripbook/dripbook/models"
)

// FirstEnrollment is where a subscriber who confirms now starts the course,
// as Confirm would enroll them: the first lesson, due as the schedule says in
// their zone. It writes nothing: an import stores it with the subscriber in
// one transaction. Its SubscriberID is left for the caller.
func (e *Engine) FirstEnrollment(timezone string) models.Enrollment {
	now := e.now()
	enr := models.Enrollment{LastDay: -1, Anchor: now}
	next, ok := Next(e.renderer.Course(), map[string]bool{}, -1, false)
	if !ok {
		enr.Status = models.EnrollmentFinished
		return enr
	}
	due := e.schedule.DueAt(now, next.Day, e.schedule.Location(timezone))
	enr.Status, enr.NextStep, enr.NextSendAt = models.EnrollmentActive, next.Slug, &due
	return enr
}

// QueueEnrollment queues a stored enrollment's next lesson. The reconciler
// would queue it too once it is due; this only saves the wait.
func (e *Engine) QueueEnrollment(ctx context.Context, enr models.Enrollment) error {
	if enr.Status != models.EnrollmentActive || enr.NextSendAt == nil {
		return nil
	}
	if err := e.queue.Lesson(ctx, enr.SubscriberID, enr.NextStep, *enr.NextSendAt); err != nil {
		return fmt.Errorf("queue lesson %s for %d: %w", enr.NextStep, enr.SubscriberID, err)
	}
	return nil
}

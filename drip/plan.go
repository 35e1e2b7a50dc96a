package drip

import (
	"context"
	"errors"
	"fmt"

	"github.com/dripbook/dripbook/course"
	"github.com/dripbook/dripbook/models"
)

// advance moves an enrollment past a lesson without sending it. A lesson
// refused for good counts as done, as a sent one does: the course plans
// past it (a fresh confirmation or an undone bounce puts it back first).
func (e *Engine) advance(ctx context.Context, sub models.Subscriber, enr models.Enrollment, lastDay int) error {
	sent, err := e.store.FinishedSteps(ctx, sub.ID, models.KindLesson)
	if err != nil {
		return err
	}
	booked, err := e.store.HasActiveBooking(ctx, sub.ID)
	if err != nil {
		return err
	}
	if lastDay < enr.LastDay {
		lastDay = enr.LastDay
	}
	next := e.plan(sub, enr, sent, lastDay, booked)
	if err := e.store.SaveEnrollment(ctx, next); err != nil {
		return err
	}
	e.enqueueNext(ctx, next)
	return nil
}

// Replan works out a subscriber's next lesson again after a booking was made
// or cancelled: a booking skips the sales lessons, a cancellation brings them
// back.
func (e *Engine) Replan(ctx context.Context, subscriberID int64) error {
	sub, err := e.store.Subscriber(ctx, subscriberID)
	if err != nil {
		return err
	}
	enr, err := e.store.Enrollment(ctx, subscriberID)
	if errors.Is(err, models.ErrNotFound) || sub.Status != models.StatusActive || enr.Status == models.EnrollmentStopped {
		return nil
	}
	if err != nil {
		return err
	}
	if err := e.advance(ctx, sub, enr, enr.LastDay); err != nil {
		return fmt.Errorf("replan %d: %w", subscriberID, err)
	}
	return nil
}

// plan works out the enrollment after the lessons in sent.
func (e *Engine) plan(sub models.Subscriber, enr models.Enrollment, sent map[string]bool, lastDay int, booked bool) models.Enrollment {
	out := models.Enrollment{SubscriberID: sub.ID, LastDay: lastDay, Anchor: enr.Anchor, CreatedAt: enr.CreatedAt}
	next, ok := Next(e.renderer.Course(), sent, lastDay, booked)
	if !ok {
		out.Status = models.EnrollmentFinished
		return out
	}
	due := e.schedule.DueAt(enr.Anchor, next.Day, e.schedule.Location(sub.Timezone))
	out.Status, out.NextStep, out.NextSendAt = models.EnrollmentActive, next.Slug, &due
	return out
}

// enroll saves the enrollment with next as its next lesson and queues it.
func (e *Engine) enroll(ctx context.Context, sub models.Subscriber, enr models.Enrollment, next course.Lesson) error {
	due := e.schedule.DueAt(enr.Anchor, next.Day, e.schedule.Location(sub.Timezone))
	enr.Status, enr.NextStep, enr.NextSendAt = models.EnrollmentActive, next.Slug, &due
	if err := e.store.SaveEnrollment(ctx, enr); err != nil {
		return err
	}
	e.enqueueNext(ctx, enr)
	return nil
}

// enqueueNext queues the enrollment's next lesson. A failure is only logged:
// the row is saved, and the reconciler queues whatever is due.
func (e *Engine) enqueueNext(ctx context.Context, enr models.Enrollment) {
	if enr.Status != models.EnrollmentActive || enr.NextSendAt == nil {
		return
	}
	if err := e.queue.Lesson(ctx, enr.SubscriberID, enr.NextStep, *enr.NextSendAt); err != nil {
		e.log.Warn("enqueue next lesson", "subscriber_id", enr.SubscriberID, "slug", enr.NextStep, "error", err)
	}
}

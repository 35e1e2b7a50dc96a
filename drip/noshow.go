package drip

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dripbook/dripbook/course"
	"github.com/dripbook/dripbook/models"
)

// NoShowStore finds the calls whose follow-up may be due; storage.Store
// implements it.
type NoShowStore interface {
	// MissedCalls lists confirmed calls marked a no-show at or after
	// markedSince and, when unmarkedUntil is not zero, calls with no mark
	// that ended in (unmarkedSince, unmarkedUntil].
	MissedCalls(ctx context.Context, markedSince, unmarkedSince, unmarkedUntil time.Time, limit int) ([]models.Booking, error)
	// BookedAfter reports whether the subscriber has a confirmed call that
	// starts after start: on an external scheduler a new time is a new
	// booking, not the missed one moved.
	BookedAfter(ctx context.Context, subscriberID int64, start time.Time) (bool, error)
}

// NoShowQueue schedules the no-show follow-up; the worker's Queue
// implements it. Each lesson of each version of a call is its own task.
type NoShowQueue interface {
	NoShow(ctx context.Context, bookingID int64, sequence int, slug string, at time.Time) error
}

// missedCallsBatch bounds one round of PlanNoShows.
const missedCallsBatch = 500

// noShowStart is when the follow-up of b begins: when the coach marked it a
// no-show, or NoShowAfter past its end with no mark. A call that was
// attended, cancelled or moved (a move clears its mark) has none.
func (e *Engine) noShowStart(b models.Booking) (time.Time, bool) {
	if b.Status != models.BookingConfirmed {
		return time.Time{}, false
	}
	switch {
	case b.Outcome == models.OutcomeNoShow && b.OutcomeAt != nil:
		return *b.OutcomeAt, true
	case b.Outcome == "" && e.calls.NoShowAfter > 0:
		start := b.End.Add(e.calls.NoShowAfter)
		return start, !start.After(e.now())
	}
	return time.Time{}, false
}

// noShowSpan is how long after it starts a follow-up can still have a
// lesson due: calls missed longer ago are left alone.
func (e *Engine) noShowSpan(track []course.Lesson) time.Duration {
	return time.Duration(track[len(track)-1].Day+2) * e.schedule.Day
}

// PlanNoShows queues the next follow-up lesson of every recently missed
// call; the reconciler runs it each round, so a lost task or a call that
// just passed unmarked is picked up.
func (e *Engine) PlanNoShows(ctx context.Context) error {
	track := e.renderer.Course().Track(course.TrackNoShow)
	if len(track) == 0 {
		return nil
	}
	now := e.now()
	since := now.Add(-e.noShowSpan(track))
	var until time.Time
	if e.calls.NoShowAfter > 0 {
		until = now.Add(-e.calls.NoShowAfter)
	}
	calls, err := e.store.MissedCalls(ctx, since, since.Add(-e.calls.NoShowAfter), until, missedCallsBatch)
	if err != nil {
		return err
	}
	var errs []error
	for _, b := range calls {
		errs = append(errs, e.planNoShow(ctx, b))
	}
	return errors.Join(errs...)
}

// FollowUpNoShow starts the follow-up of a call the coach has just marked a
// no-show, without waiting for the reconciler's round.
func (e *Engine) FollowUpNoShow(ctx context.Context, bookingID int64) error {
	b, err := e.store.Booking(ctx, bookingID)
	if err != nil {
		return err
	}
	return e.planNoShow(ctx, b)
}

// planNoShow queues the first lesson of b's follow-up that has not gone out.
func (e *Engine) planNoShow(ctx context.Context, b models.Booking) error {
	start, ok := e.noShowStart(b)
	track := e.renderer.Course().Track(course.TrackNoShow)
	if !ok || len(track) == 0 {
		return nil
	}
	sub, err := e.store.Subscriber(ctx, b.SubscriberID)
	if err != nil || sub.Status != models.StatusActive {
		return err
	}
	if b.Scheduler != "" {
		// A new call booked on the scheduler ends the follow-up: nothing
		// is left to plan, round after round.
		rebooked, err := e.store.BookedAfter(ctx, sub.ID, b.Start)
		if err != nil || rebooked {
			return err
		}
	}
	return e.queueNextNoShow(ctx, b, sub, start, track)
}

// queueNextNoShow queues the first lesson of track, b's follow-up starting
// at start, that has not gone out to sub (an active subscriber whose call
// is still missed) and is not on an earlier day than one that has.
func (e *Engine) queueNextNoShow(ctx context.Context, b models.Booking, sub models.Subscriber, start time.Time, track []course.Lesson) error {
	deliveries, err := e.store.Deliveries(ctx, sub.ID)
	if err != nil {
		return err
	}
	done := map[string]bool{}
	for _, d := range deliveries {
		if d.Kind == models.KindNoShow && (d.State == models.DeliverySent || d.State == models.DeliveryFailed) {
			done[d.Step] = true
		}
	}
	// A lesson added to the track behind the latest one done is not sent
	// late, out of order, as in the course.
	latest := -1
	for _, l := range track {
		if done[noShowStep(b, l.Slug)] {
			latest = max(latest, l.Day)
		}
	}
	for _, l := range track {
		if done[noShowStep(b, l.Slug)] || l.Day < latest {
			continue
		}
		at := e.schedule.DueAt(start, l.Day, e.schedule.Location(sub.Timezone))
		if err := e.queue.NoShow(ctx, b.ID, b.Sequence, l.Slug, at); err != nil {
			return fmt.Errorf("queue no-show follow-up of booking %d: %w", b.ID, err)
		}
		return nil
	}
	return nil
}

// noShowStep names one follow-up lesson of one version of a call in the
// delivery log.
func noShowStep(b models.Booking, slug string) string {
	return fmt.Sprintf("%d.%d.%s", b.ID, b.Sequence, slug)
}

// SendNoShow sends one lesson of a missed call's follow-up, unless the
// subscriber has since booked a new time (the call was moved, or cancelled
// for another), the coach marked it attended, or they left; then queues
// the next lesson.
func (e *Engine) SendNoShow(ctx context.Context, bookingID int64, sequence int, slug string) error {
	b, current, err := e.bookingVersion(ctx, bookingID, sequence)
	if err != nil || !current {
		return err // moved or cancelled: a rebooked call stops its follow-up
	}
	start, ok := e.noShowStart(b)
	if !ok {
		return nil
	}
	lesson, i, ok := e.renderer.Course().TrackLesson(course.TrackNoShow, slug)
	if !ok {
		return nil // the lesson left the course
	}
	sub, err := e.store.Subscriber(ctx, b.SubscriberID)
	if err != nil {
		return err
	}
	if sub.Status != models.StatusActive {
		return nil
	}
	// A new time for the same call: moving it is what stops the track. A
	// call booked on an external scheduler is not moved here: the personal
	// booking link leads back to the scheduler, and the new booking it
	// makes stops the track.
	newTime := e.links.Reschedule(b.ID)
	if b.Scheduler != "" {
		rebooked, err := e.store.BookedAfter(ctx, sub.ID, b.Start)
		if err != nil || rebooked {
			return err
		}
		newTime = e.links.Book(sub.ID, "")
	}
	vars := e.courseVars(sub, newTime)
	if vars.TopGaps, err = e.topGaps(ctx, sub, lesson); err != nil {
		return err
	}
	em, err := e.renderer.TrackLesson(course.TrackNoShow, slug, vars)
	if err != nil {
		return fmt.Errorf("render no-show lesson %s: %w", slug, err)
	}
	step := noShowStep(b, lesson.Slug)
	msg := e.courseMessage(sub, em, fmt.Sprintf("%s.%s", models.KindNoShow, step), vars)
	if err := e.sendOnce(ctx, models.DeliveryKey{SubscriberID: sub.ID, Kind: models.KindNoShow, Step: step}, true, msg); err != nil {
		return err
	}
	e.log.Info("no-show follow-up sent", "booking_id", b.ID, "subscriber_id", sub.ID, "slug", slug, "position", i+1)
	// Still missed, the subscriber active and not booked again: all checked
	// above, for this send.
	return e.queueNextNoShow(context.WithoutCancel(ctx), b, sub, start, e.renderer.Course().Track(course.TrackNoShow))
}

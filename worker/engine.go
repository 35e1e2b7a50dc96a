package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/dripbook/dripbook/course"
	"github.com/dripbook/dripbook/drip"
	"github.com/dripbook/dripbook/emails"
	"github.com/dripbook/dripbook/message"
	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/storage"
	"github.com/dripbook/dripbook/token"
)

// Mailer sends one message. relay.Sender and outbox.Outbox implement it.
// An error wrapping message.ErrPermanent means the address will never accept
// it; any other error is worth retrying.
type Mailer interface {
	Send(ctx context.Context, m *message.Message) error
}

// Engine is the drip course: it enrolls confirmed subscribers, sends each
// lesson exactly once, and schedules the next.
type Engine struct {
	store    *storage.Store
	mailer   Mailer
	renderer *emails.Renderer
	links    *token.Links
	queue    *Queue
	schedule drip.Schedule
	calls    Calls
	from     string
	domain   string
	lease    time.Duration
	now      func() time.Time
	log      *slog.Logger
}

// EngineDeps is what an Engine is built from.
type EngineDeps struct {
	Store    *storage.Store
	Mailer   Mailer
	Renderer *emails.Renderer
	Links    *token.Links
	Queue    *Queue
	Schedule drip.Schedule
	Calls    Calls
	From     string // MAIL_FROM
	Domain   string // for Message-IDs
	Now      func() time.Time
	Log      *slog.Logger
}

// NewEngine returns an Engine.
func NewEngine(d EngineDeps) *Engine {
	if d.Now == nil {
		d.Now = func() time.Time { return time.Now().UTC() }
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Calls.Reminders == nil {
		d.Calls.Reminders = defaultReminders
	}
	if d.Calls.CoachTZ == nil {
		d.Calls.CoachTZ = d.Schedule.DefaultTZ
	}
	return &Engine{
		store: d.Store, mailer: d.Mailer, renderer: d.Renderer, links: d.Links, queue: d.Queue,
		schedule: d.Schedule, calls: d.Calls, from: d.From, domain: d.Domain, now: d.Now, log: d.Log,
		// A send holding its claim longer than this is taken to have died
		// with its worker.
		lease: 5 * time.Minute,
	}
}

// RequestConfirmation queues the confirmation email for a signup round.
func (e *Engine) RequestConfirmation(ctx context.Context, subscriberID int64, round int) error {
	return e.queue.Confirmation(ctx, subscriberID, round)
}

// Confirm activates a pending subscriber and enrolls them in the course. A
// returning subscriber continues with the first lesson they have not had.
func (e *Engine) Confirm(ctx context.Context, subscriberID int64) error {
	changed, err := e.store.Confirm(ctx, subscriberID)
	if err != nil || !changed {
		return err
	}
	sub, err := e.store.Subscriber(ctx, subscriberID)
	if err != nil {
		return err
	}
	// A lesson refused before (the address bounced) gets another try now
	// that the subscriber has confirmed afresh.
	if err := e.store.RetryFailed(ctx, sub.ID, models.KindLesson); err != nil {
		return err
	}
	sent, err := e.store.SentSteps(ctx, sub.ID, models.KindLesson)
	if err != nil {
		return err
	}
	enr, err := e.store.Enrollment(ctx, sub.ID)
	switch {
	case errors.Is(err, models.ErrNotFound):
		enr = models.Enrollment{SubscriberID: sub.ID, LastDay: -1}
	case err != nil:
		return err
	}
	booked, err := e.store.HasActiveBooking(ctx, sub.ID)
	if err != nil {
		return err
	}
	now := e.now()
	loc := e.schedule.Location(sub.Timezone)
	next, ok := drip.Next(e.renderer.Course(), sent, enr.LastDay, booked)
	if !ok {
		enr.Status, enr.NextStep, enr.NextSendAt, enr.Anchor = models.EnrollmentFinished, "", nil, now
		return e.store.SaveEnrollment(ctx, enr)
	}
	enr.Anchor = now
	if len(sent) > 0 {
		enr.Anchor = e.schedule.Rebase(now, next.Day, loc)
	}
	return e.enroll(ctx, sub, enr, next)
}

// SendConfirmation sends the double opt-in email for one signup round.
func (e *Engine) SendConfirmation(ctx context.Context, subscriberID int64, round int) error {
	sub, err := e.store.Subscriber(ctx, subscriberID)
	if errors.Is(err, models.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if sub.Status != models.StatusPending || sub.ConfirmRound != round {
		return nil // confirmed, unsubscribed, or a newer round exists
	}
	key := models.DeliveryKey{SubscriberID: sub.ID, Kind: models.KindConfirm, Step: strconv.Itoa(round)}
	if err := e.claim(ctx, key); err != nil {
		return ignoreDone(err)
	}
	em, err := e.renderer.Confirmation(course.Vars{FirstName: firstName(sub.Name), ConfirmURL: e.links.Confirm(sub.ID)})
	if err != nil {
		return e.release(ctx, key, fmt.Errorf("render confirmation: %w", err))
	}
	msg := e.message(sub, em, fmt.Sprintf("confirm.%d.%d@%s", sub.ID, round, e.domain))
	if err := e.deliver(ctx, key, true, msg); err != nil {
		return err
	}
	return e.store.MarkSent(context.WithoutCancel(ctx), key)
}

// SendLesson sends one lesson if it is still the subscriber's next step, then
// schedules the one after. Duplicate, stale and retried tasks send nothing
// twice: the delivery log decides.
func (e *Engine) SendLesson(ctx context.Context, subscriberID int64, slug string) error {
	sub, err := e.store.Subscriber(ctx, subscriberID)
	if errors.Is(err, models.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if sub.Status != models.StatusActive {
		e.log.Info("lesson skipped", "subscriber_id", sub.ID, "slug", slug, "status", sub.Status)
		return nil
	}
	enr, err := e.store.Enrollment(ctx, sub.ID)
	if errors.Is(err, models.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if enr.Status != models.EnrollmentActive || enr.NextStep != slug {
		e.log.Debug("stale lesson task", "subscriber_id", sub.ID, "slug", slug, "next", enr.NextStep, "status", enr.Status)
		return nil // an old task: the enrollment has moved on
	}
	lesson, _, ok := e.renderer.Course().Lesson(slug)
	if !ok {
		// The lesson was removed from the course: move on to the next one.
		return e.advance(ctx, sub, enr, enr.LastDay)
	}
	booked, err := e.store.HasActiveBooking(ctx, sub.ID)
	if err != nil {
		return err
	}
	if booked && lesson.StopWhenBooked {
		e.log.Info("sales lesson skipped: call booked", "subscriber_id", sub.ID, "slug", slug)
		return e.advance(ctx, sub, enr, enr.LastDay)
	}
	key := models.DeliveryKey{SubscriberID: sub.ID, Kind: models.KindLesson, Step: slug}
	switch err := e.claim(ctx, key); {
	case errors.Is(err, models.ErrAlreadySent):
		return e.advance(ctx, sub, enr, lesson.Day) // sent, but the enrollment never moved on
	case err != nil:
		return ignoreDone(err)
	}
	unsubscribe := e.links.Unsubscribe(sub.ID)
	em, err := e.renderer.Lesson(slug, course.Vars{
		FirstName:      firstName(sub.Name),
		BookingURL:     e.links.Book(sub.ID, slug),
		UnsubscribeURL: unsubscribe,
	})
	if err != nil {
		return e.release(ctx, key, fmt.Errorf("render lesson %s: %w", slug, err))
	}
	msg := e.message(sub, em, fmt.Sprintf("lesson.%d.%s@%s", sub.ID, slug, e.domain))
	msg.Headers = message.UnsubscribeHeaders(unsubscribe)
	// An unsubscribe may have landed since the checks above; look once more,
	// as late as possible.
	if cur, err := e.store.Subscriber(ctx, sub.ID); err != nil {
		return e.release(ctx, key, err)
	} else if cur.Status != models.StatusActive {
		return e.store.MarkRetry(ctx, key, errNotActive)
	}
	if lesson.StopWhenBooked {
		if booked, err := e.store.HasActiveBooking(ctx, sub.ID); err != nil {
			return e.release(ctx, key, err)
		} else if booked {
			// Booked since the check above: the booking's replan moves the
			// course on; this sales lesson stays unsent.
			return e.store.MarkRetry(ctx, key, errBooked)
		}
	}
	if err := e.deliver(ctx, key, true, msg); err != nil {
		return err
	}
	e.log.Info("lesson sent", "subscriber_id", sub.ID, "slug", slug)

	// The lesson is out: record it even if the task is being cancelled, or a
	// retry would send it again.
	ctx = context.WithoutCancel(ctx)
	sent, err := e.store.SentSteps(ctx, sub.ID, models.KindLesson)
	if err != nil {
		return err
	}
	sent[slug] = true
	// A booking may have been made or cancelled while the lesson was on its
	// way: plan with what holds now.
	if booked, err = e.store.HasActiveBooking(ctx, sub.ID); err != nil {
		return err
	}
	next := e.plan(sub, enr, sent, lesson.Day, booked)
	if err := e.store.CompleteStep(ctx, key, next); err != nil {
		return err
	}
	e.enqueueNext(ctx, next)
	return nil
}

// firstName is the first word of the name the subscriber gave.
func firstName(name string) string {
	first, _, _ := strings.Cut(strings.TrimSpace(name), " ")
	return first
}

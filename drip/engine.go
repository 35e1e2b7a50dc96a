package drip

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strconv"
	"time"

	"github.com/dripbook/dripbook/booking"
	"github.com/dripbook/dripbook/course"
	"github.com/dripbook/dripbook/message"
	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/token"
)

// Mailer sends one message; relay.Sender and outbox.Outbox implement it. An
// error wrapping message.ErrPermanent means the address will never accept
// it; a *message.PausedError means sending is paused until a given time;
// any other error is worth retrying.
type Mailer interface {
	Send(ctx context.Context, m *message.Message) error
}

// Queue schedules the engine's work; the worker's Asynq queue implements
// it. Each email's task has an ID of its own, so queuing it twice is a no-op.
type Queue interface {
	Confirmation(ctx context.Context, subscriberID int64, round int) error
	Lesson(ctx context.Context, subscriberID int64, slug string, at time.Time) error
	// Reminders queues a confirmed booking's reminders that fall after since
	// and reports how many were added.
	Reminders(ctx context.Context, b models.Booking, leads []time.Duration, since time.Time) (int, error)
	NoShowQueue
}

// Renderer writes the emails; emails.Renderer implements it.
type Renderer interface {
	Course() *course.Course
	Confirmation(v course.Vars) (message.Content, error)
	Lesson(slug string, v course.Vars) (message.Content, error)
	BookingConfirmation(n booking.Notice) (message.Content, error)
	BookingCancelled(n booking.Notice) (message.Content, error)
	BookingPlaceChanged(n booking.Notice) (message.Content, error)
	BookingReminder(n booking.Notice, lead time.Duration) (message.Content, error)
	CoachBrief(n booking.Notice, event booking.Event) (message.Content, error)
	TrackLesson(track, slug string, v course.Vars) (message.Content, error)
}

// Store is what the engine reads and writes; storage.Store implements it.
type Store interface {
	Subscriber(ctx context.Context, id int64) (models.Subscriber, error)
	Confirm(ctx context.Context, id int64) (bool, error)
	MarkBounced(ctx context.Context, id int64) error
	RestoreBounced(ctx context.Context, id int64) (bool, error)
	Enrollment(ctx context.Context, subscriberID int64) (models.Enrollment, error)
	SaveEnrollment(ctx context.Context, e models.Enrollment) error
	LessonState(ctx context.Context, subscriberID int64) (models.LessonState, error)
	ClaimLesson(ctx context.Context, key models.DeliveryKey, lease time.Duration, stopWhenBooked bool) error
	CompleteStep(ctx context.Context, key models.DeliveryKey, plan models.StepPlan) (models.Enrollment, error)
	SentSteps(ctx context.Context, subscriberID int64, kind models.Kind) (map[string]bool, error)
	FinishedSteps(ctx context.Context, subscriberID int64, kind models.Kind) (map[string]bool, error)
	RetryFailed(ctx context.Context, subscriberID int64, kind models.Kind) error
	ClaimDelivery(ctx context.Context, key models.DeliveryKey, lease time.Duration) error
	RenewClaim(ctx context.Context, key models.DeliveryKey) (bool, error)
	MarkSent(ctx context.Context, key models.DeliveryKey) error
	MarkRetry(ctx context.Context, key models.DeliveryKey, cause error) error
	MarkPaused(ctx context.Context, key models.DeliveryKey, cause error) error
	MarkFailed(ctx context.Context, key models.DeliveryKey, cause error) error
	Deliveries(ctx context.Context, subscriberID int64) ([]models.Delivery, error)
	HasActiveBooking(ctx context.Context, subscriberID int64) (bool, error)
	Booking(ctx context.Context, id int64) (models.Booking, error)
	Clicks(ctx context.Context, subscriberID int64) ([]models.Click, error)
	MarkBookingNotified(ctx context.Context, id int64, sequence int) error
	ScorecardStore
	NoShowStore
}

// Engine runs the course: it enrolls confirmed subscribers, sends each
// lesson exactly once and plans the next, and sends the emails about each
// booking. The delivery log in the Store decides what has gone out; the
// Queue only says when to look.
type Engine struct {
	store    Store
	mailer   Mailer
	renderer Renderer
	links    *token.Links
	queue    Queue
	schedule Schedule
	calls    Calls
	from     string
	domain   string
	lease    time.Duration
	now      func() time.Time
	log      *slog.Logger
}

// Deps is what an Engine is built from. Now and Log default to the real
// clock and slog's default logger; Calls.Reminders to DefaultReminders,
// Calls.CoachTZ to the schedule's zone and Lease to DefaultLease.
type Deps struct {
	Store    Store
	Mailer   Mailer
	Renderer Renderer
	Links    *token.Links
	Queue    Queue
	Schedule Schedule
	Calls    Calls
	From     string // MAIL_FROM
	Domain   string // for Message-IDs
	Lease    time.Duration
	Now      func() time.Time
	Log      *slog.Logger
}

// DefaultLease is how long a claim on an email holds without being renewed:
// a claim whose worker died is taken over once it passes. A send that runs
// longer renews its claim as it goes (see Engine.send), so the lease bounds
// how long a crash holds an email up, not how long a send may take.
const DefaultLease = 30 * time.Second

// NewEngine returns an Engine.
func NewEngine(d Deps) *Engine {
	if d.Now == nil {
		d.Now = func() time.Time { return time.Now().UTC() }
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Calls.Reminders == nil {
		d.Calls.Reminders = DefaultReminders
	}
	if d.Calls.CoachTZ == nil {
		d.Calls.CoachTZ = d.Schedule.DefaultTZ
	}
	if d.Lease <= 0 {
		d.Lease = DefaultLease
	}
	return &Engine{
		store: d.Store, mailer: d.Mailer, renderer: d.Renderer, links: d.Links, queue: d.Queue,
		schedule: d.Schedule, calls: d.Calls, from: d.From, domain: d.Domain, lease: d.Lease, now: d.Now, log: d.Log,
	}
}

// RequestConfirmation queues the confirmation email for a signup round.
func (e *Engine) RequestConfirmation(ctx context.Context, subscriberID int64, round int) error {
	return e.queue.Confirmation(ctx, subscriberID, round)
}

// Confirm activates a pending subscriber and enrolls them in the course. A
// returning subscriber continues with the first lesson they have not had.
// Confirming again changes nothing, but finishes a confirmation whose
// enrollment was cut off after the subscriber became active (a crash, a
// lost connection), so that nobody is left active without a course.
func (e *Engine) Confirm(ctx context.Context, subscriberID int64) error {
	changed, err := e.store.Confirm(ctx, subscriberID)
	if err != nil {
		return err
	}
	sub, err := e.store.Subscriber(ctx, subscriberID)
	if err != nil {
		return err
	}
	if !changed {
		if sub.Status != models.StatusActive {
			return models.ErrNoLongerSubscribed
		}
		enr, err := e.store.Enrollment(ctx, sub.ID)
		switch {
		case errors.Is(err, models.ErrNotFound):
		case err != nil:
			return err
		case sub.ConfirmedAt == nil || !enr.UpdatedAt.Before(*sub.ConfirmedAt):
			return nil // enrolled since the confirmation, as it should be
		}
		// No enrollment, or a returning subscriber's old one, stopped when
		// they left: the confirmation was cut off before it enrolled them.
		e.log.Warn("confirmed subscriber was not enrolled: enrolling now", "subscriber_id", sub.ID)
	}
	return e.resume(ctx, sub)
}

// RestoreBounced undoes a bounce, for an address that was refused by
// mistake: the subscriber continues the course with the first lesson they
// have not had, or, if they never confirmed, gets their confirmation again.
func (e *Engine) RestoreBounced(ctx context.Context, subscriberID int64) error {
	restored, err := e.store.RestoreBounced(ctx, subscriberID)
	if err != nil || !restored {
		return err
	}
	sub, err := e.store.Subscriber(ctx, subscriberID)
	if err != nil {
		return err
	}
	e.log.Info("bounce undone", "subscriber_id", sub.ID, "status", sub.Status)
	if sub.Status == models.StatusPending {
		return e.queue.Confirmation(ctx, sub.ID, sub.ConfirmRound)
	}
	return e.resume(ctx, sub)
}

// resume enrolls an active subscriber at the first lesson they have not
// had, spaced from now as the course is.
func (e *Engine) resume(ctx context.Context, sub models.Subscriber) error {
	// A lesson refused before (the address bounced) gets another try now
	// that the subscriber has confirmed afresh or the bounce was undone.
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
	next, ok := Next(e.renderer.Course(), sent, enr.LastDay, booked)
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
	em, err := e.renderer.Confirmation(course.Vars{FirstName: models.FirstName(sub.Name), ConfirmURL: e.links.Confirm(sub.ID)})
	if err != nil {
		return e.release(ctx, key, fmt.Errorf("render confirmation: %w", err))
	}
	msg := e.message(sub, em, fmt.Sprintf("confirm.%d.%d@%s", sub.ID, round, e.domain))
	msg.ToName = "" // a stranger may have typed it: not in an inbox that has not opted in
	if err := e.deliver(ctx, key, true, msg); err != nil {
		return err
	}
	return e.store.MarkSent(context.WithoutCancel(ctx), key)
}

// SendLesson sends one lesson if it is still the subscriber's next step, then
// plans the one after. Duplicate, stale and retried tasks send nothing twice:
// the delivery log decides.
func (e *Engine) SendLesson(ctx context.Context, subscriberID int64, slug string) error {
	st, due, err := e.lessonDue(ctx, subscriberID, slug)
	if err != nil || !due {
		return err
	}
	sub, enr := st.Subscriber, *st.Enrollment
	lesson, _, ok := e.renderer.Course().Lesson(slug)
	if !ok {
		// The lesson was removed from the course: move on to the next one.
		return e.advance(ctx, sub, enr, enr.LastDay)
	}
	if lesson.StopWhenBooked && st.Booked {
		e.log.Info("sales lesson skipped: call booked", "subscriber_id", sub.ID, "slug", slug)
		return e.advance(ctx, sub, enr, enr.LastDay)
	}
	if !st.Sent[slug] {
		// The course was edited while this lesson waited: a lesson added
		// ahead of the subscriber comes first, and one moved behind them is
		// not sent. (One done already is the claim's to settle, below.)
		if next, ok := Next(e.renderer.Course(), st.Sent, enr.LastDay, st.Booked); !ok || next.Slug != slug {
			e.log.Info("lesson replanned: the course changed while it waited", "subscriber_id", sub.ID, "slug", slug, "next", next.Slug)
			return e.advance(ctx, sub, enr, enr.LastDay)
		}
	}
	// Rendered before the claim, so that the claim, which looks once more
	// for an unsubscribe or a booking, comes right before the send.
	msg, err := e.lessonMessage(ctx, sub, lesson)
	if err != nil {
		return err
	}
	key := models.DeliveryKey{SubscriberID: sub.ID, Kind: models.KindLesson, Step: slug}
	switch err := e.store.ClaimLesson(ctx, key, e.lease, lesson.StopWhenBooked); {
	case errors.Is(err, models.ErrAlreadySent):
		return e.advance(ctx, sub, enr, lesson.Day) // sent, but the enrollment never moved on
	case errors.Is(err, models.ErrNotDue):
		return e.notDue(ctx, subscriberID, lesson)
	case errors.Is(err, models.ErrDeliveryFailed):
		// Refused for good before, yet the subscriber is still here: the
		// lesson could not be built, or its bounce was not recorded. The
		// course moves on rather than wait on it for ever; a dead address
		// is refused again at the next lesson.
		e.log.Warn("lesson failed before: the course moves on", "subscriber_id", sub.ID, "slug", slug)
		return e.advance(ctx, sub, enr, lesson.Day)
	case err != nil:
		return ignoreDone(err)
	}
	if err := e.deliver(ctx, key, true, msg); err != nil {
		return err
	}
	e.log.Info("lesson sent", "subscriber_id", sub.ID, "slug", slug)
	// The lesson is out: record it even if the task is being cancelled, or a
	// retry would send it again.
	return e.recordLesson(context.WithoutCancel(ctx), key, st, lesson)
}

// lessonDue loads what a lesson task decides on and reports whether the
// lesson is still due: the subscriber is active and the enrollment still
// waits for this lesson (an old task finds it moved on). When it is due,
// the state has an enrollment.
func (e *Engine) lessonDue(ctx context.Context, subscriberID int64, slug string) (models.LessonState, bool, error) {
	st, err := e.store.LessonState(ctx, subscriberID)
	if errors.Is(err, models.ErrNotFound) {
		return st, false, nil
	}
	if err != nil {
		return st, false, err
	}
	if st.Subscriber.Status != models.StatusActive {
		e.log.Info("lesson skipped", "subscriber_id", subscriberID, "slug", slug, "status", st.Subscriber.Status)
		return st, false, nil
	}
	enr := st.Enrollment
	if enr == nil {
		return st, false, nil
	}
	if enr.Status != models.EnrollmentActive || enr.NextStep != slug {
		e.log.Debug("stale lesson task", "subscriber_id", subscriberID, "slug", slug, "next", enr.NextStep, "status", enr.Status)
		return st, false, nil
	}
	return st, true, nil
}

// notDue follows a claim refused because, since the task loaded its state,
// the subscriber left, the enrollment moved on or a call was booked. A
// booking moves a sales lesson's course on; the rest needs nothing. A
// lesson due after all lost a race with another change: the task retries.
func (e *Engine) notDue(ctx context.Context, subscriberID int64, lesson course.Lesson) error {
	st, due, err := e.lessonDue(ctx, subscriberID, lesson.Slug)
	if err != nil || !due {
		return err
	}
	if lesson.StopWhenBooked && st.Booked {
		e.log.Info("sales lesson held back: call booked", "subscriber_id", subscriberID, "slug", lesson.Slug)
		return e.advance(ctx, st.Subscriber, *st.Enrollment, st.Enrollment.LastDay)
	}
	return fmt.Errorf("claim lesson %s for %d: state changed meanwhile: %w", lesson.Slug, subscriberID, models.ErrInFlight)
}

// LessonMessage renders a lesson for one subscriber, with its personal
// booking link and one-click unsubscribe, as SendLesson would send it.
func (e *Engine) LessonMessage(sub models.Subscriber, lesson course.Lesson) (*message.Message, error) {
	return e.renderLesson(sub, lesson, "")
}

func (e *Engine) renderLesson(sub models.Subscriber, lesson course.Lesson, topGaps string) (*message.Message, error) {
	vars := e.courseVars(sub, e.links.Book(sub.ID, lesson.Slug))
	vars.TopGaps = topGaps
	em, err := e.renderer.Lesson(lesson.Slug, vars)
	if err != nil {
		return nil, fmt.Errorf("render lesson %s: %w", lesson.Slug, err)
	}
	return e.courseMessage(sub, em, fmt.Sprintf("lesson.%d.%s", sub.ID, lesson.Slug), vars), nil
}

// courseVars are the variables of a course email to sub whose booking
// link is bookingURL.
func (e *Engine) courseVars(sub models.Subscriber, bookingURL string) course.Vars {
	return course.Vars{
		FirstName:      models.FirstName(sub.Name),
		BookingURL:     bookingURL,
		UnsubscribeURL: e.links.Unsubscribe(sub.ID),
		ScorecardURL:   e.links.Scorecard(sub.ID),
	}
}

// courseMessage is a course email to sub, rendered with vars, as a message
// with the Message-ID id@domain and the list's headers (List-Id and the
// one-click unsubscribe).
func (e *Engine) courseMessage(sub models.Subscriber, em message.Content, id string, vars course.Vars) *message.Message {
	msg := e.message(sub, em, id+"@"+e.domain)
	msg.Headers = message.CourseHeaders(e.renderer.Course().Title, e.domain, vars.UnsubscribeURL)
	return msg
}

// recordLesson records a sent lesson and plans the next one in the same
// transaction, with the booking state of that moment: a call may have been
// booked or cancelled while the lesson was on its way, so when a booking
// would change the plan, both plans go to the store and it picks.
func (e *Engine) recordLesson(ctx context.Context, key models.DeliveryKey, st models.LessonState, lesson course.Lesson) error {
	sent := maps.Clone(st.Sent)
	sent[lesson.Slug] = true
	sub, enr := st.Subscriber, *st.Enrollment
	plan := models.StepPlan{Next: e.plan(sub, enr, sent, lesson.Day, false)}
	if ifBooked := e.plan(sub, enr, sent, lesson.Day, true); ifBooked.NextStep != plan.Next.NextStep || ifBooked.Status != plan.Next.Status {
		plan.IfBooked = &ifBooked
	}
	next, err := e.store.CompleteStep(ctx, key, plan)
	if err != nil {
		// The lesson is out. If nothing records that, the claim's lease
		// runs out and a retry sends it again: record it alone, and let the
		// retry find it sent and move the enrollment on.
		if markErr := e.store.MarkSent(ctx, key); markErr != nil {
			e.log.Error("lesson sent but not recorded: it may go out again", "delivery", key.String(), "error", errors.Join(err, markErr))
		}
		return err
	}
	e.enqueueNext(ctx, next)
	return nil
}

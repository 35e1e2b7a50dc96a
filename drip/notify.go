package drip

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"time"

	"github.com/dripbook/dripbook/booking"
	"github.com/dripbook/dripbook/calendar"
	"github.com/dripbook/dripbook/course"
	"github.com/dripbook/dripbook/locale"
	"github.com/dripbook/dripbook/message"
	"github.com/dripbook/dripbook/models"
)

// DefaultReminders are how long before a call the reminders go out.
var DefaultReminders = []time.Duration{24 * time.Hour, time.Hour}

// Calls is what the engine needs to know about the coach's calls.
type Calls struct {
	Coach   calendar.Person // organizer of every invite; briefs go to Coach.Email
	CoachTZ *time.Location
	// CoachLocale is how the coach's briefs write dates and clocks.
	CoachLocale locale.Locale
	Reminders   []time.Duration
	Place       booking.Place // where every call happens
	// NoShowAfter is how long after a call's end with no mark it counts as
	// missed and its follow-up starts (NO_SHOW_AFTER); 0 waits for the
	// coach's mark.
	NoShowAfter time.Duration
}

// event names what happened to a booking from its state.
func event(b models.Booking) booking.Event {
	switch {
	case b.Status == models.BookingCancelled:
		return booking.EventCancelled
	case b.Sequence > 0 && b.PlaceSequence == b.Sequence:
		return booking.EventPlaceChanged
	case b.Sequence > 0:
		return booking.EventRescheduled
	default:
		return booking.EventBooked
	}
}

// NotifyBooking sends the subscriber's confirmation (with the calendar
// invite) or cancellation, and the coach's brief, for one version of a
// booking; then queues its reminders. Each email goes out once.
func (e *Engine) NotifyBooking(ctx context.Context, bookingID int64, sequence int) error {
	b, current, err := e.bookingVersion(ctx, bookingID, sequence)
	if err != nil || !current {
		return err // a later change has its own notice
	}
	view, sub, err := e.bookingView(ctx, b)
	if err != nil {
		return err
	}
	ev := event(b)
	step := fmt.Sprintf("%d.%d.%s", b.ID, b.Sequence, ev)
	if b.Scheduler != "" {
		// The scheduler sends the attendee its own confirmation, invite
		// and reminders, and puts the call in the coach's calendar:
		// dripbook only briefs the coach.
		if err := e.brief(ctx, view, sub, ev, step, nil); err != nil {
			return err
		}
		return e.store.MarkBookingNotified(context.WithoutCancel(ctx), b.ID, b.Sequence)
	}
	cancelled := ev == booking.EventCancelled

	var em message.Content
	switch ev {
	case booking.EventCancelled:
		em, err = e.renderer.BookingCancelled(view)
	case booking.EventPlaceChanged:
		em, err = e.renderer.BookingPlaceChanged(view)
	default:
		em, err = e.renderer.BookingConfirmation(view)
	}
	if err != nil {
		return fmt.Errorf("render booking email: %w", err)
	}
	msg := e.message(sub, em, fmt.Sprintf("booking.%s@%s", step, e.domain))
	msg.Calendar = invitation(e.invite(b, sub), cancelled)
	// A subscriber address that refuses mail must not keep the coach from
	// hearing about the call. An erased subscriber has no address left.
	var subErr error
	if sub.Status != models.StatusErased {
		subErr = e.sendOnce(ctx, models.DeliveryKey{SubscriberID: sub.ID, Kind: models.KindBooking, Step: step}, true, msg)
	}
	// The coach's own copy of the event: the same UID and sequence, so the
	// call lands in their calendar and moves or leaves with it, whatever
	// the subscriber's address did.
	if err := e.brief(ctx, view, sub, ev, step, invitation(e.coachInvite(b, sub), cancelled)); err != nil {
		return errors.Join(subErr, err)
	}
	if subErr != nil && !errors.Is(subErr, message.ErrPermanent) {
		return subErr // retried for the subscriber; the brief is out, and goes only once
	}
	if subErr == nil {
		// A notice that runs late still queues a reminder that is now due.
		if _, err := e.queue.Reminders(ctx, b, e.calls.Reminders, b.UpdatedAt); err != nil {
			e.log.Warn("queue reminders", "booking_id", b.ID, "error", err)
		}
	}
	return e.store.MarkBookingNotified(context.WithoutCancel(ctx), b.ID, b.Sequence)
}

// brief sends the coach's brief of one version of a booking, once, with
// cal (when not nil) as the coach's copy of the event.
func (e *Engine) brief(ctx context.Context, view booking.Notice, sub models.Subscriber, ev booking.Event, step string, cal *message.Calendar) error {
	if e.calls.Coach.Email == "" {
		return nil
	}
	brief, err := e.renderer.CoachBrief(view, ev)
	if err != nil {
		return fmt.Errorf("render coach brief: %w", err)
	}
	msg := &message.Message{
		From: e.from, To: e.calls.Coach.Email, ToName: e.calls.Coach.Name,
		Subject: brief.Subject, Text: brief.Text, HTML: brief.HTML,
		MessageID: fmt.Sprintf("brief.%s@%s", step, e.domain),
		Headers:   map[string]string{"Reply-To": sub.Email},
		Calendar:  cal,
	}
	return e.sendOnce(ctx, models.DeliveryKey{SubscriberID: sub.ID, Kind: models.KindBrief, Step: step}, false, msg)
}

// bookingVersion loads a booking for a task about one version of it;
// current is false when the booking is gone or has changed since.
func (e *Engine) bookingVersion(ctx context.Context, bookingID int64, sequence int) (b models.Booking, current bool, err error) {
	b, err = e.store.Booking(ctx, bookingID)
	if errors.Is(err, models.ErrNotFound) {
		return b, false, nil
	}
	if err != nil {
		return b, false, err
	}
	return b, b.Sequence == sequence, nil
}

// RemindBooking sends the reminder lead before a call starting at start,
// unless the booking was since cancelled or moved. A reminder is of the
// call's time, not of one version: a new place keeps the reminders queued
// before it, which go out with the place as it is now, each once. A start
// of zero (a task queued before reminders named their start) holds only
// for the version sequence.
func (e *Engine) RemindBooking(ctx context.Context, bookingID int64, sequence int, lead time.Duration, start time.Time) error {
	b, current, err := e.bookingVersion(ctx, bookingID, sequence)
	if err != nil || b.ID == 0 {
		return err
	}
	moved := !current
	if !start.IsZero() {
		moved = !b.Start.Equal(start)
	}
	if moved {
		return nil
	}
	if b.Status != models.BookingConfirmed || !b.Start.After(e.now()) || b.Scheduler != "" {
		return nil
	}
	view, sub, err := e.bookingView(ctx, b)
	if err != nil {
		return err
	}
	if sub.Status == models.StatusBounced || sub.Status == models.StatusErased {
		return nil // the address refuses mail, or is no longer known
	}
	em, err := e.renderer.BookingReminder(view, lead)
	if err != nil {
		return fmt.Errorf("render reminder: %w", err)
	}
	// Once per time and lead, whichever version's task comes first.
	msg := e.message(sub, em, fmt.Sprintf("reminder.%d.%d.%d@%s", b.ID, b.Sequence, int64(lead.Seconds()), e.domain))
	return e.sendOnce(ctx, models.ReminderKey(b, lead), true, msg)
}

// sendOnce claims, sends and records one email.
func (e *Engine) sendOnce(ctx context.Context, key models.DeliveryKey, toSubscriber bool, msg *message.Message) error {
	if err := e.claim(ctx, key); err != nil {
		return ignoreDone(err)
	}
	if err := e.deliver(ctx, key, toSubscriber, msg); err != nil {
		return err
	}
	return e.store.MarkSent(context.WithoutCancel(ctx), key)
}

// invitation is the iTIP message for one version of an event: a REQUEST
// that adds or moves it, or the CANCEL that removes it.
func invitation(ev calendar.Event, cancelled bool) *message.Calendar {
	if cancelled {
		return &message.Calendar{Method: "CANCEL", Data: calendar.Cancel(ev)}
	}
	return &message.Calendar{Method: "REQUEST", Data: calendar.Request(ev)}
}

// invite is the subscriber's calendar event for a booking.
func (e *Engine) invite(b models.Booking, sub models.Subscriber) calendar.Event {
	return booking.SubscriberInvite(b, e.calls.Place, e.calls.Coach, calendar.Person{Name: sub.Name, Email: sub.Email}, e.links.Manage(b.ID))
}

// coachInvite is the coach's copy of the same event: the subscriber's name
// in the title, their address in the description.
func (e *Engine) coachInvite(b models.Booking, sub models.Subscriber) calendar.Event {
	who := message.OneLine(sub.Name)
	if who == "" {
		who = sub.Email
	}
	return booking.CallEvent(b, e.calls.Place, e.calls.Coach, calendar.Person{Name: sub.Name, Email: sub.Email}, "Discovery call: "+who,
		"Discovery call with "+who+" <"+sub.Email+">.", "Their answers and course history are in the brief in your inbox.", "")
}

// bookingView gathers what the booking emails show, including the coach's
// brief: answers, when they subscribed, lessons received and clicked.
func (e *Engine) bookingView(ctx context.Context, b models.Booking) (booking.Notice, models.Subscriber, error) {
	sub, err := e.store.Subscriber(ctx, b.SubscriberID)
	if err != nil {
		return booking.Notice{}, sub, err
	}
	var answers booking.Answers
	if b.Answers != "" {
		if err := json.Unmarshal([]byte(b.Answers), &answers); err != nil {
			return booking.Notice{}, sub, fmt.Errorf("decode answers of booking %d: %w", b.ID, err)
		}
	}
	deliveries, err := e.store.Deliveries(ctx, sub.ID)
	if err != nil {
		return booking.Notice{}, sub, err
	}
	course := e.renderer.Course()
	// A call booked on a scheduler was asked that scheduler's questions,
	// stored by label, not the course's.
	questions := course.Booking.Questions
	if b.Scheduler != "" {
		questions = nil
	}
	var sent []string
	for _, d := range deliveries {
		if d.Kind == models.KindLesson && d.State == models.DeliverySent {
			sent = append(sent, lessonTitle(course, d.Step, models.FirstName(sub.Name)))
		}
	}
	clicks, err := e.store.Clicks(ctx, sub.ID)
	if err != nil {
		return booking.Notice{}, sub, err
	}
	var clicked []string
	seen := map[string]bool{}
	for _, c := range clicks {
		if c.Lesson != "" && !seen[c.Lesson] {
			seen[c.Lesson] = true
			clicked = append(clicked, lessonTitle(course, c.Lesson, models.FirstName(sub.Name)))
		}
	}
	tz := b.Timezone
	if tz == "" {
		tz = sub.Timezone
	}
	v := booking.Notice{
		CoachName: e.calls.Coach.Name, SubscriberName: sub.Name, SubscriberEmail: sub.Email,
		Start: b.Start, End: b.End,
		SubscriberTZ: e.schedule.Location(tz), CoachTZ: e.calls.CoachTZ,
		SubscriberLocale: locale.Parse(b.Locale, ""), CoachLocale: e.calls.CoachLocale,
		ManageURL:      e.links.Manage(b.ID),
		CancelURL:      e.links.Cancel(b.ID),
		RescheduleURL:  e.links.Reschedule(b.ID),
		BookAgainURL:   e.links.Book(sub.ID, ""),
		InviteURL:      e.links.Invite(b.ID),
		Place:          booking.CallPlace(b, e.calls.Place),
		Answers:        booking.Labelled(questions, answers),
		SubscribedAt:   sub.CreatedAt,
		LessonsSent:    sent,
		LessonsClicked: clicked,
		Rescheduled:    event(b) == booking.EventRescheduled,
	}
	if b.Status == models.BookingConfirmed {
		ev := e.invite(b, sub)
		v.GoogleURL, v.OutlookURL = calendar.GoogleURL(ev), calendar.OutlookURL(ev)
	}
	if b.SourceLesson != "" {
		v.SourceLesson = lessonTitle(course, b.SourceLesson, models.FirstName(sub.Name))
	}
	if v.Scorecard, err = e.store.ScorecardAnswers(ctx, sub.ID); err != nil {
		return booking.Notice{}, sub, err
	}
	return v, sub, nil
}

var subjectVar = regexp.MustCompile(`\{\{\s*([a-z_]+)[^}]*\}\}`)

// lessonTitle is a lesson's subject as the subscriber saw it, near enough
// for the coach's brief, or its slug if the lesson has left the course.
func lessonTitle(c *course.Course, slug, first string) string {
	l, _, ok := c.Lesson(slug)
	if !ok {
		return slug
	}
	return subjectVar.ReplaceAllStringFunc(l.Subject, func(v string) string {
		if subjectVar.FindStringSubmatch(v)[1] == "first_name" && first != "" {
			return first
		}
		return "…"
	})
}

// CoachPerson builds the invite organizer from COACH_NAME, COACH_EMAIL and,
// failing that, MAIL_FROM.
func CoachPerson(name, email, from string) calendar.Person {
	if email == "" {
		if a, err := mail.ParseAddress(from); err == nil {
			email = a.Address
		}
	}
	return calendar.Person{Name: name, Email: email}
}

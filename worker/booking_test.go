package worker_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/booking"
	"github.com/dripbook/dripbook/calendar"
	"github.com/dripbook/dripbook/course"
	"github.com/dripbook/dripbook/drip"
	"github.com/dripbook/dripbook/message"
	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/smtptest"
	"github.com/dripbook/dripbook/storage"
	"github.com/dripbook/dripbook/testenv"
	"github.com/dripbook/dripbook/token"
	"github.com/dripbook/dripbook/worker"
)

const coachAddr = "coach@example.test"

func bookingHarness(t *testing.T, reminders ...time.Duration) *harness {
	return newHarnessWith(t, testenv.Redis(t), drip.Calls{
		Coach:     calendar.Person{Name: "Jordan Coach", Email: coachAddr},
		CoachTZ:   time.UTC,
		Reminders: reminders,
		Place:     booking.Place{URL: meetingURL, Text: "Dial-in +1 555 0100"},
	})
}

const meetingURL = "https://meet.example.test/jordan"

// mustEvent parses a message's calendar part, checks its method and where
// the call happens, and returns its one event.
func mustEvent(t *testing.T, m *message.Parsed, method string) *ics.VEvent {
	t.Helper()
	require.Equal(t, method, m.CalendarMethod, "message %q", m.Subject)
	cal, err := ics.ParseCalendar(strings.NewReader(m.Calendar))
	require.NoError(t, err)
	require.Len(t, cal.Events(), 1)
	ev := cal.Events()[0]
	loc := ev.GetProperty(ics.ComponentPropertyLocation)
	require.NotNil(t, loc, "no LOCATION in %q", m.Subject)
	require.Equal(t, meetingURL, loc.Value)
	require.Equal(t, meetingURL, ev.GetProperty(ics.ComponentPropertyUrl).Value)
	require.Contains(t, ev.GetProperty(ics.ComponentPropertyDescription).Value, "Dial-in +1 555 0100")
	return ev
}

// allDay lets any 30-minute slot from now on be booked.
func allDay(t *testing.T) booking.Rules {
	week, err := booking.ParseHours("Mon-Sun 00:00-24:00")
	require.NoError(t, err)
	return booking.Rules{Week: week, Location: time.UTC, Call: 30 * time.Minute, Horizon: 3}
}

// activeSubscriber makes a confirmed subscriber without going through mail.
func (h *harness) activeSubscriber(addr string) int64 {
	h.t.Helper()
	ctx := context.Background()
	res, err := h.store.Subscribe(ctx, models.Signup{Email: addr, Name: "Ada Lovelace", Timezone: "America/New_York", TextVersion: "test"})
	require.NoError(h.t, err)
	_, err = h.store.Confirm(ctx, res.SubscriberID)
	require.NoError(h.t, err)
	return res.SubscriberID
}

func TestBookingSendsInviteAndBriefThenCancelSendsCancel(t *testing.T) {
	t.Parallel()
	h := bookingHarness(t)
	ctx := context.Background()
	svc := booking.NewService(booking.Deps{Store: storage.BookingStore{Store: h.store}, Rules: allDay(t), Questions: h.course.Booking.Questions,
		Notifier: h.queue, Replanner: h.engine, Log: discardLogger()})
	addr := "ada@example.com"
	id := h.activeSubscriber(addr)
	require.NoError(t, h.store.RecordClick(ctx, id, "welcome"))

	slots, err := svc.Slots(ctx, time.Now(), time.Now().Add(24*time.Hour))
	require.NoError(t, err)
	require.NotEmpty(t, slots)
	b, created, err := svc.Book(ctx, booking.Request{
		SubscriberID: id, Start: slots[2].Start, SourceLesson: "welcome", Timezone: "America/New_York",
		Answers: booking.Answers{"role": "Senior PM", "gap": "Executive presence"},
	})
	require.NoError(t, err)
	require.True(t, created)

	invite := h.waitMail(addr, 1, 10*time.Second)[0]
	require.Equal(t, "REQUEST", invite.CalendarMethod)
	// The cancel and reschedule links are signed for their one purpose each.
	for purpose, re := range map[string]*regexp.Regexp{
		token.Cancel:     regexp.MustCompile(base + `/booking/([A-Za-z0-9._-]+)/cancel`),
		token.Reschedule: regexp.MustCompile(base + `/booking/([A-Za-z0-9._-]+)/reschedule`),
	} {
		m := re.FindStringSubmatch(invite.Text)
		require.NotNil(t, m, "the confirmation has a %s link:\n%s", purpose, invite.Text)
		got, err := h.signer.Verify(m[1], purpose, 0, time.Now())
		require.NoError(t, err)
		require.Equal(t, b.ID, got)
		_, err = h.signer.Verify(m[1], token.Manage, 0, time.Now())
		require.ErrorIs(t, err, token.ErrInvalid, "a %s link does nothing else", purpose)
	}
	ev := mustEvent(t, invite, "REQUEST")
	require.Equal(t, b.UID, ev.GetProperty(ics.ComponentPropertyUniqueId).Value)
	start, err := ev.GetStartAt()
	require.NoError(t, err)
	require.True(t, start.Equal(b.Start))
	require.Contains(t, invite.Text, "Where: "+meetingURL)
	require.Contains(t, invite.Text, "Add to calendar: "+base+"/booking/")
	require.Contains(t, invite.Text, "<https://calendar.google.com/calendar/render?action=TEMPLATE")

	// The coach's brief carries the coach's own copy of the same event.
	brief := h.waitMail(coachAddr, 1, 10*time.Second)[0]
	cev := mustEvent(t, brief, "REQUEST")
	require.Equal(t, b.UID, cev.GetProperty(ics.ComponentPropertyUniqueId).Value, "one event in both calendars")
	require.Equal(t, "0", cev.GetProperty(ics.ComponentPropertySequence).Value)
	require.Equal(t, "mailto:"+coachAddr, cev.GetProperty(ics.ComponentPropertyOrganizer).Value)
	require.Len(t, cev.Attendees(), 1)
	require.Equal(t, addr, cev.Attendees()[0].Email())
	require.Contains(t, cev.GetProperty(ics.ComponentPropertySummary).Value, "Ada Lovelace")
	require.Contains(t, brief.Text, "Where: "+meetingURL)
	require.Contains(t, brief.Text, "Ada Lovelace")
	require.Contains(t, brief.Text, "Executive presence")
	require.Regexp(t, `Your current role\s+Senior PM\s+The gap you most want to close\s+Executive presence\s+Anything else\?\s+\(no answer\)`,
		brief.Text, "the answers in the course's order, labelled as the form asks them")
	require.Contains(t, brief.Text, "Welcome", "the lesson whose link they clicked")

	_, err = svc.Cancel(ctx, b.ID)
	require.NoError(t, err)
	got := h.waitMail(addr, 2, 10*time.Second)
	for _, cancel := range []*message.Parsed{got[1], h.waitMail(coachAddr, 2, 10*time.Second)[1]} {
		cev := mustEvent(t, cancel, "CANCEL")
		require.Equal(t, b.UID, cev.GetProperty(ics.ComponentPropertyUniqueId).Value, "the cancel names the same event")
		require.Equal(t, "1", cev.GetProperty(ics.ComponentPropertySequence).Value)
		require.Equal(t, "CANCELLED", cev.GetProperty(ics.ComponentPropertyStatus).Value)
	}

	// Both versions are recorded as announced and their tasks have run: a
	// second copy of a notice could only come from one of them.
	h.settle("the cancellation to be announced", func() error {
		got, err := h.store.Booking(ctx, b.ID)
		if err != nil {
			return err
		}
		if got.NotifiedSequence < 1 {
			return fmt.Errorf("booking announced up to sequence %d, want 1", got.NotifiedSequence)
		}
		return nil
	}, noticeTask(b.ID, 0), noticeTask(b.ID, 1))
	require.Len(t, h.mailTo(addr), 2, "each notice once")
	require.Len(t, h.mailTo(coachAddr), 2)
}

func TestRemindersFireOnTimeAndNotAfterCancel(t *testing.T) {
	t.Parallel()
	leads := []time.Duration{2 * time.Second, time.Second}
	h := bookingHarness(t, leads...)
	ctx := context.Background()
	kept := h.activeSubscriber("kept@example.com")
	gone := h.activeSubscriber("gone@example.com")

	// Reminders are named by their lead in whole seconds, so the calls start
	// on a second; the first reminder is due two seconds or more from now,
	// time enough for the confirmations to go out first.
	start := time.Now().Add(5 * time.Second).Truncate(time.Second)
	bk, _, err := h.store.CreateBooking(ctx, models.Booking{SubscriberID: kept, Start: start, End: start.Add(30 * time.Minute), UID: "kept@test"})
	require.NoError(t, err)
	require.NoError(t, h.queue.BookingChanged(ctx, bk, booking.EventBooked))
	// The second call's reminders are queued once its confirmation is out;
	// cancelling must stop them.
	bg, _, err := h.store.CreateBooking(ctx, models.Booking{SubscriberID: gone, Start: start.Add(time.Second), End: start.Add(31 * time.Minute), UID: "gone@test"})
	require.NoError(t, err)
	require.NoError(t, h.queue.BookingChanged(ctx, bg, booking.EventBooked))
	h.waitMail("gone@example.com", 1, 10*time.Second)
	goneReminders := []string{reminderTask(bg.ID, 0, leads[0]), reminderTask(bg.ID, 0, leads[1])}
	h.waitQueued(goneReminders...)
	cancelled, err := h.store.CancelBooking(ctx, bg.ID)
	require.NoError(t, err)
	require.NoError(t, h.queue.BookingChanged(ctx, cancelled, booking.EventCancelled))

	got := h.waitMail("kept@example.com", 3, 15*time.Second) // confirmation, then two reminders
	reminders := got[1:]
	for i, lead := range leads {
		require.Contains(t, reminders[i].Subject, "Reminder")
		sent, err := reminders[i].Header.Date()
		require.NoError(t, err)
		require.False(t, sent.Before(start.Add(-lead).Truncate(time.Second)), "reminder %d went out at %v, before %v", i, sent, start.Add(-lead))
	}
	// The cancelled call's reminders have come due and run, as have every
	// other task of both calls: no reminder can come any more.
	h.settle("every reminder to come due and run", nil, append(goneReminders,
		noticeTask(bg.ID, 1), reminderTask(bk.ID, 0, leads[0]), reminderTask(bk.ID, 0, leads[1]))...)
	for _, p := range h.mailTo("gone@example.com") {
		require.NotContains(t, p.Subject, "Reminder", "no reminder for a cancelled call")
	}
	require.Len(t, h.mailTo("kept@example.com"), 3)
}

func TestBookingSkipsSalesLessonsAndCancelResumesThem(t *testing.T) {
	t.Parallel()
	h := bookingHarness(t)
	// Sales lessons far enough out that the booking surely comes first.
	h.stop()
	sales := lessonFile("call", 25, "book a call.")
	sales.Data = bytes.Replace(sales.Data, []byte("---\nHi"), []byte("stop_when_booked: true\n---\nHi"), 1)
	last := lessonFile("last-call", 28, "last chance.")
	last.Data = bytes.Replace(last.Data, []byte("---\nHi"), []byte("stop_when_booked: true\n---\nHi"), 1)
	h.useCourse(courseFiles(map[string]*fstest.MapFile{
		"01-one.md": lessonFile("one", 0, "one."), "02-two.md": lessonFile("two", 1, "two."),
		"03-three.md": lessonFile("three", 2, "three."), "04-call.md": sales, "05-last.md": last,
	}))
	h.start()
	ctx := context.Background()
	svc := booking.NewService(booking.Deps{Store: storage.BookingStore{Store: h.store}, Rules: allDay(t), Notifier: h.queue, Replanner: h.engine, Log: discardLogger()})
	addr := "sales@example.com"
	h.subscribe(addr, "Sal")
	id := h.confirmFromMail(h.waitMail(addr, 1, 5*time.Second)[0])
	h.waitMail(addr, 2, 10*time.Second) // the welcome lesson

	slots, err := svc.Slots(ctx, time.Now(), time.Now().Add(48*time.Hour))
	require.NoError(t, err)
	b, _, err := svc.Book(ctx, booking.Request{SubscriberID: id, Start: slots[0].Start})
	require.NoError(t, err)

	var salesLessons, plain []course.Lesson
	for _, l := range h.course.Lessons {
		if l.StopWhenBooked {
			salesLessons = append(salesLessons, l)
		} else {
			plain = append(plain, l)
		}
	}
	require.Len(t, salesLessons, 2)
	want := 1 + len(plain) + 1 // confirmation, the plain lessons, the booking confirmation
	h.waitMail(addr, want, 20*time.Second)
	// The course is over and none of its lessons is left queued: the sales
	// lessons can no longer come.
	h.settle("the course to end", h.enrollmentIs(id, models.EnrollmentFinished), h.lessonTasks(id)...)
	require.Equal(t, []string{"one", "two", "three"}, lessonSlugs(h.mailTo(addr)))
	require.Len(t, h.mailTo(addr), want)
	enr, err := h.store.Enrollment(ctx, id)
	require.NoError(t, err)
	require.Equal(t, models.EnrollmentFinished, enr.Status, "the course ends without its sales lessons")

	_, err = svc.Cancel(ctx, b.ID)
	require.NoError(t, err)
	h.waitMail(addr, want+1+len(salesLessons), 20*time.Second) // the cancellation, then the sales lessons
	require.Equal(t, []string{"one", "two", "three", "call", "last-call"}, lessonSlugs(h.mailTo(addr)), "cancelling resumes the sales lessons")
}

// lessonSlugs reads the lesson slugs from the Message-IDs.
func lessonSlugs(ps []*message.Parsed) []string {
	var out []string
	for _, p := range ps {
		id := strings.Trim(p.Header.Get("Message-Id"), "<>")
		if rest, ok := strings.CutPrefix(id, "lesson."); ok {
			parts := strings.SplitN(rest, ".", 2)
			out = append(out, strings.SplitN(parts[1], "@", 2)[0])
		}
	}
	return out
}

// bookedCall books a call at start for a new subscriber at addr, straight
// in the store, and announces it as the booking service would.
func (h *harness) bookedCall(addr string, start time.Time, uid string) models.Booking {
	h.t.Helper()
	ctx := context.Background()
	b, _, err := h.store.CreateBooking(ctx, models.Booking{SubscriberID: h.activeSubscriber(addr), Start: start, End: start.Add(30 * time.Minute), UID: uid})
	require.NoError(h.t, err)
	require.NoError(h.t, h.queue.BookingChanged(ctx, b, booking.EventBooked))
	return b
}

// places is a booking service over the harness, for setting calls' places.
func (h *harness) places() *booking.Service {
	return booking.NewService(booking.Deps{Store: storage.BookingStore{Store: h.store}, Rules: allDay(h.t),
		Notifier: h.queue, Replanner: h.engine, Log: discardLogger()})
}

func TestRescheduleUpdatesTheInviteAndMovesTheReminders(t *testing.T) {
	t.Parallel()
	leads := []time.Duration{2 * time.Second, time.Second}
	h := bookingHarness(t, leads...)
	ctx := context.Background()
	addr := "moved@example.com"
	// On a whole second, as in TestRemindersFireOnTimeAndNotAfterCancel,
	// and far enough ahead that the old time's first reminder cannot come
	// due before the call has moved, even on a busy machine.
	start := time.Now().Add(8 * time.Second).Truncate(time.Second)
	b := h.bookedCall(addr, start, "moved@test")
	h.waitMail(addr, 1, 5*time.Second)
	// The old time's reminders are queued before the call moves.
	old := []string{reminderTask(b.ID, 0, leads[0]), reminderTask(b.ID, 0, leads[1])}
	h.waitQueued(old...)

	// Two seconds later, so that a reminder for the old time would carry an
	// earlier Date than any for the new one.
	later := start.Add(2 * time.Second)
	moved, err := h.store.RescheduleBooking(ctx, b.ID, later, later.Add(30*time.Minute))
	require.NoError(t, err)
	require.NoError(t, h.queue.BookingChanged(ctx, moved, booking.EventRescheduled))

	got := h.waitMail(addr, 4, 25*time.Second) // two invites, then two reminders for the new time
	// The subscriber's and the coach's copies of the event both move.
	for _, update := range []*message.Parsed{got[1], h.waitMail(coachAddr, 2, 10*time.Second)[1]} {
		ev := mustEvent(t, update, "REQUEST")
		require.Equal(t, b.UID, ev.GetProperty(ics.ComponentPropertyUniqueId).Value, "the same event, updated")
		require.Equal(t, "1", ev.GetProperty(ics.ComponentPropertySequence).Value)
		evStart, err := ev.GetStartAt()
		require.NoError(t, err)
		require.True(t, evStart.Equal(later))
	}

	for _, r := range got[2:] {
		require.Contains(t, r.Subject, "Reminder")
		require.Contains(t, r.Header.Get("Message-Id"), fmt.Sprintf("<reminder.%d.1.", b.ID), "a reminder of the moved call's version")
		sent, err := r.Header.Date()
		require.NoError(t, err)
		require.False(t, sent.Before(later.Add(-2*time.Second).Truncate(time.Second)), "reminder for the new time, not the old one (sent %v)", sent)
	}
	// Every reminder task, the old time's and the new one's, has come due
	// and run.
	h.settle("every reminder to come due and run", nil, append(old,
		reminderTask(b.ID, 1, leads[0]), reminderTask(b.ID, 1, leads[1]), noticeTask(b.ID, 1))...)
	require.Len(t, h.mailTo(addr), 4, "the old time's reminders never went out")
}

// callEvent parses a message's calendar part and returns its one event.
func callEvent(t *testing.T, m *message.Parsed, method string) *ics.VEvent {
	t.Helper()
	require.Equal(t, method, m.CalendarMethod, "message %q", m.Subject)
	cal, err := ics.ParseCalendar(strings.NewReader(m.Calendar))
	require.NoError(t, err)
	require.Len(t, cal.Events(), 1)
	return cal.Events()[0]
}

// The coach gives one call its own place after its first reminder went
// out: the subscriber and the coach's calendar get the updated invite (the
// same UID, a higher SEQUENCE, the new LOCATION), the subscriber a short
// email, and the call's second reminder comes once, with the new place;
// the first is not sent again. Clearing the place goes back to MEETING_URL.
func TestPlaceChangeUpdatesBothInvitesAndKeepsEachReminderOnce(t *testing.T) {
	t.Parallel()
	leads := []time.Duration{3 * time.Second, time.Second}
	h := bookingHarness(t, leads...)
	ctx := context.Background()
	addr := "placed@example.com"
	// On a whole second, as in TestRemindersFireOnTimeAndNotAfterCancel.
	start := time.Now().Add(6 * time.Second).Truncate(time.Second)
	b := h.bookedCall(addr, start, "placed@test")
	first := h.waitMail(addr, 2, 10*time.Second)[1] // the confirmation, then the first reminder
	require.Contains(t, first.Subject, "Reminder")
	require.Contains(t, first.Text, meetingURL)

	room := "https://video.example.test/room-7"
	h.announced(b.ID)
	placed, err := h.places().SetPlace(ctx, b.ID, booking.Place{URL: room})
	require.NoError(t, err)
	require.Equal(t, 1, placed.Sequence)

	got := h.waitMail(addr, 4, 15*time.Second) // the place update, then the second reminder
	update := got[2]
	require.True(t, strings.HasPrefix(update.Subject, "Where we'll meet: "), update.Subject)
	require.Less(t, len([]rune(update.Subject)), 60)
	require.NotContains(t, update.Subject, "Moved")
	require.Contains(t, update.Text, "Where: "+room)
	require.Contains(t, update.Text, "same time")
	brief := h.waitMail(coachAddr, 2, 10*time.Second)[1]
	require.True(t, strings.HasPrefix(brief.Subject, "New place: "), brief.Subject)
	for _, m := range []*message.Parsed{update, brief} {
		ev := callEvent(t, m, "REQUEST")
		require.Equal(t, b.UID, ev.GetProperty(ics.ComponentPropertyUniqueId).Value, "the same event, updated")
		require.Equal(t, "1", ev.GetProperty(ics.ComponentPropertySequence).Value)
		require.Equal(t, room, ev.GetProperty(ics.ComponentPropertyLocation).Value)
		require.Equal(t, room, ev.GetProperty(ics.ComponentPropertyUrl).Value)
		require.NotContains(t, ev.GetProperty(ics.ComponentPropertyDescription).Value, meetingURL)
		evStart, err := ev.GetStartAt()
		require.NoError(t, err)
		require.True(t, evStart.Equal(start), "the time stays")
	}
	second := got[3]
	require.Contains(t, second.Subject, "Reminder")
	require.Contains(t, second.Header.Get("Message-Id"), fmt.Sprintf("<reminder.%d.1.1@", b.ID))
	require.Contains(t, second.Text, room)

	h.settle("every reminder to come due and run", nil, noticeTask(b.ID, 1),
		reminderTask(b.ID, 0, leads[0]), reminderTask(b.ID, 0, leads[1]), reminderTask(b.ID, 1, leads[1]))
	n := 0
	for _, m := range h.mailTo(addr) {
		if strings.HasPrefix(m.Subject, "Reminder") {
			n++
		}
	}
	require.Equal(t, 2, n, "each reminder went out once")
}

// Clearing a call's own place goes back to MEETING_URL, in a new version
// of the same event.
func TestClearingAPlaceGoesBackToTheMeetingURL(t *testing.T) {
	t.Parallel()
	h := bookingHarness(t)
	ctx := context.Background()
	svc := h.places()
	addr := "cleared@example.com"
	b := h.bookedCall(addr, time.Now().Add(time.Hour).Truncate(time.Minute), "cleared@test")
	h.announced(b.ID)
	_, err := svc.SetPlace(ctx, b.ID, booking.Place{Text: "Room 4, 1 Test Street"})
	require.NoError(t, err)
	text := callEvent(t, h.waitMail(addr, 2, 10*time.Second)[1], "REQUEST")
	require.Equal(t, "Room 4, 1 Test Street", text.GetProperty(ics.ComponentPropertyLocation).Value)

	h.announced(b.ID)
	cleared, err := svc.SetPlace(ctx, b.ID, booking.Place{})
	require.NoError(t, err)
	require.Equal(t, 2, cleared.Sequence)
	back := h.waitMail(addr, 3, 10*time.Second)[2]
	require.Contains(t, back.Text, "Where: "+meetingURL)
	for _, m := range []*message.Parsed{back, h.waitMail(coachAddr, 3, 10*time.Second)[2]} {
		ev := mustEvent(t, m, "REQUEST") // MEETING_URL and its dial-in again
		require.Equal(t, "2", ev.GetProperty(ics.ComponentPropertySequence).Value)
		require.Equal(t, b.UID, ev.GetProperty(ics.ComponentPropertyUniqueId).Value)
	}
}

// announced waits until every email about the booking's current version
// went out: a new place is taken only then.
func (h *harness) announced(id int64) {
	h.t.Helper()
	testenv.Wait(h.t, 10*time.Second, "the booking's emails to go out", func() error {
		b, err := h.store.Booking(context.Background(), id)
		if err != nil {
			return err
		}
		if b.NotifiedSequence != b.Sequence {
			return fmt.Errorf("version %d announced, %d is current", b.NotifiedSequence, b.Sequence)
		}
		return nil
	})
}

// An erasure calls an upcoming call off as a version of its own, whose
// notice mails nobody who is gone: the coach alone hears that the call is
// off, and it leaves their calendar. The notice of the version before,
// queued before the erasure, sends nothing.
func TestANoticeAfterAnErasureOnlyTellsTheCoach(t *testing.T) {
	t.Parallel()
	h := bookingHarness(t)
	ctx := context.Background()
	id := h.activeSubscriber("gone@example.com")
	start := time.Now().Add(48 * time.Hour).Truncate(time.Minute)
	b, _, err := h.store.CreateBooking(ctx, models.Booking{SubscriberID: id, Start: start, End: start.Add(30 * time.Minute), UID: "erased@test"})
	require.NoError(t, err)
	// The harness's reconciler may announce the booking before the
	// erasure, to them, rightly; whatever runs after it mails only the coach.
	require.NoError(t, h.store.Erase(ctx, id))

	require.NoError(t, h.engine.NotifyBooking(ctx, b.ID, b.Sequence), "the notice queued before the erasure, out of date")
	got, err := h.store.Booking(ctx, b.ID)
	require.NoError(t, err)
	require.Equal(t, models.BookingCancelled, got.Status)
	// The erasure's own, as the reconciler queues it; the harness's own
	// reconciler may be sending it at this moment.
	if err := h.engine.NotifyBooking(ctx, b.ID, got.Sequence); !errors.Is(err, models.ErrInFlight) {
		require.NoError(t, err)
	}
	testenv.Wait(t, 10*time.Second, "the coach's cancellation", func() error {
		for _, m := range h.mailTo(coachAddr) {
			if m.CalendarMethod == "CANCEL" {
				return nil // the call leaves the coach's calendar
			}
		}
		return errors.New("no CANCEL has reached the coach")
	})
	for _, m := range h.smtp.Messages() {
		for _, to := range m.To {
			require.NotEqual(t, storage.ErasedEmail(id), to, "nobody who is gone is mailed")
		}
	}
}

// A reminder that was due but still waiting in the queue when the coach
// set a new place still goes out, with the new place, and once: a reminder
// is of the call's time, not of one version. A move drops it.
func TestAReminderWaitingWhenThePlaceChangesStillGoesOut(t *testing.T) {
	t.Parallel()
	lead := time.Hour
	h := bookingHarness(t, lead)
	ctx := context.Background()
	addr := "waiting@example.com"
	start := time.Now().Add(30 * time.Minute).Truncate(time.Second) // the reminder's time has passed
	b := h.bookedCall(addr, start, "waiting@test")
	h.waitMail(addr, 1, 10*time.Second) // the confirmation
	h.announced(b.ID)
	room := "https://video.example.test/room-9"
	placed, err := h.places().SetPlace(ctx, b.ID, booking.Place{URL: room})
	require.NoError(t, err)
	h.waitMail(addr, 2, 10*time.Second) // the place update

	reminders := func() []*message.Parsed {
		var out []*message.Parsed
		for _, m := range h.mailTo(addr) {
			if strings.HasPrefix(m.Subject, "Reminder") {
				out = append(out, m)
			}
		}
		return out
	}
	// The first version's reminder, run late.
	require.NoError(t, h.engine.RemindBooking(ctx, b.ID, b.Sequence, lead, b.Start))
	sent := reminders()
	require.Len(t, sent, 1)
	require.Contains(t, sent[0].Text, room, "with the place as it is now")
	// The second version's, had it been queued too, sends nothing more.
	require.NoError(t, h.engine.RemindBooking(ctx, b.ID, placed.Sequence, lead, b.Start))
	require.NoError(t, h.engine.RemindBooking(ctx, b.ID, b.Sequence, lead, b.Start))
	require.Len(t, reminders(), 1, "each reminder once")

	// Moved, the call's old time has no reminder left.
	_, err = h.store.RescheduleBooking(ctx, b.ID, start.Add(24*time.Hour), start.Add(24*time.Hour+30*time.Minute))
	require.NoError(t, err)
	require.NoError(t, h.engine.RemindBooking(ctx, b.ID, placed.Sequence, lead, b.Start))
	require.Len(t, reminders(), 1, "a moved call's old reminders send nothing")
}

// A subscriber's address that refuses mail for now (a full mailbox) does
// not keep the call from the coach: the brief and the coach's invite go
// out, once, while the subscriber's email is retried.
func TestATemporaryRefusalAtTheSubscriberStillBriefsTheCoach(t *testing.T) {
	t.Parallel()
	h := bookingHarness(t)
	ctx := context.Background()
	addr := "full@example.com"
	h.smtp.RefuseRecipient(addr, smtptest.Reply{Code: 452, Enhanced: "4.2.2", Text: "mailbox full"})
	id := h.activeSubscriber(addr)
	start := time.Now().Add(48 * time.Hour).Truncate(time.Minute)
	b, _, err := h.store.CreateBooking(ctx, models.Booking{SubscriberID: id, Start: start, End: start.Add(30 * time.Minute), UID: "full@test"})
	require.NoError(t, err)

	// The harness's reconciler may be announcing it at this moment too.
	require.Error(t, h.engine.NotifyBooking(ctx, b.ID, b.Sequence), "the subscriber's email is still to go")
	testenv.Wait(t, 10*time.Second, "the coach's brief", func() error {
		if len(h.mailTo(coachAddr)) == 0 {
			return errors.New("nothing has reached the coach")
		}
		return nil
	})
	briefs := h.mailTo(coachAddr)
	require.Len(t, briefs, 1)
	require.Equal(t, "REQUEST", briefs[0].CalendarMethod, "the call is in the coach's calendar")
	require.Empty(t, h.mailTo(addr))
	got, err := h.store.Booking(ctx, b.ID)
	require.NoError(t, err)
	require.Less(t, got.NotifiedSequence, got.Sequence, "not announced until the subscriber has it")
}

// A reminder whose task was lost (a Redis flush, an outage at its time)
// still goes out while the call is to come: the reconciler queues the
// last one due that was never sent, once.
func TestAReminderLostBeforeItsTimeStillGoesOut(t *testing.T) {
	t.Parallel()
	h := bookingHarness(t)
	ctx := context.Background()
	addr := "late@example.com"
	id := h.activeSubscriber(addr)
	// Booked for 50 minutes from now and announced, and no reminder queued:
	// the harness's own reconciler has none due after the booking.
	start := time.Now().Add(50 * time.Minute).Truncate(time.Second)
	b, _, err := h.store.CreateBooking(ctx, models.Booking{SubscriberID: id, Start: start, End: start.Add(30 * time.Minute), UID: "late@test"})
	require.NoError(t, err)
	require.NoError(t, h.store.MarkBookingNotified(ctx, b.ID, b.Sequence))

	// 25 minutes on, the half-hour reminder's time has passed unsent.
	lead := 30 * time.Minute
	rec := worker.NewReconciler(worker.ReconcilerDeps{Store: h.store, Queue: h.queue, Redis: h.rdb,
		LockKey: h.name + ":reconciler:test", Interval: time.Minute, Reminders: []time.Duration{lead},
		Now: func() time.Time { return time.Now().UTC().Add(25 * time.Minute) }, Log: discardLogger()})
	n, err := rec.Tick(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n, "the overdue reminder, queued")
	testenv.Wait(t, 10*time.Second, "the reminder", func() error {
		for _, m := range h.mailTo(addr) {
			if strings.Contains(m.Subject, "Reminder") {
				return nil
			}
		}
		return errors.New("no reminder yet")
	})
	testenv.Wait(t, 10*time.Second, "the reminder recorded", func() error {
		d, err := h.store.Delivery(ctx, models.ReminderKey(b, lead))
		if err != nil || d.State != models.DeliverySent {
			return fmt.Errorf("not recorded as sent: %v %+v", err, d)
		}
		return nil
	})
	n, err = rec.Tick(ctx)
	require.NoError(t, err)
	require.Zero(t, n, "sent once: not queued again")
}

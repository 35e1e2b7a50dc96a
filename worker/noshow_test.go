package worker_test

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/booking"
	"github.com/dripbook/dripbook/calendar"
	"github.com/dripbook/dripbook/drip"
	"github.com/dripbook/dripbook/message"
	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/storage"
	"github.com/dripbook/dripbook/testenv"
	"github.com/dripbook/dripbook/token"
	"github.com/dripbook/dripbook/worker"
)

// The built-in no-show follow-up's subjects.
const (
	missedFirst  = "We missed each other: pick a new time?"
	missedSecond = "Your free call is still open"
)

func noShowHarness(t *testing.T, after time.Duration) *harness {
	return newHarnessWith(t, testenv.Redis(t), drip.Calls{
		Coach:       calendar.Person{Name: "Jordan Coach", Email: coachAddr},
		CoachTZ:     time.UTC,
		NoShowAfter: after,
	})
}

// pastCall books a call for sub that ends at end, straight in the store: no
// booking page takes a time that has passed.
func (h *harness) pastCall(sub int64, end time.Time) models.Booking {
	h.t.Helper()
	b, _, err := h.store.CreateBooking(context.Background(), models.Booking{
		SubscriberID: sub, Start: end.Add(-30 * time.Minute), End: end, UID: fmt.Sprintf("call-%d@test", sub), Timezone: "UTC",
	})
	require.NoError(h.t, err)
	return b
}

// withSubject keeps the messages whose subject is subject.
func withSubject(ps []*message.Parsed, subject string) []*message.Parsed {
	var out []*message.Parsed
	for _, p := range ps {
		if p.Subject == subject {
			out = append(out, p)
		}
	}
	return out
}

// waitSubject waits until addr has a message with subject and returns the
// first.
func (h *harness) waitSubject(addr, subject string) *message.Parsed {
	h.t.Helper()
	var got *message.Parsed
	testenv.Wait(h.t, 15*time.Second, "a message "+subject+" to "+addr, func() error {
		if ps := withSubject(h.mailTo(addr), subject); len(ps) > 0 {
			got = ps[0]
			return nil
		}
		return fmt.Errorf("subjects so far: %q", testenv.Subjects(h.mailTo(addr)))
	})
	return got
}

// noShowSteps are the follow-up lessons recorded for a subscriber.
func (h *harness) noShowSteps(sub int64) map[string]models.Delivery {
	h.t.Helper()
	ds, err := h.store.Deliveries(context.Background(), sub)
	require.NoError(h.t, err)
	out := map[string]models.Delivery{}
	for _, d := range ds {
		if d.Kind == models.KindNoShow {
			out[d.Step] = d
		}
	}
	return out
}

// markMissed marks b a no-show and starts its follow-up at once, as the
// console does.
func (h *harness) markMissed(b models.Booking) {
	h.t.Helper()
	ctx := context.Background()
	require.NoError(h.t, h.store.MarkOutcome(ctx, b.ID, models.OutcomeNoShow))
	require.NoError(h.t, h.engine.FollowUpNoShow(ctx, b.ID))
}

// noShowLesson is a lesson file of the no-show follow-up, its text ending
// with a button to pick a new time.
func noShowLesson(slug string, day int, subject, text string) *fstest.MapFile {
	return &fstest.MapFile{Data: []byte(fmt.Sprintf("---\nslug: %s\ntrack: no-show\nday: %d\nsubject: %s\npreheader: New time\n---\n%s[[Pick a new time]]({{ booking_url }})\n",
		slug, day, subject, text))}
}

// useNoShowTrack restarts the harness on a one-lesson course whose no-show
// follow-up is track.
func (h *harness) useNoShowTrack(track map[string]*fstest.MapFile) {
	h.t.Helper()
	h.stop()
	files := map[string]*fstest.MapFile{"01-welcome.md": lessonFile("welcome", 0, "welcome text.")}
	maps.Copy(files, track)
	h.useCourse(courseFiles(files))
	h.start()
}

// useTwoStepFollowUp gives the harness a course whose no-show follow-up
// has two lessons, "Missed" at once and "Missed again" 20 course days
// later (two seconds): time enough to rebook in between.
func (h *harness) useTwoStepFollowUp() {
	h.useNoShowTrack(map[string]*fstest.MapFile{
		"90-missed.md":       noShowLesson("missed", 0, "Missed", ""),
		"91-missed-again.md": noShowLesson("missed-again", 20, "Missed again", ""),
	})
}

var rescheduleLink = regexp.MustCompile(base + `/booking/([A-Za-z0-9._-]+)/reschedule`)

func TestMarkingANoShowSendsTheFollowUpOnce(t *testing.T) {
	t.Parallel()
	h := noShowHarness(t, 0)
	ctx := context.Background()
	addr := "missed@example.com"
	sub := h.activeSubscriber(addr)
	b := h.pastCall(sub, time.Now().Add(-time.Hour))

	// The console marks it, then starts the follow-up at once.
	h.markMissed(b)
	first := h.waitSubject(addr, missedFirst)
	m := rescheduleLink.FindStringSubmatch(first.Text)
	require.NotNil(t, m, "the follow-up offers a new time:\n%s", first.Text)
	id, err := h.signer.Verify(m[1], token.Reschedule, 0, time.Now())
	require.NoError(t, err)
	require.Equal(t, b.ID, id, "the link moves the missed call")
	require.Contains(t, first.Header.Get("List-Unsubscribe"), base+"/unsubscribe/")
	require.Contains(t, first.Text, base+"/scorecard/")

	h.waitSubject(addr, missedSecond)
	// Marking it again, and the reconciler's rounds, send nothing more.
	h.markMissed(b)
	h.settle("the follow-up to be over", func() error {
		if n := len(h.noShowSteps(sub)); n != 2 {
			return fmt.Errorf("%d follow-up lessons recorded", n)
		}
		return nil
	})
	require.NoError(t, h.engine.PlanNoShows(ctx))
	h.settle("a last round to find nothing to do", nil)
	mail := h.mailTo(addr)
	require.Len(t, withSubject(mail, missedFirst), 1)
	require.Len(t, withSubject(mail, missedSecond), 1)
	for step, d := range h.noShowSteps(sub) {
		require.Equal(t, models.DeliverySent, d.State, step)
	}
}

func TestRebookingStopsTheNoShowFollowUp(t *testing.T) {
	t.Parallel()
	h := noShowHarness(t, 0)
	h.useTwoStepFollowUp()
	ctx := context.Background()
	svc := booking.NewService(booking.Deps{Store: storage.BookingStore{Store: h.store}, Rules: allDay(t), Notifier: h.queue, Replanner: h.engine, Log: discardLogger()})
	addr := "rebook@example.com"
	sub := h.activeSubscriber(addr)
	b := h.pastCall(sub, time.Now().Add(-time.Hour))
	h.markMissed(b)
	h.waitSubject(addr, "Missed")

	// They take the offer: the missed call moves to a new time.
	slots, err := svc.Slots(ctx, time.Now(), time.Now().Add(24*time.Hour))
	require.NoError(t, err)
	moved, err := svc.Reschedule(ctx, b.ID, slots[1].Start)
	require.NoError(t, err)
	require.Empty(t, moved.Outcome, "a moved call is not a no-show")

	// The second follow-up's task runs in its time and sends nothing.
	h.settle("the second follow-up's task to run", nil, worker.NoShowTaskID(b.ID, b.Sequence, "missed-again"))
	require.NoError(t, h.engine.PlanNoShows(ctx))
	h.settle("the queue to be idle", nil)
	require.Empty(t, withSubject(h.mailTo(addr), "Missed again"))
	steps := h.noShowSteps(sub)
	require.Len(t, steps, 1)
	require.Contains(t, steps, fmt.Sprintf("%d.0.missed", b.ID))
}

func TestAnUnmarkedCallStartsTheFollowUpAfterNoShowAfter(t *testing.T) {
	t.Parallel()
	const after = time.Second
	h := noShowHarness(t, after)
	ctx := context.Background()
	end := time.Now().Add(500 * time.Millisecond)
	missed := h.activeSubscriber("unmarked@example.com")
	b := h.pastCall(missed, end)
	attended := h.activeSubscriber("attended@example.com")
	ab := h.pastCall(attended, end.Add(-time.Minute))
	require.NoError(t, h.store.MarkOutcome(ctx, ab.ID, models.OutcomeAttended))

	// Nothing marks the first call: the reconciler's rounds start its
	// follow-up once NO_SHOW_AFTER has passed since the call's end.
	h.waitSubject("unmarked@example.com", missedFirst)
	step := fmt.Sprintf("%d.0.missed-call-new-time", b.ID)
	var d models.Delivery
	testenv.Wait(t, 10*time.Second, "the lesson recorded sent", func() error { // recorded just after the relay took it
		if d = h.noShowSteps(missed)[step]; d.SentAt == nil {
			return fmt.Errorf("delivery %q", d.State)
		}
		return nil
	})
	require.False(t, d.SentAt.Before(end.Add(after).Truncate(time.Millisecond)),
		"sent at %s, before the call's end %s plus %s", d.SentAt, end, after)
	got, err := h.store.Booking(ctx, b.ID)
	require.NoError(t, err)
	require.Empty(t, got.Outcome, "the call stays unmarked for the coach to mark")

	h.waitSubject("unmarked@example.com", missedSecond)
	h.settle("the follow-up to be over", nil)
	require.Empty(t, h.noShowSteps(attended), "an attended call has no follow-up")
	require.False(t, slices.ContainsFunc(h.mailTo("attended@example.com"), func(p *message.Parsed) bool {
		return p.Subject == missedFirst || p.Subject == missedSecond
	}))
}

// externalCall books a call for sub on an external scheduler, straight in
// the store, as its webhook would.
func (h *harness) externalCall(sub int64, end time.Time, uid string) models.Booking {
	h.t.Helper()
	b, _, err := h.store.CreateBooking(context.Background(), models.Booking{
		SubscriberID: sub, Start: end.Add(-30 * time.Minute), End: end, UID: uid + "@test", Timezone: "UTC",
		Scheduler: models.SchedulerCalcom, ExternalID: &uid,
	})
	require.NoError(h.t, err)
	return b
}

var bookLink = regexp.MustCompile(base + `/book/([A-Za-z0-9._-]+)`)

// A call booked on Cal.com is not moved here: its follow-up leads back to
// the scheduler through the personal booking link, and the new call booked
// there stops the follow-up.
func TestAMissedExternalCallLeadsBackToTheScheduler(t *testing.T) {
	t.Parallel()
	h := noShowHarness(t, 0)
	h.useTwoStepFollowUp()
	ctx := context.Background()
	addr := "elsewhere@example.com"
	sub := h.activeSubscriber(addr)
	b := h.externalCall(sub, time.Now().Add(-time.Hour), "cal-missed")
	h.markMissed(b)
	first := h.waitSubject(addr, "Missed")
	require.NotRegexp(t, rescheduleLink, first.Text, "a scheduler's call is not moved here")
	m := bookLink.FindStringSubmatch(first.Text)
	require.NotNil(t, m, "the follow-up links the personal booking link:\n%s", first.Text)
	id, err := h.signer.Verify(m[1], token.Book, 0, time.Now())
	require.NoError(t, err)
	require.Equal(t, sub, id)

	// They book a new time on the scheduler: the second follow-up stays.
	h.externalCall(sub, time.Now().Add(48*time.Hour), "cal-new")
	h.settle("the second follow-up's task to run", nil, worker.NoShowTaskID(b.ID, b.Sequence, "missed-again"))
	require.NoError(t, h.engine.PlanNoShows(ctx))
	h.settle("the queue to be idle", nil)
	require.Empty(t, withSubject(h.mailTo(addr), "Missed again"))
	require.Len(t, h.noShowSteps(sub), 1)
}

// A follow-up lesson that names the top gaps names the ones the subscriber
// marked on the scorecard, as a course lesson does, not its fallback.
func TestANoShowLessonNamesTheTopGaps(t *testing.T) {
	t.Parallel()
	h := noShowHarness(t, 0)
	h.useNoShowTrack(map[string]*fstest.MapFile{
		"90-missed.md": noShowLesson("missed", 0, "Missed", "We were going to talk about {{ top_gaps | your gaps }}.\n\n"),
	})
	ctx := context.Background()
	addr := "gaps@example.com"
	sub := h.activeSubscriber(addr)
	require.NoError(t, h.store.SaveScorecard(ctx, sub, testenv.Scorecard()))
	b := h.pastCall(sub, time.Now().Add(-time.Hour))
	h.markMissed(b)
	got := h.waitSubject(addr, "Missed")
	require.Contains(t, testenv.Flat(got.Text), "We were going to talk about Influence and Visibility.")
}

// A follow-up lesson added to the track behind the latest one the
// subscriber had is not sent late, out of order, as in the course.
func TestANoShowLessonAddedBehindIsNotSentLate(t *testing.T) {
	t.Parallel()
	h := noShowHarness(t, 0)
	first := map[string]*fstest.MapFile{
		"90-first.md": noShowLesson("first", 0, "NS first", ""),
		"92-third.md": noShowLesson("third", 2, "NS third", ""),
	}
	h.useNoShowTrack(first)
	ctx := context.Background()
	addr := "behind@example.com"
	sub := h.activeSubscriber(addr)
	b := h.pastCall(sub, time.Now().Add(-time.Hour))
	h.markMissed(b)
	h.waitSubject(addr, "NS third")

	first["91-second.md"] = noShowLesson("second", 1, "NS second", "")
	h.useNoShowTrack(first)
	require.NoError(t, h.engine.FollowUpNoShow(ctx, b.ID))
	require.NoError(t, h.engine.PlanNoShows(ctx))
	h.settle("the follow-up's rounds to find nothing to do", nil)
	require.Empty(t, withSubject(h.mailTo(addr), "NS second"), "added behind the subscriber")
}

package worker_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/booking"
	"github.com/dripbook/dripbook/storage"
	"github.com/dripbook/dripbook/testenv"
)

func TestLaterLessonsNameTheTopGaps(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testenv.Redis(t))
	ctx := context.Background()
	with, without := "rated@example.com", "skipped@example.com"
	for _, addr := range []string{with, without} {
		h.subscribe(addr, "Ada")
		h.confirmFromMail(h.waitMail(addr, 1, 10*time.Second)[0])
	}
	require.NoError(t, h.store.SaveScorecard(ctx, subscriberID(t, h, with), testenv.Scorecard()))
	h.waitCourse([]string{with, without}, 30*time.Second)

	for addr, want := range map[string][]string{
		with:    {"Last time you named your top two gaps: Influence and Visibility.", "answer your top gaps (Influence and Visibility)."},
		without: {"Last time you named your top two gaps: the two you marked.", "answer your top gaps (the two you marked in step 1)."},
	} {
		mail := h.mailTo(addr)
		lesson4, lesson5 := withSubject(mail, h.course.Lessons[3].Subject), withSubject(mail, h.course.Lessons[4].Subject)
		require.Len(t, lesson4, 1, addr)
		require.Len(t, lesson5, 1, addr)
		require.Contains(t, testenv.Flat(lesson4[0].Text), want[0], addr)
		require.Contains(t, testenv.Flat(lesson5[0].Text), want[1], addr)
		lesson3 := withSubject(mail, h.course.Lessons[2].Subject)
		require.Len(t, lesson3, 1, addr)
		require.Contains(t, lesson3[0].Text, base+"/scorecard/", "lesson 3 links the scorecard")
	}
}

func TestCoachBriefCarriesTheScorecard(t *testing.T) {
	t.Parallel()
	h := bookingHarness(t)
	ctx := context.Background()
	svc := booking.NewService(booking.Deps{Store: storage.BookingStore{Store: h.store}, Rules: allDay(t), Notifier: h.queue, Replanner: h.engine, Log: discardLogger()})
	id := h.activeSubscriber("ada@example.com")
	require.NoError(t, h.store.SaveScorecard(ctx, id, testenv.Scorecard()))
	slots, err := svc.Slots(ctx, time.Now(), time.Now().Add(24*time.Hour))
	require.NoError(t, err)
	_, _, err = svc.Book(ctx, booking.Request{SubscriberID: id, Start: slots[2].Start, Timezone: "UTC"})
	require.NoError(t, err)
	brief := h.waitMail(coachAddr, 1, 10*time.Second)[0]
	require.Contains(t, brief.Text, "Top gaps: Influence, Visibility")
	require.Contains(t, brief.Text, "- Visibility: 1 of 5 (top gap)")
	require.Contains(t, brief.Text, "- Developing others: 5 of 5")
}

package worker_test

import (
	"context"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/smtptest"
	"github.com/dripbook/dripbook/testenv"
)

// An Asynq task archived after its last retry keeps its ID for months; the
// reconciler must still get the lesson out.
func TestArchivedTaskIsReplaced(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testenv.Redis(t))
	h.stop()
	ctx := context.Background()
	addr := "archived@example.com"
	res, err := h.store.Subscribe(ctx, models.Signup{Email: addr, TextVersion: "test"})
	require.NoError(t, err)
	require.NoError(t, h.engine.Confirm(ctx, res.SubscriberID)) // queues the first lesson
	id := lessonTask(res.SubscriberID, h.course.Lessons[0].Slug)
	inspect := asynq.NewInspectorFromRedisClient(h.rdb)
	require.NoError(t, inspect.ArchiveTask(h.name, id))
	info, err := inspect.GetTaskInfo(h.name, id)
	require.NoError(t, err)
	require.Equal(t, asynq.TaskStateArchived, info.State)

	h.start()
	got := h.waitMail(addr, 1, 10*time.Second)
	require.Equal(t, []string{h.course.Lessons[0].Slug}, lessonSlugs(got[:1]))
}

// Coming back after an unsubscribe continues with the first lesson not yet
// sent, and at once.
func TestResubscribeContinuesWhereTheyLeftOff(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testenv.Redis(t))
	h.stop()
	ctx := context.Background()
	addr := "back@example.com"
	res, err := h.store.Subscribe(ctx, models.Signup{Email: addr, TextVersion: "test"})
	require.NoError(t, err)
	id := res.SubscriberID
	require.NoError(t, h.engine.Confirm(ctx, id))
	lessons := h.course.Lessons
	require.NoError(t, h.engine.SendLesson(ctx, id, lessons[0].Slug))
	require.NoError(t, h.engine.SendLesson(ctx, id, lessons[1].Slug))
	_, err = h.store.Unsubscribe(ctx, id)
	require.NoError(t, err)
	require.NoError(t, h.engine.SendLesson(ctx, id, lessons[2].Slug), "a queued lesson after the unsubscribe")
	require.Len(t, h.mailTo(addr), 2, "nothing after the unsubscribe")

	again, err := h.store.Subscribe(ctx, models.Signup{Email: addr, TextVersion: "test"})
	require.NoError(t, err)
	require.Positive(t, again.Round, "a fresh confirmation is needed")
	require.NoError(t, h.engine.Confirm(ctx, id))
	enr, err := h.store.Enrollment(ctx, id)
	require.NoError(t, err)
	require.Equal(t, lessons[2].Slug, enr.NextStep)
	require.WithinDuration(t, time.Now(), *enr.NextSendAt, 2*time.Second, "due at once")

	h.start()
	got := h.waitMail(addr, 3, 10*time.Second)
	require.Equal(t, []string{lessons[0].Slug, lessons[1].Slug, lessons[2].Slug}, lessonSlugs(got)[:3])
}

// An address that bounced and signs up again gets the lesson that bounced.
func TestBouncedSubscriberWhoComesBackGetsLessonsAgain(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testenv.Redis(t))
	h.stop()
	ctx := context.Background()
	addr := "full@example.com"
	res, err := h.store.Subscribe(ctx, models.Signup{Email: addr, TextVersion: "test"})
	require.NoError(t, err)
	id := res.SubscriberID
	require.NoError(t, h.engine.Confirm(ctx, id))
	first := h.course.Lessons[0].Slug
	h.smtp.RefuseRecipient(addr, smtptest.Reply{Code: 550, Enhanced: "5.1.1", Text: "no such user"})
	require.Error(t, h.engine.SendLesson(ctx, id, first))
	h.smtp.AcceptRecipient(addr)
	sub, err := h.store.Subscriber(ctx, id)
	require.NoError(t, err)
	require.Equal(t, models.StatusBounced, sub.Status)

	_, err = h.store.Subscribe(ctx, models.Signup{Email: addr, TextVersion: "test"})
	require.NoError(t, err)
	require.NoError(t, h.engine.Confirm(ctx, id))
	require.NoError(t, h.engine.SendLesson(ctx, id, first))
	got := h.mailTo(addr)
	require.Equal(t, []string{first}, lessonSlugs(got))
}

// Shutting the worker down lets a send in flight finish and be recorded.
func TestShutdownLetsASendInFlightFinish(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testenv.Redis(t))
	h.smtp.Slow(500 * time.Millisecond)
	addr := "inflight@example.com"
	id := h.subscribe(addr, "Ina")
	key := models.DeliveryKey{SubscriberID: id, Kind: models.KindConfirm, Step: "1"}
	testenv.Wait(t, 5*time.Second, "the confirmation to be in flight", h.deliveryIs(key, models.DeliverySending))

	h.stop() // returns once in-flight tasks are done
	require.Len(t, h.mailTo(addr), 1, "the send in flight finished")
	d, err := h.store.Delivery(context.Background(), key)
	require.NoError(t, err)
	require.Equal(t, models.DeliverySent, d.State, "and was recorded before the worker stopped")
}

package worker_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/drip"
	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/smtptest"
	"github.com/dripbook/dripbook/testenv"
	"github.com/dripbook/dripbook/worker"
)

// enrolledWhileStopped returns a harness whose worker is stopped, with addr
// subscribed and confirmed: its first lesson is queued.
func enrolledWhileStopped(t *testing.T, addr string) (*harness, int64) {
	t.Helper()
	h := newHarness(t, testenv.Redis(t))
	h.stop()
	ctx := context.Background()
	res, err := h.store.Subscribe(ctx, models.Signup{Email: addr, TextVersion: "test"})
	require.NoError(t, err)
	require.NoError(t, h.engine.Confirm(ctx, res.SubscriberID))
	return h, res.SubscriberID
}

// An Asynq task archived after its last retry keeps its ID for months; the
// reconciler must still get the lesson out.
func TestArchivedTaskIsReplaced(t *testing.T) {
	t.Parallel()
	addr := "archived@example.com"
	h, subscriberID := enrolledWhileStopped(t, addr)
	id := lessonTask(subscriberID, h.course.Lessons[0].Slug)
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

// deadDequeue takes the task id off the queue as a worker does when it
// starts running it, with a lease that lapsed a moment ago: the state a
// worker killed mid-task leaves behind, before Asynq's own recoverer (which
// waits until a lease lapsed 30s ago) gives the task back.
var deadDequeue = redis.NewScript(`
redis.call("LREM", KEYS[1], 0, ARGV[1])
redis.call("LPUSH", KEYS[2], ARGV[1])
redis.call("ZADD", KEYS[3], ARGV[2], ARGV[1])
redis.call("HSET", KEYS[4], "state", "active")
return 1`)

// A worker killed while sending a lesson leaves its task running in Asynq
// and its claim in the delivery log: the reconciler queues the task again
// once its lease lapses, the copy takes the claim over once the claim's
// lease has passed, and the lesson goes out once.
func TestALessonLeftByADeadWorkerGoesOut(t *testing.T) {
	t.Parallel()
	addr := "orphan@example.com"
	h, subscriberID := enrolledWhileStopped(t, addr)
	ctx := context.Background()
	slug := h.course.Lessons[0].Slug
	h.store.SetClock(func() time.Time { return time.Now().UTC().Add(-drip.DefaultLease - time.Second) })
	key := models.DeliveryKey{SubscriberID: subscriberID, Kind: models.KindLesson, Step: slug}
	require.NoError(t, h.store.ClaimLesson(ctx, key, drip.DefaultLease, false), "the dead worker's claim")
	h.store.SetClock(func() time.Time { return time.Now().UTC() })
	id := lessonTask(subscriberID, slug)
	prefix := "asynq:{" + h.name + "}:"
	keys := []string{prefix + "pending", prefix + "active", prefix + "lease", prefix + "t:" + id}
	require.NoError(t, deadDequeue.Run(ctx, h.rdb, keys, id, time.Now().Add(-time.Second).Unix()).Err())
	t.Cleanup(func() { // Asynq deletes no queue with a task running
		h.rdb.LRem(ctx, keys[1], 0, id)
		h.rdb.ZRem(ctx, keys[2], id)
	})

	h.start()
	got := h.waitMail(addr, 1, 15*time.Second)
	require.Equal(t, []string{slug}, lessonSlugs(got))
	info, err := asynq.NewInspectorFromRedisClient(h.rdb).GetTaskInfo(h.name, id)
	require.NoError(t, err)
	require.Equal(t, asynq.TaskStateActive, info.State, "Asynq has not given the task back itself")
	testenv.Wait(t, 10*time.Second, "the lesson recorded sent", func() error {
		d, err := h.store.Delivery(ctx, key)
		if err == nil && d.State != models.DeliverySent {
			err = fmt.Errorf("delivery %s", d.State)
		}
		return err
	})
	d, err := h.store.Delivery(ctx, key)
	require.NoError(t, err)
	require.Equal(t, 2, d.Attempts, "claimed by the dead worker, then by the copy")
}

// A worker killed after recording a lesson but before queuing the next
// leaves the next one planned in the database alone: the reconciler queues
// it when it is due.
func TestTheLessonAfterOneRecordedByADeadWorkerGoesOut(t *testing.T) {
	t.Parallel()
	addr := "next@example.com"
	h, subscriberID := enrolledWhileStopped(t, addr)
	ctx := context.Background()
	lessons := h.course.Lessons
	require.NoError(t, h.engine.SendLesson(ctx, subscriberID, lessons[0].Slug))
	inspect := asynq.NewInspectorFromRedisClient(h.rdb)
	require.NoError(t, inspect.DeleteTask(h.name, lessonTask(subscriberID, lessons[1].Slug)), "never queued")

	h.start()
	got := h.waitMail(addr, 2, 15*time.Second)
	require.Equal(t, []string{lessons[0].Slug, lessons[1].Slug}, lessonSlugs(got[:2]))
}

// A confirmation cut off after the subscriber became active and before
// the course was planned (a crash between the two writes) is finished by
// the reconciler: the subscriber gets their first lesson without clicking
// the link again.
func TestReconcilerEnrollsAConfirmationCutOff(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testenv.Redis(t))
	ctx := context.Background()
	addr := "cut-off@example.com"
	res, err := h.store.Subscribe(ctx, models.Signup{Email: addr, TextVersion: "test"})
	require.NoError(t, err)
	_, err = h.store.Confirm(ctx, res.SubscriberID) // active, and then nothing
	require.NoError(t, err)
	_, err = h.store.Enrollment(ctx, res.SubscriberID)
	require.ErrorIs(t, err, models.ErrNotFound)

	// A minute later, when the confirmation has had its time to finish.
	rec := worker.NewReconciler(worker.ReconcilerDeps{Store: h.store, Queue: h.queue, Redis: h.rdb,
		LockKey: h.name + ":reconciler:test", Interval: time.Minute, Enroller: h.engine,
		Now: func() time.Time { return time.Now().UTC().Add(2 * time.Minute) }, Log: discardLogger()})
	_, err = rec.Tick(ctx)
	require.NoError(t, err)
	enr, err := h.store.Enrollment(ctx, res.SubscriberID)
	require.NoError(t, err)
	require.Equal(t, models.EnrollmentActive, enr.Status)
	got := h.waitMail(addr, 1, 10*time.Second)
	require.True(t, strings.HasPrefix(got[0].Subject, "Welcome to the Product Leader Canyon"), "the first lesson, without a second click: %q", got[0].Subject)
}

// Lessons that stay due with their tasks still queued (an address failing
// for now, its task retrying) do not fill every tick's page: the next tick
// reads on from where the last one stopped, and the lost task after them
// is queued again.
func TestReconcilerPagesPastLessonsStillQueued(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testenv.Redis(t))
	h.stop()
	ctx := context.Background()
	due := time.Now().UTC().Add(-time.Minute)
	for _, addr := range []string{"one@example.com", "two@example.com", "three@example.com"} {
		res, err := h.store.Subscribe(ctx, models.Signup{Email: addr, TextVersion: "test"})
		require.NoError(t, err)
		_, err = h.store.Confirm(ctx, res.SubscriberID)
		require.NoError(t, err)
		// In the database, and not in the queue: as after a Redis flush.
		require.NoError(t, h.store.SaveEnrollment(ctx, models.Enrollment{SubscriberID: res.SubscriberID, Status: models.EnrollmentActive,
			NextStep: h.course.Lessons[0].Slug, NextSendAt: &due, LastDay: -1, Anchor: due}))
	}
	rec := worker.NewReconciler(worker.ReconcilerDeps{Store: h.store, Queue: h.queue, Redis: h.rdb,
		LockKey: h.name + ":reconciler:test", Interval: time.Millisecond, DuePage: 1, Log: discardLogger()})
	tick := func() int {
		t.Helper()
		// The lock lasts most of the interval: wait it out.
		testenv.Wait(t, 5*time.Second, "the reconciler's lock", func() error {
			ok, err := h.rdb.Exists(ctx, h.name+":reconciler:test").Result()
			if err != nil || ok != 0 {
				return fmt.Errorf("held: %v", err)
			}
			return nil
		})
		n, err := rec.Tick(ctx)
		require.NoError(t, err)
		return n
	}
	require.Equal(t, []int{1, 1, 1}, []int{tick(), tick(), tick()}, "one lost task a tick, each page after the last")
	require.Zero(t, tick(), "past the last due lesson: the page is not full")
	require.Zero(t, tick(), "all queued: the sweep starts over from the oldest and finds nothing missing")
}

package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dripbook/dripbook/drip"
	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/token"
)

// ReconcileStore is what the reconciler reads: what the database says is
// due or unsent. storage.Store implements it.
type ReconcileStore interface {
	DueEnrollmentsAfter(ctx context.Context, until time.Time, after *models.DueCursor, limit int) ([]models.Enrollment, error)
	UnsentConfirmations(ctx context.Context, since time.Time, limit int) ([]models.PendingConfirmation, error)
	UnannouncedBookings(ctx context.Context, limit int) ([]models.Booking, error)
	UpcomingBookings(ctx context.Context, from time.Time, limit int) ([]models.Booking, error)
	UnenrolledSubscribers(ctx context.Context, since, until time.Time, limit int) ([]int64, error)
	DoneDeliveries(ctx context.Context, keys []models.DeliveryKey) (map[models.DeliveryKey]bool, error)
	UndeliveredWebhookEvents(ctx context.Context, limit int) ([]string, error)
	NewWebhookEvents(ctx context.Context, limit int) ([]string, error)
}

// Reconciler re-queues every email the database says is due, so a Redis flush
// or restart loses nothing, and the tasks a dead worker left active (see
// rescueOrphans). Each tick runs on one instance only: a Redis lock
// with the tick's length decides which.
type Reconciler struct {
	store    ReconcileStore
	queue    *Queue
	rdb      redis.UniversalClient
	lockKey  string
	interval time.Duration
	remind   []time.Duration
	webhooks bool
	noShows  NoShowPlanner
	enroller Enroller
	// due is where the last tick's sweep of due lessons left off, when its
	// page was full; nil starts from the oldest.
	due     *models.DueCursor
	duePage int
	now     func() time.Time
	log     *slog.Logger
}

// ReconcilerDeps is what a Reconciler is built from. LockKey names the Redis
// key instances compete for; Reminders are the calls' reminder leads
// (nil: drip.DefaultReminders). Webhooks says whether the webhook outbox's
// undelivered events are queued too. Now and Log default to the real clock and
// slog's default logger.
type ReconcilerDeps struct {
	Store     ReconcileStore
	Queue     *Queue
	Redis     redis.UniversalClient
	LockKey   string
	Interval  time.Duration
	Reminders []time.Duration
	Webhooks  bool
	NoShows   NoShowPlanner // the follow-up of missed calls; nil for none
	Enroller  Enroller      // finishes confirmations cut off before they enrolled; nil for none
	DuePage   int           // due lessons read a tick; 0: batch
	Now       func() time.Time
	Log       *slog.Logger
}

// NewReconciler returns a Reconciler that runs every d.Interval.
func NewReconciler(d ReconcilerDeps) *Reconciler {
	if d.Reminders == nil {
		d.Reminders = drip.DefaultReminders
	}
	if d.Now == nil {
		d.Now = func() time.Time { return time.Now().UTC() }
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.DuePage <= 0 {
		d.DuePage = batch
	}
	return &Reconciler{store: d.Store, queue: d.Queue, rdb: d.Redis, lockKey: d.LockKey, interval: d.Interval,
		remind: d.Reminders, webhooks: d.Webhooks, noShows: d.NoShows, enroller: d.Enroller, duePage: d.DuePage, now: d.Now, log: d.Log}
}

// Enroller finishes a confirmation: drip.Engine's Confirm, which for an
// active subscriber enrolls them if the confirmation was cut off before it
// did.
type Enroller interface {
	Confirm(ctx context.Context, subscriberID int64) error
}

// Confirmations cut off before they enrolled are looked for among those
// older than unenrolledAfter (the confirmation itself has had its time to
// finish) and younger than unenrolledWithin (a bounded read, each tick).
const (
	unenrolledAfter  = time.Minute
	unenrolledWithin = 7 * 24 * time.Hour
)

// webhookEvery is how often the reconciler queues new webhook events:
// an event should not wait a whole round to go out.
const webhookEvery = time.Second

// rescueEvery is how often the reconciler looks for the tasks of a dead
// worker: an email should not wait a whole round once Asynq counts its
// task abandoned.
const rescueEvery = 5 * time.Second

// Run ticks until ctx is done. Between ticks it queues again, every
// rescueEvery, the tasks a dead worker left running, and with webhooks on
// it queues new events every webhookEvery.
func (r *Reconciler) Run(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() { r.every(ctx, rescueEvery, "rescue", r.rescue) })
	if r.webhooks {
		wg.Go(func() {
			r.every(ctx, webhookEvery, "webhooks", func(ctx context.Context) (int, error) {
				return r.queueWebhooks(ctx, r.store.NewWebhookEvents)
			})
		})
	}
	t := time.NewTicker(r.interval)
	defer t.Stop()
	for {
		if n, err := r.Tick(ctx); err != nil {
			r.log.Error("reconcile", "error", err)
		} else if n > 0 {
			r.log.Info("reconciled", "requeued", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// batch bounds one tick's work; the next tick takes the rest.
const batch = 500

// Tick re-queues what is due, if this instance holds the lock, and returns how
// many tasks were missing from the queue. One item that cannot be queued does
// not hold up the others: its error is returned after the rest are done.
func (r *Reconciler) Tick(ctx context.Context) (int, error) {
	// The lock lapses just before the next tick, so whichever instance ticks
	// first then takes the next round.
	ok, err := r.rdb.SetNX(ctx, r.lockKey, "1", r.interval*9/10).Result()
	if err != nil {
		return 0, fmt.Errorf("take reconciler lock: %w", err)
	}
	if !ok {
		return 0, nil
	}
	now := r.now()
	t := tally{}
	// A page at a time, the next tick going on from the last: lessons that
	// stay due (an address failing for now, retried) do not keep the ones
	// after them out. A page not full starts the next sweep from the oldest.
	due, err := r.store.DueEnrollmentsAfter(ctx, now, r.due, r.duePage)
	t.add(0, err)
	for _, e := range due {
		t.add(count(r.queue.lesson(ctx, e.SubscriberID, e.NextStep, *e.NextSendAt)))
	}
	r.due = nil
	if last := len(due) - 1; last == r.duePage-1 {
		r.due = &models.DueCursor{At: *due[last].NextSendAt, SubscriberID: due[last].SubscriberID}
	}
	pending, err := r.store.UnsentConfirmations(ctx, now.Add(-token.ConfirmMaxAge), batch)
	t.add(0, err)
	for _, p := range pending {
		t.add(count(r.queue.confirmation(ctx, p.SubscriberID, p.Round)))
	}
	// Booking notices not yet sent, and the reminders of announced calls.
	changed, err := r.store.UnannouncedBookings(ctx, batch)
	t.add(0, err)
	for _, b := range changed {
		t.add(count(r.queue.bookingNotice(ctx, b)))
	}
	upcoming, err := r.store.UpcomingBookings(ctx, now, batch)
	t.add(0, err)
	for _, b := range upcoming {
		t.add(r.queue.Reminders(ctx, b, r.remind, now))
	}
	t.add(r.overdueReminders(ctx, upcoming, now))
	if r.webhooks {
		t.add(r.queueWebhooks(ctx, r.store.UndeliveredWebhookEvents))
	}
	if r.noShows != nil {
		t.add(0, r.noShows.PlanNoShows(ctx))
	}
	if r.enroller != nil {
		unenrolled, err := r.store.UnenrolledSubscribers(ctx, now.Add(-unenrolledWithin), now.Add(-unenrolledAfter), batch)
		t.add(0, err)
		for _, id := range unenrolled {
			t.add(1, r.enroller.Confirm(ctx, id)) // which says so in the log
		}
	}
	return t.n, errors.Join(t.errs...)
}

// overdueReminders queues at once, for each upcoming call, the last
// reminder whose time has passed if it was never sent: its task was lost
// (a Redis flush, an outage at its time), and the call is still to come.
func (r *Reconciler) overdueReminders(ctx context.Context, upcoming []models.Booking, now time.Time) (int, error) {
	type overdue struct {
		b    models.Booking
		lead time.Duration
	}
	var late []overdue
	var keys []models.DeliveryKey
	for _, b := range upcoming {
		if lead, ok := overdueReminder(b, r.remind, now); ok {
			late = append(late, overdue{b, lead})
			keys = append(keys, models.ReminderKey(b, lead))
		}
	}
	if len(late) == 0 {
		return 0, nil
	}
	done, err := r.store.DoneDeliveries(ctx, keys)
	if err != nil {
		return 0, err
	}
	t := tally{}
	for i, o := range late {
		if !done[keys[i]] {
			t.add(count(r.queue.reminderNow(ctx, o.b, o.lead)))
		}
	}
	return t.n, errors.Join(t.errs...)
}

// every runs fn every d (at most the tick's interval) until ctx is done,
// on one instance at a time, as Tick does, under a lock of its own.
func (r *Reconciler) every(ctx context.Context, d time.Duration, name string, fn func(context.Context) (int, error)) {
	d = min(d, r.interval)
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		ok, err := r.rdb.SetNX(ctx, r.lockKey+":"+name, "1", d*9/10).Result()
		if err == nil && ok {
			_, err = fn(ctx)
		}
		if err != nil && ctx.Err() == nil {
			r.log.Error("reconcile "+name, "error", err)
		}
	}
}

// rescue queues again the tasks a dead worker left running (see
// Queue.rescueOrphans) and returns how many.
func (r *Reconciler) rescue(ctx context.Context) (int, error) {
	n, err := r.queue.rescueOrphans(ctx)
	if n > 0 {
		r.log.Warn("tasks left by a worker that stopped without finishing them queued again", "tasks", n)
	}
	return n, err
}

// queueWebhooks queues the delivery of each event list names.
func (r *Reconciler) queueWebhooks(ctx context.Context, list func(context.Context, int) ([]string, error)) (int, error) {
	ids, err := list(ctx, batch)
	t := tally{}
	t.add(0, err)
	for _, id := range ids {
		t.add(count(r.queue.webhook(ctx, id)))
	}
	return t.n, errors.Join(t.errs...)
}

// tally adds up a tick's work and keeps its errors.
type tally struct {
	n    int
	errs []error
}

func (t *tally) add(n int, err error) {
	t.n += n
	if err != nil {
		t.errs = append(t.errs, err)
	}
}

func count(added bool, err error) (int, error) {
	if added {
		return 1, err
	}
	return 0, err
}

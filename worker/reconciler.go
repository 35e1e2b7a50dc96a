package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dripbook/dripbook/drip"
	"github.com/dripbook/dripbook/storage"
	"github.com/dripbook/dripbook/token"
)

// Reconciler re-queues every email the database says is due, so a Redis flush
// or restart loses nothing. Each tick runs on one instance only: a Redis lock
// with the tick's length decides which.
type Reconciler struct {
	store    *storage.Store
	queue    *Queue
	rdb      redis.UniversalClient
	lockKey  string
	interval time.Duration
	remind   []time.Duration
	now      func() time.Time
	log      *slog.Logger
}

// NewReconciler returns a Reconciler that runs every interval. lockKey names
// the Redis key instances compete for; reminders are the calls' reminder
// leads (nil: 24 hours and 1 hour before).
func NewReconciler(store *storage.Store, queue *Queue, rdb redis.UniversalClient, lockKey string, interval time.Duration, reminders []time.Duration, log *slog.Logger) *Reconciler {
	if reminders == nil {
		reminders = drip.DefaultReminders
	}
	return &Reconciler{store: store, queue: queue, rdb: rdb, lockKey: lockKey, interval: interval, remind: reminders,
		now: func() time.Time { return time.Now().UTC() }, log: log}
}

// Run ticks until ctx is done.
func (r *Reconciler) Run(ctx context.Context) {
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
	due, err := r.store.DueEnrollments(ctx, now, batch)
	t.add(0, err)
	for _, e := range due {
		t.add(count(r.queue.lesson(ctx, e.SubscriberID, e.NextStep, *e.NextSendAt)))
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

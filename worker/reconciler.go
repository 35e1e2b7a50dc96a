package worker

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/token"
)

// Reconciler re-queues every email the database says is due, so a Redis flush
// or restart loses nothing. Each tick runs on one instance only: a Redis lock
// with the tick's length decides which.
type Reconciler struct {
	store    *models.Store
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
func NewReconciler(store *models.Store, queue *Queue, rdb redis.UniversalClient, lockKey string, interval time.Duration, reminders []time.Duration, log *slog.Logger) *Reconciler {
	if reminders == nil {
		reminders = defaultReminders
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
// many tasks were missing from the queue.
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
	due, err := r.store.DueEnrollments(ctx, now, batch)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range due {
		added, err := r.queue.lesson(ctx, e.SubscriberID, e.NextStep, *e.NextSendAt)
		if err != nil {
			return n, err
		}
		if added {
			n++
		}
	}
	pending, err := r.store.UnsentConfirmations(ctx, now.Add(-token.ConfirmMaxAge), batch)
	if err != nil {
		return n, err
	}
	for _, p := range pending {
		added, err := r.queue.confirmation(ctx, p.SubscriberID, p.Round)
		if err != nil {
			return n, err
		}
		if added {
			n++
		}
	}
	m, err := r.bookings(ctx, now)
	return n + m, err
}

// bookings re-queues the notices of recent booking changes and the reminders
// of upcoming calls; the delivery log keeps each email to one send.
func (r *Reconciler) bookings(ctx context.Context, now time.Time) (int, error) {
	n := 0
	changed, err := r.store.UnannouncedBookings(ctx, batch)
	if err != nil {
		return n, err
	}
	for _, b := range changed {
		added, err := r.queue.bookingNotice(ctx, b)
		if err != nil {
			return n, err
		}
		if added {
			n++
		}
	}
	upcoming, err := r.store.UpcomingBookings(ctx, now, batch)
	if err != nil {
		return n, err
	}
	for _, b := range upcoming {
		added, err := r.queue.reminders(ctx, b, r.remind, now)
		if err != nil {
			return n, err
		}
		n += added
	}
	return n, nil
}

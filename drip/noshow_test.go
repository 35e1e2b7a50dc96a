package drip_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/testenv"
)

// noShowQueue records the follow-up lessons queued.
type noShowQueue struct {
	noQueue
	mu     sync.Mutex
	queued []string
}

func (q *noShowQueue) NoShow(_ context.Context, _ int64, _ int, slug string, _ time.Time) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.queued = append(q.queued, slug)
	return nil
}

func (q *noShowQueue) Queued() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]string(nil), q.queued...)
}

// A missed call booked on a scheduler whose subscriber has booked a new
// call there has no follow-up left to plan: the reconciler's rounds queue
// nothing for it.
func TestAMissedExternalCallRebookedPlansNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testenv.SQLite(t)
	q := &noShowQueue{}
	e := newEngineWith(t, store, &countingMailer{}, q, 0)
	res, err := store.Subscribe(ctx, models.Signup{Email: "missed@example.com", TextVersion: "v1"})
	require.NoError(t, err)
	_, err = store.Confirm(ctx, res.SubscriberID)
	require.NoError(t, err)
	external := func(uid string, end time.Time) models.Booking {
		b, _, err := store.CreateBooking(ctx, models.Booking{
			SubscriberID: res.SubscriberID, Start: end.Add(-30 * time.Minute), End: end, UID: uid + "@test",
			Scheduler: models.SchedulerCalcom, ExternalID: &uid,
		})
		require.NoError(t, err)
		return b
	}
	missed := external("cal-missed", time.Now().Add(-time.Hour))
	require.NoError(t, store.MarkOutcome(ctx, missed.ID, models.OutcomeNoShow))

	require.NoError(t, e.PlanNoShows(ctx))
	require.Len(t, q.Queued(), 1, "the follow-up starts")

	external("cal-new", time.Now().Add(48*time.Hour))
	for range 3 {
		require.NoError(t, e.PlanNoShows(ctx))
	}
	require.Len(t, q.Queued(), 1, "rebooked: nothing more is queued")
}

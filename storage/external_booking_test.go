package storage_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/testenv"
)

// The database keeps one booking per scheduler id however many deliveries
// race, and a scheduler's calls neither hold a start nor count as a
// subscriber's one call here.
func TestExternalBookingsOncePerSchedulerID(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	subs := newSubscribers(t, s, 2)
	start := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)
	external := func(sub int64, id string) models.Booking {
		b := booking(sub, start)
		b.Scheduler, b.ExternalID = models.SchedulerCalcom, &id
		return b
	}

	var wg sync.WaitGroup
	ids := make([]int64, 8)
	created := make([]bool, len(ids))
	errs := make([]error, len(ids))
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var b models.Booking
			b, created[i], errs[i] = s.CreateBooking(ctx, external(subs[0], "uid-1"))
			ids[i] = b.ID
		}()
	}
	wg.Wait()
	won := 0
	for i := range ids {
		require.NoError(t, errs[i])
		require.Equal(t, ids[0], ids[i], "every delivery gets the one booking")
		if created[i] {
			won++
		}
	}
	require.Equal(t, 1, won)

	// The same start, another call of the scheduler's; and a booking made
	// here by the same subscriber.
	_, c, err := s.CreateBooking(ctx, external(subs[1], "uid-2"))
	require.NoError(t, err)
	require.True(t, c)
	_, c, err = s.CreateBooking(ctx, booking(subs[0], start.Add(time.Hour)))
	require.NoError(t, err)
	require.True(t, c)

	// Another scheduler may use the same id.
	b := external(subs[1], "uid-1")
	b.Scheduler = models.SchedulerCalendly
	_, c, err = s.CreateBooking(ctx, b)
	require.NoError(t, err)
	require.True(t, c)

	got, err := s.ExternalBooking(ctx, models.SchedulerCalcom, "uid-1")
	require.NoError(t, err)
	require.Equal(t, ids[0], got.ID)
	_, err = s.ExternalBooking(ctx, models.SchedulerCalcom, "uid-3")
	require.ErrorIs(t, err, models.ErrNotFound)
}

// A signed delivery is received once; the second is a replay.
func TestSchedulerDeliveryOnce(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	require.NoError(t, s.RecordSchedulerDelivery(ctx, models.SchedulerCalcom, "d1"))
	require.ErrorIs(t, s.RecordSchedulerDelivery(ctx, models.SchedulerCalcom, "d1"), models.ErrReplayed)
	require.NoError(t, s.RecordSchedulerDelivery(ctx, models.SchedulerCalendly, "d2"))
}

// A delivery's digest is kept for the hour a delivery is accepted in, and
// forgotten after it, so the table holds only the last hour's.
func TestSchedulerDeliveriesAreForgottenAfterAnHour(t *testing.T) {
	t.Parallel()
	s := testenv.Store(t)
	ctx := context.Background()
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return t0 })
	require.NoError(t, s.RecordSchedulerDelivery(ctx, models.SchedulerCalcom, "old"))
	s.SetClock(func() time.Time { return t0.Add(59 * time.Minute) })
	require.ErrorIs(t, s.RecordSchedulerDelivery(ctx, models.SchedulerCalcom, "old"), models.ErrReplayed, "still within the hour")
	s.SetClock(func() time.Time { return t0.Add(61 * time.Minute) })
	require.NoError(t, s.RecordSchedulerDelivery(ctx, models.SchedulerCalcom, "new"))
	var n int64
	require.NoError(t, s.DB().Table("scheduler_deliveries").Where("digest = ?", "old").Count(&n).Error)
	require.Zero(t, n, "the hour-old digest is gone")
}

// A call moved on its scheduler is no longer a no-show, as a call moved
// here is not: its follow-up stops.
func TestMovingAMissedExternalCallClearsItsMark(t *testing.T) {
	t.Parallel()
	s := testenv.Store(t)
	ctx := context.Background()
	sub := newSubscribers(t, s, 1)[0]
	start := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)
	b := booking(sub, start)
	id := "uid-missed"
	b.Scheduler, b.ExternalID = models.SchedulerCalcom, &id
	b, _, err := s.CreateBooking(ctx, b)
	require.NoError(t, err)
	require.NoError(t, s.MarkOutcome(ctx, b.ID, models.OutcomeNoShow))

	moved, err := s.MoveExternalBooking(ctx, b.ID, "uid-new", start.Add(48*time.Hour), start.Add(48*time.Hour+30*time.Minute))
	require.NoError(t, err)
	require.Empty(t, moved.Outcome)
	require.Nil(t, moved.OutcomeAt)
	require.Equal(t, 1, moved.Sequence)
}

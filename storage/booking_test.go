package storage_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/storage"
	"github.com/dripbook/dripbook/testenv"
)

func newSubscribers(t *testing.T, s *storage.Store, n int) []int64 {
	t.Helper()
	ids := make([]int64, n)
	for i := range ids {
		res, err := s.Subscribe(context.Background(), signup(testenv.Random(8)+"@example.com"))
		require.NoError(t, err)
		ids[i] = res.SubscriberID
	}
	return ids
}

func booking(sub int64, start time.Time) models.Booking {
	return models.Booking{SubscriberID: sub, Start: start, End: start.Add(30 * time.Minute), UID: testenv.Random(16)}
}

func TestConcurrentBookingsOfOneSlot(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	subs := newSubscribers(t, s, 20)
	start := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)

	var wg sync.WaitGroup
	errs := make([]error, len(subs))
	for i, id := range subs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, errs[i] = s.CreateBooking(ctx, booking(id, start))
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case errors.Is(err, models.ErrSlotTaken):
		default:
			t.Fatalf("unexpected error: %v", err)
		}
	}
	require.Equal(t, 1, won, "the database lets exactly one booking have the slot")
	starts, err := s.BookedStarts(ctx, start.Add(-time.Hour), start.Add(time.Hour))
	require.NoError(t, err)
	require.Len(t, starts, 1)
	require.True(t, starts[0].Equal(start))
}

func TestBookingRules(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	subs := newSubscribers(t, s, 2)
	start := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)
	later := start.Add(time.Hour)

	key := "idem-1"
	b := booking(subs[0], start)
	b.IdempotencyKey = &key
	first, created, err := s.CreateBooking(ctx, b)
	require.NoError(t, err)
	require.True(t, created)
	again := booking(subs[0], later)
	again.IdempotencyKey = &key
	replay, created, err := s.CreateBooking(ctx, again)
	require.NoError(t, err)
	require.False(t, created, "a repeated key makes nothing new")
	require.Equal(t, first.ID, replay.ID)

	_, _, err = s.CreateBooking(ctx, booking(subs[0], later))
	require.ErrorIs(t, err, models.ErrAlreadyBooked, "one active booking per subscriber")
	stolen := booking(subs[1], later)
	stolen.IdempotencyKey = &key
	_, _, err = s.CreateBooking(ctx, stolen)
	require.ErrorIs(t, err, models.ErrKeyReused, "a key never returns someone else's booking")

	other, _, err := s.CreateBooking(ctx, booking(subs[1], later))
	require.NoError(t, err)
	_, err = s.RescheduleBooking(ctx, first.ID, later, later.Add(30*time.Minute))
	require.ErrorIs(t, err, models.ErrSlotTaken, "cannot move onto a taken slot")

	cancelled, err := s.CancelBooking(ctx, other.ID)
	require.NoError(t, err)
	require.Equal(t, models.BookingCancelled, cancelled.Status)
	require.Equal(t, 1, cancelled.Sequence, "a cancellation raises the sequence")
	_, err = s.CancelBooking(ctx, other.ID)
	require.ErrorIs(t, err, models.ErrNotConfirmed)

	moved, err := s.RescheduleBooking(ctx, first.ID, later, later.Add(30*time.Minute))
	require.NoError(t, err, "the cancelled booking freed the slot")
	require.Equal(t, first.UID, moved.UID, "the calendar event keeps its UID")
	require.Equal(t, 1, moved.Sequence)
	require.True(t, moved.Start.Equal(later))

	has, err := s.HasActiveBooking(ctx, subs[1])
	require.NoError(t, err)
	require.False(t, has)
	rebook, created, err := s.CreateBooking(ctx, booking(subs[1], start))
	require.NoError(t, err, "after cancelling, the subscriber may book again")
	require.True(t, created)

	un, err := s.UnannouncedBookings(ctx, 10)
	require.NoError(t, err)
	require.Len(t, un, 3)
	require.NoError(t, s.MarkBookingNotified(ctx, rebook.ID, 0))
	require.NoError(t, s.MarkBookingNotified(ctx, moved.ID, 1))
	require.NoError(t, s.MarkBookingNotified(ctx, cancelled.ID, 1))
	un, err = s.UnannouncedBookings(ctx, 10)
	require.NoError(t, err)
	require.Empty(t, un)
}

// The reconciler's reminders are for calls it can remind: announced,
// to come, booked here, and of an address that still takes mail (an
// unsubscribe leaves the call's reminders; a bounce or an erasure does not).
func TestUpcomingBookingsAreTheOnesToRemind(t *testing.T) {
	t.Parallel()
	clockedStores(t, func(t *testing.T, s *storage.Store, now *time.Time) {
		ctx := context.Background()
		call := func(addr string, in time.Duration) models.Booking {
			start := now.Add(in)
			b, _, err := s.CreateBooking(ctx, models.Booking{SubscriberID: confirmed(t, s, addr), Start: start, End: start.Add(30 * time.Minute), UID: addr})
			require.NoError(t, err)
			require.NoError(t, s.MarkBookingNotified(ctx, b.ID, b.Sequence))
			return b
		}
		kept := call("kept@example.com", time.Hour)
		left := call("left@example.com", 2*time.Hour)
		_, err := s.Unsubscribe(ctx, left.SubscriberID)
		require.NoError(t, err)
		bounced := call("bounced@example.com", 3*time.Hour)
		require.NoError(t, s.MarkBounced(ctx, bounced.SubscriberID))
		call("past@example.com", -time.Hour)

		got, err := s.UpcomingBookings(ctx, *now, 10)
		require.NoError(t, err)
		var ids []int64
		for _, b := range got {
			ids = append(ids, b.ID)
		}
		require.Equal(t, []int64{kept.ID, left.ID}, ids)
	})
}

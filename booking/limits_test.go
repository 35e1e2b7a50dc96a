package booking_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/booking"
	"github.com/dripbook/dripbook/fault"
	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/storage"
	"github.com/dripbook/dripbook/testenv"
)

// countingNotifier counts the changes that would be emailed.
type countingNotifier struct {
	mu     sync.Mutex
	events []booking.Event
}

func (n *countingNotifier) BookingChanged(_ context.Context, _ models.Booking, e booking.Event) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.events = append(n.events, e)
	return nil
}

func (n *countingNotifier) count() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.events)
}

// limitedService is a booking service allowing daily changes a day, with a
// clock the test moves.
func limitedService(t *testing.T, daily int) (*booking.Service, *countingNotifier, int64, *time.Time) {
	t.Helper()
	now := serviceNow
	clock := func() time.Time { return now }
	store := testenv.Store(t)
	store.SetClock(clock)
	rules := booking.Rules{Week: booking.Week{}, Location: time.UTC, Call: 30 * time.Minute, Notice: time.Hour, Horizon: 7}
	week, err := booking.ParseHours("Mon-Sun 00:00-24:00")
	require.NoError(t, err)
	rules.Week = week
	n := &countingNotifier{}
	svc := booking.NewService(booking.Deps{Store: storage.BookingStore{Store: store}, Rules: rules, DailyChanges: daily, Notifier: n, Now: clock})
	return svc, n, subscribers(t, store, 1)[0], &now
}

// bookAndCancel books start and cancels it again, cycles times, and returns
// the error that stopped a booking, if one did.
func bookAndCancel(t *testing.T, svc *booking.Service, sub int64, start time.Time, cycles int) error {
	t.Helper()
	ctx := context.Background()
	for range cycles {
		b, _, err := svc.Book(ctx, booking.Request{SubscriberID: sub, Start: start})
		if err != nil {
			return err
		}
		_, err = svc.Cancel(ctx, b.ID)
		require.NoError(t, err, "a cancellation is never refused")
	}
	return nil
}

func TestBookCancelCyclesAreCutOff(t *testing.T) {
	t.Parallel()
	svc, notifier, sub, now := limitedService(t, 5)
	ctx := context.Background()
	start := serviceNow.Add(3 * time.Hour)

	refused := bookAndCancel(t, svc, sub, start, 50)
	require.ErrorIs(t, refused, booking.ErrTooManyChanges)
	require.Equal(t, fault.TooMany, fault.KindOf(refused))
	wait, ok := fault.RetryAfterOf(refused)
	require.True(t, ok)
	require.Equal(t, booking.ChangeWindow, wait, "the first change stops counting a day after it was made")
	require.Equal(t, 6, notifier.count(), "three bookings and three cancellations, then no more email")

	// A day later the subscriber may book again.
	*now = now.Add(booking.ChangeWindow + time.Second)
	_, _, err := svc.Book(ctx, booking.Request{SubscriberID: sub, Start: start.Add(booking.ChangeWindow)})
	require.NoError(t, err)
}

func TestMovesCountAndCancellingStaysPossible(t *testing.T) {
	t.Parallel()
	svc, notifier, sub, _ := limitedService(t, 3)
	ctx := context.Background()
	start := serviceNow.Add(3 * time.Hour)
	b, _, err := svc.Book(ctx, booking.Request{SubscriberID: sub, Start: start})
	require.NoError(t, err)
	for i := 1; i <= 2; i++ {
		_, err = svc.Reschedule(ctx, b.ID, start.Add(time.Duration(i)*time.Hour))
		require.NoError(t, err)
	}
	_, err = svc.Reschedule(ctx, b.ID, start.Add(5*time.Hour))
	require.ErrorIs(t, err, booking.ErrTooManyChanges)
	_, err = svc.Reschedule(ctx, b.ID, start.Add(2*time.Hour))
	require.NoError(t, err, "moving to where it already is changes nothing, and is no change")

	_, err = svc.Cancel(ctx, b.ID)
	require.NoError(t, err, "over the limit, the call can still be cancelled")
	require.Equal(t, 4, notifier.count())
}

func TestRepeatedIdempotencyKeyIsNoChange(t *testing.T) {
	t.Parallel()
	svc, notifier, sub, _ := limitedService(t, 1)
	ctx := context.Background()
	r := booking.Request{SubscriberID: sub, Start: serviceNow.Add(3 * time.Hour), IdempotencyKey: "once"}
	for range 3 {
		_, _, err := svc.Book(ctx, r)
		require.NoError(t, err, "a double click is one booking and one change")
	}
	require.Equal(t, 1, notifier.count())
}

func TestNoDailyLimitWhenOff(t *testing.T) {
	t.Parallel()
	svc, notifier, sub, _ := limitedService(t, 0)
	require.NoError(t, bookAndCancel(t, svc, sub, serviceNow.Add(3*time.Hour), 10))
	require.Equal(t, 20, notifier.count())
}

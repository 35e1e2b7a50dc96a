package booking_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/booking"
	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/storage"
	"github.com/dripbook/dripbook/testenv"
)

// serviceNow is a Monday morning in Berlin.
var serviceNow = time.Date(2026, 11, 2, 7, 0, 0, 0, time.UTC)

func newService(t *testing.T, change func(*booking.Rules)) (*booking.Service, *storage.Store) {
	t.Helper()
	week, err := booking.ParseHours("Mon-Fri 09:00-17:00")
	require.NoError(t, err)
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	rules := booking.Rules{Week: week, Location: berlin, Call: 30 * time.Minute, Notice: time.Hour, Horizon: 7}
	if change != nil {
		change(&rules)
	}
	store := testenv.Store(t)
	store.SetClock(func() time.Time { return serviceNow })
	return booking.NewService(booking.Deps{Store: storage.BookingStore{Store: store}, Rules: rules, Now: func() time.Time { return serviceNow }}), store
}

func subscribers(t *testing.T, store *storage.Store, n int) []int64 {
	t.Helper()
	ids := make([]int64, n)
	for i := range ids {
		res, err := store.Subscribe(context.Background(), models.Signup{Email: testenv.Random(10) + "@example.com", TextVersion: "t"})
		require.NoError(t, err)
		ids[i] = res.SubscriberID
	}
	return ids
}

// bookConcurrently has one subscriber per start book at once and counts
// the winners.
func bookConcurrently(t *testing.T, svc *booking.Service, subs []int64, starts []time.Time) int {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, len(starts))
	for i := range starts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, errs[i] = svc.Book(context.Background(), booking.Request{SubscriberID: subs[i], Start: starts[i]})
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case errors.Is(err, booking.ErrNotOffered), errors.Is(err, models.ErrSlotTaken):
		default:
			t.Fatalf("unexpected error: %v", err)
		}
	}
	return won
}

func TestDailyCapHoldsUnderConcurrency(t *testing.T) {
	svc, store := newService(t, func(r *booking.Rules) { r.DailyMax = 2 })
	subs := subscribers(t, store, 6)
	var starts []time.Time
	for i := range subs {
		starts = append(starts, time.Date(2026, 11, 3, 8+i, 0, 0, 0, time.UTC))
	}
	require.Equal(t, 2, bookConcurrently(t, svc, subs, starts))
}

func TestRescheduleNextToItsOwnSlot(t *testing.T) {
	svc, store := newService(t, func(r *booking.Rules) { r.Buffer = 30 * time.Minute; r.DailyMax = 1 })
	subs := subscribers(t, store, 1)
	nine := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	b, _, err := svc.Book(context.Background(), booking.Request{SubscriberID: subs[0], Start: nine})
	require.NoError(t, err)
	moved, err := svc.Reschedule(context.Background(), b.ID, nine.Add(time.Hour))
	require.NoError(t, err, "the call's own time does not block its new time, nor count against the day")
	require.True(t, moved.Start.Equal(nine.Add(time.Hour)))
}

// The slots a call can move to are those Reschedule accepts: its own place
// in the day's cap (and its buffer) do not hide the times of its day, and
// its own start is not offered as a move.
func TestMoveSlotsAreWhatRescheduleTakes(t *testing.T) {
	svc, store := newService(t, func(r *booking.Rules) { r.Buffer = 30 * time.Minute; r.DailyMax = 1 })
	subs := subscribers(t, store, 1)
	ctx := context.Background()
	nine := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	b, _, err := svc.Book(ctx, booking.Request{SubscriberID: subs[0], Start: nine})
	require.NoError(t, err)
	dayEnd := nine.Add(8 * time.Hour)

	free, err := svc.Slots(ctx, nine, dayEnd)
	require.NoError(t, err)
	require.Empty(t, free, "to anyone else the day is full")

	moves, err := svc.MoveSlots(ctx, nine, dayEnd, b.Start)
	require.NoError(t, err)
	require.NotEmpty(t, moves)
	for _, sl := range moves {
		require.False(t, sl.Start.Equal(nine), "its own start is no move")
	}
	require.True(t, moves[0].Start.Equal(nine.Add(time.Hour)), "the next slot of the same day is offered: %v", moves[0].Start)
	moved, err := svc.Reschedule(ctx, b.ID, moves[0].Start)
	require.NoError(t, err, "and taken")
	require.True(t, moved.Start.Equal(moves[0].Start))
}

func TestDoubleClickBooksOnce(t *testing.T) {
	svc, store := newService(t, nil)
	subs := subscribers(t, store, 1)
	start := time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	ids := make([]int64, 5)
	errs := make([]error, 5)
	created := make([]bool, 5)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var b models.Booking
			b, created[i], errs[i] = svc.Book(context.Background(), booking.Request{SubscriberID: subs[0], Start: start, IdempotencyKey: "click"})
			ids[i] = b.ID
		}()
	}
	wg.Wait()
	made := 0
	for i := range ids {
		require.NoError(t, errs[i], "every click of the same form gets the booking")
		require.Equal(t, ids[0], ids[i])
		if created[i] {
			made++
		}
	}
	require.Equal(t, 1, made)
}

func TestRescheduleTwiceToTheSameTime(t *testing.T) {
	svc, store := newService(t, nil)
	subs := subscribers(t, store, 1)
	nine := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	b, _, err := svc.Book(context.Background(), booking.Request{SubscriberID: subs[0], Start: nine})
	require.NoError(t, err)
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = svc.Reschedule(context.Background(), b.ID, nine.Add(2*time.Hour))
		}()
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err, "a repeated move to the same time succeeds")
	}
	got, err := store.Booking(context.Background(), b.ID)
	require.NoError(t, err)
	require.Equal(t, 1, got.Sequence, "moved once")
}

// ctxRecorder is a Notifier and Replanner that keeps the contexts it is
// called with.
type ctxRecorder struct {
	mu   sync.Mutex
	ctxs []context.Context
}

func (r *ctxRecorder) keep(ctx context.Context) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ctxs = append(r.ctxs, ctx)
}

func (r *ctxRecorder) BookingChanged(ctx context.Context, _ models.Booking, _ booking.Event) error {
	r.keep(ctx)
	return nil
}

func (r *ctxRecorder) Replan(ctx context.Context, _ int64) error {
	r.keep(ctx)
	return nil
}

// Once a booking or its cancellation is made, the worker and the course
// are told of it whatever becomes of the request: a visitor who closes the
// tab still has their sales lessons stopped, or resumed.
func TestAChangeIsToldBeyondItsRequest(t *testing.T) {
	t.Parallel()
	_, store := newService(t, nil)
	rec := &ctxRecorder{}
	week, err := booking.ParseHours("Mon-Fri 09:00-17:00")
	require.NoError(t, err)
	svc := booking.NewService(booking.Deps{Store: storage.BookingStore{Store: store},
		Rules:    booking.Rules{Week: week, Location: time.UTC, Call: 30 * time.Minute, Notice: time.Hour, Horizon: 7},
		Notifier: rec, Replanner: rec, Now: func() time.Time { return serviceNow }})
	sub := subscribers(t, store, 1)[0]
	slots, err := svc.Slots(context.Background(), serviceNow, serviceNow.Add(48*time.Hour))
	require.NoError(t, err)
	require.NotEmpty(t, slots)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b, _, err := svc.Book(ctx, booking.Request{SubscriberID: sub, Start: slots[0].Start})
	require.NoError(t, err)
	_, err = svc.Cancel(ctx, b.ID)
	require.NoError(t, err)
	require.Len(t, rec.ctxs, 4, "told twice each of the booking and its cancellation")
	for _, c := range rec.ctxs {
		require.Nil(t, c.Done(), "a context that the request's end cannot cancel")
	}
}

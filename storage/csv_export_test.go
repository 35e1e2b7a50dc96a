package storage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/storage"
	"github.com/dripbook/dripbook/testenv"
)

func TestEachSubscriberWalksEveryRowOnceInBatches(t *testing.T) {
	t.Parallel()
	store := testenv.Store(t)
	ctx := context.Background()
	const n = 2345 // more than two batches, and a part of one
	require.NoError(t, store.SeedSubscribers(ctx, "walk", n))

	seen := map[string]bool{}
	var last int64
	err := store.EachSubscriber(ctx, func(s models.Subscriber) error {
		require.Greater(t, s.ID, last, "in id order")
		last = s.ID
		require.False(t, seen[s.Email], "each row once")
		seen[s.Email] = true
		require.Equal(t, models.StatusActive, s.Status)
		return nil
	})
	require.NoError(t, err)
	require.Len(t, seen, n)
	require.True(t, seen["walk0@example.com"] && seen["walk2344@example.com"])

	stop := errors.New("stop")
	calls := 0
	err = store.EachSubscriber(ctx, func(models.Subscriber) error { calls++; return stop })
	require.ErrorIs(t, err, stop)
	require.Equal(t, 1, calls)
}

var exportStart = time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC)

func TestEachBookingCarriesTheSubscriber(t *testing.T) {
	t.Parallel()
	store := testenv.Store(t)
	ctx := context.Background()
	res, err := store.Subscribe(ctx, signup("ada@example.com"))
	require.NoError(t, err)
	b, _, err := store.CreateBooking(ctx, models.Booking{SubscriberID: res.SubscriberID, UID: "u1",
		Start: exportStart, End: exportStart.Add(30 * time.Minute), Timezone: "Europe/Berlin"})
	require.NoError(t, err)

	var got []storage.BookingExport
	require.NoError(t, store.EachBooking(ctx, func(e storage.BookingExport) error { got = append(got, e); return nil }))
	require.Len(t, got, 1)
	require.Equal(t, b.ID, got[0].ID)
	require.Equal(t, "ada@example.com", got[0].Email)
	require.Equal(t, "Ada", got[0].Name)
	require.Equal(t, "Europe/Berlin", got[0].Timezone)
	require.True(t, b.Start.Equal(got[0].Start))
}

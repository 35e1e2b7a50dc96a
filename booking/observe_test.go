package booking_test

import (
	"bytes"
	"context"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/booking"
	"github.com/dripbook/dripbook/models"
)

type eventCounter map[booking.Event]int

func (c eventCounter) BookingChanged(e booking.Event) { c[e]++ }

func TestObservedNotifierLogsCountsAndHandsOn(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	next := &countingNotifier{}
	counts := eventCounter{}
	n := booking.ObservedNotifier{Notifier: next, Observer: counts, Log: slog.New(slog.NewTextHandler(&buf, nil))}
	ctx := context.Background()
	require.NoError(t, n.BookingChanged(ctx, models.Booking{ID: 4, SubscriberID: 9}, booking.EventBooked))
	require.NoError(t, n.BookingChanged(ctx, models.Booking{ID: 4, SubscriberID: 9, Sequence: 1}, booking.EventCancelled))

	require.Equal(t, 2, next.count(), "handed on")
	require.Equal(t, eventCounter{booking.EventBooked: 1, booking.EventCancelled: 1}, counts)
	require.Contains(t, buf.String(), `msg="booking booked" booking_id=4 subscriber_id=9 event=booked`)
	require.Contains(t, buf.String(), `msg="booking cancelled"`)
}

package booking

import (
	"context"
	"time"

	"github.com/dripbook/dripbook/fault"
	"github.com/dripbook/dripbook/models"
)

// ChangeWindow is the span over which a subscriber's changes to their call
// are counted against Deps.DailyChanges.
const ChangeWindow = 24 * time.Hour

// ErrTooManyChanges means the subscriber has booked, moved and cancelled
// as often as a day allows. Each change emails them and the coach, so
// without a limit one booking link could flood both inboxes.
var ErrTooManyChanges = fault.New(fault.TooMany, "too_many_changes", "too many changes to your call today")

// Change is one booking, move or cancellation, as the daily limit counts
// them.
type Change struct {
	SubscriberID int64
	BookingID    int64
	Event        Event
	At           time.Time
}

// checkChanges refuses a booking or a move once the subscriber has made
// the day's changes, with how long until the oldest of them stops
// counting. Cancelling is never refused: someone who cannot make the call
// must always be able to free it, and a cancellation can only follow a
// booking, which this limits.
func (s *Service) checkChanges(ctx context.Context, st Tx, subscriberID int64) error {
	if s.dailyChanges <= 0 {
		return nil
	}
	now := s.now()
	times, err := st.RecentChanges(ctx, subscriberID, now.Add(-ChangeWindow))
	if err != nil || len(times) < s.dailyChanges {
		return err
	}
	oldest := times[len(times)-s.dailyChanges]
	return fault.RetryAfter(ErrTooManyChanges, oldest.Add(ChangeWindow).Sub(now))
}

// recordChange counts a change in the same transaction that made it, so
// only changes that happened count.
func (s *Service) recordChange(ctx context.Context, st Tx, b models.Booking, event Event) error {
	return st.RecordChange(ctx, Change{SubscriberID: b.SubscriberID, BookingID: b.ID, Event: event, At: s.now()})
}

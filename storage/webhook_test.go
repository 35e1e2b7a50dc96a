package storage_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	bookings "github.com/dripbook/dripbook/booking"
	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/storage"
	"github.com/dripbook/dripbook/testenv"
)

// events returns the types of the outbox's undelivered events, oldest
// first.
func events(t *testing.T, s *storage.Store) []string {
	t.Helper()
	ctx := context.Background()
	ids, err := s.UndeliveredWebhookEvents(ctx, 100)
	require.NoError(t, err)
	types := make([]string, len(ids))
	for i, id := range ids {
		ev, err := s.WebhookEvent(ctx, id)
		require.NoError(t, err)
		types[i] = ev.Type
	}
	return types
}

func TestChangesWriteTheirEvents(t *testing.T) {
	t.Parallel()
	s := testenv.Store(t)
	s.SetWebhooks(true)
	ctx := context.Background()
	res, err := s.Subscribe(ctx, models.Signup{Email: "ev@example.com", Name: "Eve", TextVersion: "test"})
	require.NoError(t, err)
	id := res.SubscriberID
	require.Empty(t, events(t, s), "a signup is no event")

	for range 2 { // the second time changes nothing, and emits nothing
		_, err = s.Confirm(ctx, id)
		require.NoError(t, err)
		require.NoError(t, s.RecordClick(ctx, id, "day-1"))
	}
	b, _, err := s.CreateBooking(ctx, booking(id, time.Now().Truncate(time.Second).Add(-time.Hour)))
	require.NoError(t, err)
	_, err = s.RescheduleBooking(ctx, b.ID, b.Start.Add(-time.Hour), b.End.Add(-time.Hour))
	require.NoError(t, err)
	require.NoError(t, s.MarkOutcome(ctx, b.ID, models.OutcomeAttended))
	require.NoError(t, s.MarkOutcome(ctx, b.ID, models.OutcomeNoShow)) // a mark corrected: a missed call can still be cancelled
	_, err = s.CancelBooking(ctx, b.ID)
	require.NoError(t, err)
	_, err = s.CancelBooking(ctx, b.ID)
	require.ErrorIs(t, err, models.ErrNotConfirmed)
	require.NoError(t, s.MarkBounced(ctx, id))
	require.NoError(t, s.MarkBounced(ctx, id))
	for range 2 {
		_, err = s.Unsubscribe(ctx, id)
		require.NoError(t, err)
	}
	require.NoError(t, s.MarkBounced(ctx, id), "an opt-out outlasts a later bounce")

	require.Equal(t, []string{
		models.EventSubscriberConfirmed, models.EventLinkClicked, models.EventBookingCreated, models.EventBookingRescheduled,
		models.EventBookingAttended, models.EventBookingNoShow, models.EventBookingCancelled,
		models.EventSubscriberBounced, models.EventSubscriberUnsubscribed,
	}, events(t, s))

	ids, err := s.UndeliveredWebhookEvents(ctx, 100)
	require.NoError(t, err)
	ev, err := s.WebhookEvent(ctx, ids[3])
	require.NoError(t, err)
	require.Regexp(t, `^msg_[A-Z2-7]{26}$`, ev.ID)
	var body struct {
		Type      string    `json:"type"`
		Timestamp time.Time `json:"timestamp"`
		Data      struct {
			ID         int64     `json:"id"`
			Start      time.Time `json:"start"`
			End        time.Time `json:"end"`
			Status     string    `json:"status"`
			Subscriber struct {
				ID    int64  `json:"id"`
				Email string `json:"email"`
				Name  string `json:"name"`
			} `json:"subscriber"`
		} `json:"data"`
	}
	require.NoError(t, json.Unmarshal([]byte(ev.Payload), &body))
	require.Equal(t, models.EventBookingRescheduled, body.Type)
	require.WithinDuration(t, time.Now(), body.Timestamp, time.Minute)
	require.Equal(t, b.ID, body.Data.ID)
	require.True(t, b.Start.Add(-time.Hour).Equal(body.Data.Start), "the new start")
	require.Equal(t, models.BookingConfirmed, body.Data.Status)
	require.Equal(t, id, body.Data.Subscriber.ID)
	require.Equal(t, "ev@example.com", body.Data.Subscriber.Email)
	require.Equal(t, "Eve", body.Data.Subscriber.Name)

	require.NoError(t, s.RecordWebhookAttempt(ctx, ids[0], "endpoint answered 500"))
	require.NoError(t, s.RecordWebhookAttempt(ctx, ids[0], ""))
	ev, err = s.WebhookEvent(ctx, ids[0])
	require.NoError(t, err)
	require.NotNil(t, ev.DeliveredAt)
	require.Equal(t, 2, ev.Attempts)
	require.Equal(t, "endpoint answered 500", ev.LastError)
	require.Len(t, events(t, s), 8, "a delivered event is no longer due")
}

func TestARolledBackChangeEmitsNothing(t *testing.T) {
	t.Parallel()
	s := testenv.Store(t)
	s.SetWebhooks(true)
	ctx := context.Background()
	subs := newSubscribers(t, s, 2)
	start := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)

	rollback := errors.New("rolled back")
	err := s.LockBookings(ctx, func(tx *storage.Store) error {
		if _, _, err := tx.CreateBooking(ctx, booking(subs[0], start)); err != nil {
			return err
		}
		return rollback
	})
	require.ErrorIs(t, err, rollback)
	require.Empty(t, events(t, s), "the booking rolled back, and its event with it")

	_, _, err = s.CreateBooking(ctx, booking(subs[0], start))
	require.NoError(t, err)
	_, _, err = s.CreateBooking(ctx, booking(subs[1], start))
	require.ErrorIs(t, err, models.ErrSlotTaken)
	require.Equal(t, []string{models.EventBookingCreated}, events(t, s), "a refused booking is no event")
}

func TestWebhooksOffWriteNothing(t *testing.T) {
	t.Parallel()
	s := testenv.Store(t)
	ctx := context.Background()
	id := newSubscribers(t, s, 1)[0]
	_, err := s.Confirm(ctx, id)
	require.NoError(t, err)
	_, err = s.Unsubscribe(ctx, id)
	require.NoError(t, err)
	require.Empty(t, events(t, s))
}

// A lesson is one lesson.sent event, whether it is recorded with its step
// or alone first, and however often it is recorded again.
func TestALessonIsSentOnce(t *testing.T) {
	t.Parallel()
	s := testenv.Store(t)
	s.SetWebhooks(true)
	ctx := context.Background()
	id := newSubscribers(t, s, 1)[0]
	_, err := s.Confirm(ctx, id)
	require.NoError(t, err)
	done := models.StepPlan{Next: models.Enrollment{SubscriberID: id, Status: models.EnrollmentFinished}}
	for _, slug := range []string{"gaps", "close"} {
		key := models.DeliveryKey{SubscriberID: id, Kind: models.KindLesson, Step: slug}
		require.NoError(t, s.ClaimDelivery(ctx, key, time.Minute))
		if slug == "close" {
			require.NoError(t, s.MarkSent(ctx, key), "recorded alone, as when its step could not be")
		}
		for range 2 {
			_, err := s.CompleteStep(ctx, key, done)
			require.NoError(t, err)
		}
	}
	require.Equal(t, []string{models.EventSubscriberConfirmed, models.EventLessonSent, models.EventLessonSent}, events(t, s))
}

// Setting where one call happens raises its sequence, records it as the
// place's, and is no webhook event: not a reschedule.
func TestSettingACallsPlaceIsNoEvent(t *testing.T) {
	t.Parallel()
	s := testenv.Store(t)
	s.SetWebhooks(true)
	ctx := context.Background()
	res, err := s.Subscribe(ctx, models.Signup{Email: "pl@example.com", Name: "Pat", TextVersion: "test"})
	require.NoError(t, err)
	b, _, err := s.CreateBooking(ctx, booking(res.SubscriberID, time.Now().Truncate(time.Second).Add(time.Hour)))
	require.NoError(t, err)
	_, changed, err := s.SetBookingPlace(ctx, b.ID, bookings.Place{Text: "Room 4"}, time.Now())
	require.NoError(t, err)
	require.False(t, changed, "not before the booking's own emails went out")
	require.NoError(t, s.MarkBookingNotified(ctx, b.ID, 0))
	_, changed, err = s.SetBookingPlace(ctx, b.ID, bookings.Place{Text: "Room 4"}, b.Start)
	require.NoError(t, err)
	require.False(t, changed, "not once the call has started")
	placed, changed, err := s.SetBookingPlace(ctx, b.ID, bookings.Place{Text: "Room 4"}, time.Now())
	require.NoError(t, err)
	require.True(t, changed)
	require.Equal(t, "Room 4", placed.PlaceText)
	require.Equal(t, 1, placed.Sequence)
	require.Equal(t, 1, placed.PlaceSequence)
	require.NoError(t, s.MarkBookingNotified(ctx, b.ID, 1))
	_, changed, err = s.SetBookingPlace(ctx, b.ID, bookings.Place{Text: "Room 4"}, time.Now())
	require.NoError(t, err)
	require.False(t, changed, "the same place again changes nothing")
	moved, err := s.RescheduleBooking(ctx, b.ID, b.Start.Add(time.Hour), b.End.Add(time.Hour))
	require.NoError(t, err)
	require.Equal(t, 2, moved.Sequence)
	require.Equal(t, 1, moved.PlaceSequence, "a move is not a place change")
	require.Equal(t, "Room 4", moved.PlaceText, "a moved call keeps its place")
	require.Equal(t, []string{models.EventBookingCreated, models.EventBookingRescheduled}, events(t, s))
}

// Marks racing each other make one event, the same mark again makes none,
// and a cancelled call takes no mark.
func TestMarkingAnOutcomeOnceMakesOneEvent(t *testing.T) {
	t.Parallel()
	s := testenv.Store(t)
	s.SetWebhooks(true)
	ctx := context.Background()
	res, err := s.Subscribe(ctx, models.Signup{Email: "mark@example.com", TextVersion: "test"})
	require.NoError(t, err)
	b, _, err := s.CreateBooking(ctx, booking(res.SubscriberID, time.Now().Add(-time.Hour).Truncate(time.Second)))
	require.NoError(t, err)

	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() { errs[i] = s.MarkOutcome(ctx, b.ID, models.OutcomeNoShow) })
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	require.NoError(t, s.MarkOutcome(ctx, b.ID, models.OutcomeNoShow))
	require.ElementsMatch(t, []string{models.EventBookingCreated, models.EventBookingNoShow}, events(t, s), "one event for the mark")

	_, err = s.CancelBooking(ctx, b.ID)
	require.NoError(t, err)
	require.ErrorIs(t, s.MarkOutcome(ctx, b.ID, models.OutcomeAttended), models.ErrNotConfirmed)
}

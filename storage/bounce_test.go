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

func TestRestoreBounced(t *testing.T) {
	t.Parallel()
	s := testenv.Store(t)
	ctx := context.Background()
	now := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })

	res, err := s.Subscribe(ctx, signup("bounced@example.com"))
	require.NoError(t, err)
	id := res.SubscriberID
	_, err = s.Confirm(ctx, id)
	require.NoError(t, err)
	due := now
	require.NoError(t, s.SaveEnrollment(ctx, models.Enrollment{
		SubscriberID: id, Status: models.EnrollmentActive, NextStep: "welcome", NextSendAt: &due, LastDay: -1, Anchor: now,
	}))
	lesson := models.DeliveryKey{SubscriberID: id, Kind: models.KindLesson, Step: "welcome"}
	require.NoError(t, s.ClaimDelivery(ctx, lesson, time.Minute))
	require.NoError(t, s.MarkFailed(ctx, lesson, errors.New("550 5.1.1 user unknown")))
	require.NoError(t, s.MarkBounced(ctx, id))
	got, err := s.DueEnrollments(ctx, now.Add(time.Hour), 10)
	require.NoError(t, err)
	require.Empty(t, got, "a bounce stops the course")

	now = now.Add(time.Hour)
	restored, err := s.RestoreBounced(ctx, id)
	require.NoError(t, err)
	require.True(t, restored)
	sub, err := s.Subscriber(ctx, id)
	require.NoError(t, err)
	require.Equal(t, models.StatusActive, sub.Status)
	d, err := s.Delivery(ctx, lesson)
	require.NoError(t, err)
	require.Equal(t, models.DeliveryQueued, d.State, "the refused lesson may be sent again")
	require.NoError(t, s.ClaimDelivery(ctx, lesson, time.Minute))
	got, err = s.DueEnrollments(ctx, now, 10)
	require.NoError(t, err)
	require.Len(t, got, 1, "the course continues at once")
	require.Equal(t, "welcome", got[0].NextStep)

	restored, err = s.RestoreBounced(ctx, id)
	require.NoError(t, err)
	require.False(t, restored, "only a bounced subscriber is restored")
}

func TestRestoreBouncedBeforeConfirmingStaysPending(t *testing.T) {
	t.Parallel()
	s := testenv.Store(t)
	ctx := context.Background()
	res, err := s.Subscribe(ctx, signup("never@example.com"))
	require.NoError(t, err)
	confirm := models.DeliveryKey{SubscriberID: res.SubscriberID, Kind: models.KindConfirm, Step: "1"}
	require.NoError(t, s.ClaimDelivery(ctx, confirm, time.Minute))
	require.NoError(t, s.MarkFailed(ctx, confirm, errors.New("550 no such user")))
	require.NoError(t, s.MarkBounced(ctx, res.SubscriberID))

	restored, err := s.RestoreBounced(ctx, res.SubscriberID)
	require.NoError(t, err)
	require.True(t, restored)
	sub, err := s.Subscriber(ctx, res.SubscriberID)
	require.NoError(t, err)
	require.Equal(t, models.StatusPending, sub.Status, "nobody is made active who never confirmed")
	require.NoError(t, s.ClaimDelivery(ctx, confirm, time.Minute), "the confirmation may be sent again")
}

func TestMarkPausedIsNotAnAttempt(t *testing.T) {
	t.Parallel()
	s := testenv.Store(t)
	ctx := context.Background()
	res, err := s.Subscribe(ctx, signup("paused@example.com"))
	require.NoError(t, err)
	key := models.DeliveryKey{SubscriberID: res.SubscriberID, Kind: models.KindConfirm, Step: "1"}
	for range 3 {
		require.NoError(t, s.ClaimDelivery(ctx, key, time.Minute))
		require.NoError(t, s.MarkPaused(ctx, key, errors.New("sending paused")))
	}
	d, err := s.Delivery(ctx, key)
	require.NoError(t, err)
	require.Equal(t, models.DeliveryRetry, d.State)
	require.Zero(t, d.Attempts, "nothing was tried")
	require.Equal(t, "sending paused", d.LastError)

	require.NoError(t, s.ClaimDelivery(ctx, key, time.Minute))
	require.NoError(t, s.MarkSent(ctx, key))
	require.NoError(t, s.MarkPaused(ctx, key, errors.New("late")), "a delivery no longer in flight is left alone")
	d, err = s.Delivery(ctx, key)
	require.NoError(t, err)
	require.Equal(t, models.DeliverySent, d.State)
	require.Equal(t, 1, d.Attempts)
}

// An opt-out outlasts a bounce, whichever comes first: a bounced address
// can unsubscribe, a bounce does not overwrite an unsubscribe, and undoing
// the bounce does not mail someone who opted out.
func TestUnsubscribeOutlastsABounce(t *testing.T) {
	t.Parallel()
	clockedStores(t, func(t *testing.T, s *storage.Store, now *time.Time) {
		ctx := context.Background()
		status := func(id int64) string {
			sub, err := s.Subscriber(ctx, id)
			require.NoError(t, err)
			return sub.Status
		}

		// notRestored checks that Restore does nothing for id, which stays want.
		notRestored := func(id int64, want, why string) {
			restored, err := s.RestoreBounced(ctx, id)
			require.NoError(t, err)
			require.False(t, restored, why)
			require.Equal(t, want, status(id), why)
		}

		// Bounced by mistake, then the person unsubscribes from an older lesson.
		first := confirmed(t, s, "first@example.com")
		require.NoError(t, s.MarkBounced(ctx, first))
		*now = now.Add(time.Minute)
		changed, err := s.Unsubscribe(ctx, first)
		require.NoError(t, err)
		require.True(t, changed, "a bounced address can unsubscribe")
		require.Equal(t, models.StatusUnsubscribed, status(first))
		notRestored(first, models.StatusUnsubscribed, "unsubscribed after the bounce")

		// Unsubscribed, then a late bounce of a lesson sent before.
		second := confirmed(t, s, "second@example.com")
		_, err = s.Unsubscribe(ctx, second)
		require.NoError(t, err)
		require.NoError(t, s.MarkBounced(ctx, second))
		require.Equal(t, models.StatusUnsubscribed, status(second), "a bounce does not overwrite an opt-out")
		notRestored(second, models.StatusUnsubscribed, "bounced after the opt-out")

		// A row an older build left bounced after an opt-out stays bounced.
		third := confirmed(t, s, "third@example.com")
		_, err = s.Unsubscribe(ctx, third)
		require.NoError(t, err)
		require.NoError(t, s.DB().Exec("UPDATE subscribers SET status = ? WHERE id = ?", models.StatusBounced, third).Error)
		notRestored(third, models.StatusBounced, "the opt-out came after the latest signup")
	})
}

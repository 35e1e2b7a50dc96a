package storage_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/storage"
)

// enrolled makes an active subscriber whose next lesson is slug.
func enrolled(t *testing.T, s *storage.Store, email, slug string) int64 {
	t.Helper()
	id := confirmed(t, s, email)
	now := time.Now().UTC()
	require.NoError(t, s.SaveEnrollment(context.Background(), models.Enrollment{SubscriberID: id, Status: models.EnrollmentActive,
		NextStep: slug, NextSendAt: &now, LastDay: 0, Anchor: now.Add(-time.Hour)}))
	return id
}

func TestLessonStateIsOneReadOfWhatASendDecidesOn(t *testing.T) {
	t.Parallel()
	bothStores(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		id := enrolled(t, s, "state@example.com", "two")
		for _, step := range []string{"zero", "one"} {
			key := models.DeliveryKey{SubscriberID: id, Kind: models.KindLesson, Step: step}
			require.NoError(t, s.ClaimDelivery(ctx, key, time.Minute))
			require.NoError(t, s.MarkSent(ctx, key))
		}
		st, err := s.LessonState(ctx, id)
		require.NoError(t, err)
		require.Equal(t, "state@example.com", st.Subscriber.Email)
		require.Equal(t, models.StatusActive, st.Subscriber.Status)
		require.NotNil(t, st.Enrollment)
		require.Equal(t, "two", st.Enrollment.NextStep)
		require.Equal(t, models.EnrollmentActive, st.Enrollment.Status)
		require.NotNil(t, st.Enrollment.NextSendAt)
		require.False(t, st.Enrollment.Anchor.IsZero())
		require.Equal(t, map[string]bool{"zero": true, "one": true}, st.Sent, "sent lessons only, not the queued one")
		require.False(t, st.Booked)

		_, _, err = s.CreateBooking(ctx, booking(id, time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)))
		require.NoError(t, err)
		st, err = s.LessonState(ctx, id)
		require.NoError(t, err)
		require.True(t, st.Booked)

		res, err := s.Subscribe(ctx, signup("pending@example.com"))
		require.NoError(t, err)
		st, err = s.LessonState(ctx, res.SubscriberID)
		require.NoError(t, err)
		require.Nil(t, st.Enrollment, "not enrolled")
		require.Empty(t, st.Sent)

		_, err = s.LessonState(ctx, 987654)
		require.ErrorIs(t, err, models.ErrNotFound)
	})
}

// The claim is where the late checks live: one statement that takes the
// delivery only if the lesson is still due.
func TestClaimLessonChecksTheLessonIsStillDue(t *testing.T) {
	t.Parallel()
	bothStores(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()

		id := enrolled(t, s, "race@example.com", "one")
		key := models.DeliveryKey{SubscriberID: id, Kind: models.KindLesson, Step: "one"}
		var wg sync.WaitGroup
		wins := make(chan struct{}, 10)
		for range 10 {
			wg.Go(func() {
				if s.ClaimLesson(ctx, key, time.Minute, true) == nil {
					wins <- struct{}{}
				}
			})
		}
		wg.Wait()
		require.Len(t, wins, 1, "exactly one concurrent claim wins")
		require.ErrorIs(t, s.ClaimLesson(ctx, key, time.Minute, true), models.ErrInFlight)
		_, err := s.CompleteStep(ctx, key, models.StepPlan{Next: models.Enrollment{SubscriberID: id, Status: models.EnrollmentFinished}})
		require.NoError(t, err)
		require.ErrorIs(t, s.ClaimLesson(ctx, key, time.Minute, true), models.ErrAlreadySent)

		left := enrolled(t, s, "left@example.com", "one")
		_, err = s.Unsubscribe(ctx, left)
		require.NoError(t, err)
		require.ErrorIs(t, s.ClaimLesson(ctx, models.DeliveryKey{SubscriberID: left, Kind: models.KindLesson, Step: "one"}, time.Minute, false), models.ErrNotDue)

		moved := enrolled(t, s, "moved@example.com", "two")
		require.ErrorIs(t, s.ClaimLesson(ctx, models.DeliveryKey{SubscriberID: moved, Kind: models.KindLesson, Step: "one"}, time.Minute, false),
			models.ErrNotDue, "the enrollment waits for another lesson; none was queued for this one")

		booked := enrolled(t, s, "booked@example.com", "offer")
		_, _, err = s.CreateBooking(ctx, booking(booked, time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC)))
		require.NoError(t, err)
		offer := models.DeliveryKey{SubscriberID: booked, Kind: models.KindLesson, Step: "offer"}
		require.ErrorIs(t, s.ClaimLesson(ctx, offer, time.Minute, true), models.ErrNotDue, "a sales lesson waits for no booked call")
		require.NoError(t, s.ClaimLesson(ctx, offer, time.Minute, false), "any other lesson still goes out")
		d, err := s.Delivery(ctx, offer)
		require.NoError(t, err)
		require.Equal(t, models.DeliverySending, d.State)
		require.Equal(t, 1, d.Attempts)
	})
}

// CompleteStep picks the plan for the booking state inside its transaction.
func TestCompleteStepPlansWithTheBookingOfThatMoment(t *testing.T) {
	t.Parallel()
	bothStores(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		id := enrolled(t, s, "plan@example.com", "one")
		key := models.DeliveryKey{SubscriberID: id, Kind: models.KindLesson, Step: "one"}
		require.NoError(t, s.ClaimLesson(ctx, key, time.Minute, false))
		at := time.Now().UTC().Add(time.Hour)
		plan := models.StepPlan{
			Next:     models.Enrollment{SubscriberID: id, Status: models.EnrollmentActive, NextStep: "offer", NextSendAt: &at, LastDay: 1},
			IfBooked: &models.Enrollment{SubscriberID: id, Status: models.EnrollmentActive, NextStep: "after", NextSendAt: &at, LastDay: 1},
		}
		_, _, err := s.CreateBooking(ctx, booking(id, time.Date(2026, 12, 3, 15, 0, 0, 0, time.UTC)))
		require.NoError(t, err)
		next, err := s.CompleteStep(ctx, key, plan)
		require.NoError(t, err)
		require.Equal(t, "after", next.NextStep)
		enr, err := s.Enrollment(ctx, id)
		require.NoError(t, err)
		require.Equal(t, "after", enr.NextStep)
		d, err := s.Delivery(ctx, models.DeliveryKey{SubscriberID: id, Kind: models.KindLesson, Step: "after"})
		require.NoError(t, err)
		require.Equal(t, models.DeliveryQueued, d.State, "the next lesson is queued in the same transaction")
		d, err = s.Delivery(ctx, key)
		require.NoError(t, err)
		require.Equal(t, models.DeliverySent, d.State)
		require.NotNil(t, d.SentAt)

		// One plan only: the record, the move and the queuing still go together.
		after := models.DeliveryKey{SubscriberID: id, Kind: models.KindLesson, Step: "after"}
		require.NoError(t, s.ClaimLesson(ctx, after, time.Minute, false))
		later := at.Add(24 * time.Hour)
		next, err = s.CompleteStep(ctx, after, models.StepPlan{Next: models.Enrollment{SubscriberID: id,
			Status: models.EnrollmentActive, NextStep: "last", NextSendAt: &later, LastDay: 2, Anchor: at}})
		require.NoError(t, err)
		require.Equal(t, "last", next.NextStep)
		enr, err = s.Enrollment(ctx, id)
		require.NoError(t, err)
		require.Equal(t, "last", enr.NextStep)
		require.Equal(t, 2, enr.LastDay)
		require.WithinDuration(t, later, *enr.NextSendAt, time.Millisecond)
		d, err = s.Delivery(ctx, after)
		require.NoError(t, err)
		require.Equal(t, models.DeliverySent, d.State)
		d, err = s.Delivery(ctx, models.DeliveryKey{SubscriberID: id, Kind: models.KindLesson, Step: "last"})
		require.NoError(t, err)
		require.Equal(t, models.DeliveryQueued, d.State)

		// The end of the course queues nothing.
		last := models.DeliveryKey{SubscriberID: id, Kind: models.KindLesson, Step: "last"}
		require.NoError(t, s.ClaimLesson(ctx, last, time.Minute, false))
		_, err = s.CompleteStep(ctx, last, models.StepPlan{Next: models.Enrollment{SubscriberID: id, Status: models.EnrollmentFinished, LastDay: 3, Anchor: at}})
		require.NoError(t, err)
		enr, err = s.Enrollment(ctx, id)
		require.NoError(t, err)
		require.Equal(t, models.EnrollmentFinished, enr.Status)
		require.Nil(t, enr.NextSendAt)
	})
}

// A lesson in flight when its subscriber was erased or bounced is recorded
// as sent, and the stopped enrollment stays stopped.
func TestCompleteStepLeavesAStoppedEnrollmentStopped(t *testing.T) {
	t.Parallel()
	bothStores(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		id := enrolled(t, s, "stopped@example.com", "one")
		key := models.DeliveryKey{SubscriberID: id, Kind: models.KindLesson, Step: "one"}
		require.NoError(t, s.ClaimLesson(ctx, key, time.Minute, false))
		require.NoError(t, s.Erase(ctx, id))
		at := time.Now().UTC().Add(time.Hour)
		_, err := s.CompleteStep(ctx, key, models.StepPlan{Next: models.Enrollment{SubscriberID: id,
			Status: models.EnrollmentActive, NextStep: "two", NextSendAt: &at, LastDay: 1}})
		require.NoError(t, err)
		enr, err := s.Enrollment(ctx, id)
		require.NoError(t, err)
		require.Equal(t, models.EnrollmentStopped, enr.Status)
		d, err := s.Delivery(ctx, key)
		require.NoError(t, err)
		require.Equal(t, models.DeliverySent, d.State, "what went out is on record")
	})
}

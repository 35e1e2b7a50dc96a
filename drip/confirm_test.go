package drip_test

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

// signedUp is a pending subscriber of store with address email.
func signedUp(t *testing.T, store *storage.Store, email string) int64 {
	t.Helper()
	res, err := store.Subscribe(context.Background(), models.Signup{Email: email, Name: "Sam", TextVersion: "v1"})
	require.NoError(t, err)
	return res.SubscriberID
}

// A confirmation cut off after the subscriber became active (the process
// died, or the visitor's connection dropped, before the enrollment was
// written) is finished by the next click: nobody stays active without a
// course. A click after that changes nothing.
func TestConfirmingAgainFinishesAConfirmationCutOff(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testenv.SQLite(t)
	res := models.SignupResult{SubscriberID: signedUp(t, store, "cut@example.com")}
	changed, err := store.Confirm(ctx, res.SubscriberID) // the first click, cut off after its commit
	require.NoError(t, err)
	require.True(t, changed)
	_, err = store.Enrollment(ctx, res.SubscriberID)
	require.ErrorIs(t, err, models.ErrNotFound)

	e := newEngine(t, store, &countingMailer{}, 0)
	require.NoError(t, e.Confirm(ctx, res.SubscriberID), "the second click")
	enr, err := store.Enrollment(ctx, res.SubscriberID)
	require.NoError(t, err)
	require.Equal(t, models.EnrollmentActive, enr.Status)
	require.Equal(t, "welcome", enr.NextStep, "the course starts at its first lesson")

	require.NoError(t, e.Confirm(ctx, res.SubscriberID), "a third click")
	again, err := store.Enrollment(ctx, res.SubscriberID)
	require.NoError(t, err)
	require.Equal(t, enr, again, "changes nothing")
}

// A confirmation link followed after the address unsubscribed says so, and
// changes nothing: only a new signup starts again.
func TestConfirmingAfterUnsubscribingIsRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testenv.SQLite(t)
	res := models.SignupResult{SubscriberID: signedUp(t, store, "gone@example.com")}
	_, err := store.Unsubscribe(ctx, res.SubscriberID)
	require.NoError(t, err)

	e := newEngine(t, store, &countingMailer{}, 0)
	require.ErrorIs(t, e.Confirm(ctx, res.SubscriberID), models.ErrNoLongerSubscribed)
	sub, err := store.Subscriber(ctx, res.SubscriberID)
	require.NoError(t, err)
	require.Equal(t, models.StatusUnsubscribed, sub.Status)
	_, err = store.Enrollment(ctx, res.SubscriberID)
	require.ErrorIs(t, err, models.ErrNotFound)
}

// A lesson refused for good whose subscriber is still active (it could not
// be built, or its bounce was not recorded) does not hold the course up:
// the next send moves on to the following lesson, sending nothing again.
func TestALessonThatFailedForGoodDoesNotHoldTheCourseUp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testenv.SQLite(t)
	res := models.SignupResult{SubscriberID: signedUp(t, store, "stuck@example.com")}
	_, err := store.Confirm(ctx, res.SubscriberID)
	require.NoError(t, err)
	now := time.Now().UTC()
	require.NoError(t, store.SaveEnrollment(ctx, models.Enrollment{SubscriberID: res.SubscriberID,
		Status: models.EnrollmentActive, NextStep: "welcome", NextSendAt: &now, LastDay: -1, Anchor: now}))
	key := models.DeliveryKey{SubscriberID: res.SubscriberID, Kind: models.KindLesson, Step: "welcome"}
	require.NoError(t, store.ClaimDelivery(ctx, key, time.Minute))
	require.NoError(t, store.MarkFailed(ctx, key, errors.New("the lesson cannot be built")))

	mailer := &countingMailer{}
	e := newEngine(t, store, mailer, 0)
	require.NoError(t, e.SendLesson(ctx, res.SubscriberID, "welcome"))
	require.Empty(t, mailer.sent, "the failed lesson is not sent again")
	enr, err := store.Enrollment(ctx, res.SubscriberID)
	require.NoError(t, err)
	require.Equal(t, models.EnrollmentActive, enr.Status)
	require.NotEqual(t, "welcome", enr.NextStep, "the course moved on")
	require.NotEmpty(t, enr.NextStep)
	require.NoError(t, e.Replan(ctx, res.SubscriberID), "a booking made or cancelled plans the course again")
	again, err := store.Enrollment(ctx, res.SubscriberID)
	require.NoError(t, err)
	require.Equal(t, enr.NextStep, again.NextStep, "and it stays past the failed lesson")
	d, err := store.Delivery(ctx, key)
	require.NoError(t, err)
	require.Equal(t, models.DeliveryFailed, d.State, "the failure stays on record")
}

// A returning subscriber's confirmation cut off before it enrolled them
// again is finished by the next click too: their old enrollment, stopped
// when their address bounced, does not count as enrolled.
func TestConfirmingAgainFinishesAReturningSubscriber(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testenv.SQLite(t)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	store.SetClock(func() time.Time { return now })
	e := newEngine(t, store, &countingMailer{}, 0)
	res := models.SignupResult{SubscriberID: signedUp(t, store, "back@example.com")}
	require.NoError(t, e.Confirm(ctx, res.SubscriberID))
	now = now.Add(time.Hour)
	require.NoError(t, store.MarkBounced(ctx, res.SubscriberID), "which stops the course")

	now = now.Add(24 * time.Hour)
	require.Equal(t, res.SubscriberID, signedUp(t, store, "back@example.com"), "the same subscriber, back")
	now = now.Add(time.Minute)
	changed, err := store.Confirm(ctx, res.SubscriberID) // cut off after its commit
	require.NoError(t, err)
	require.True(t, changed)
	stopped, err := store.Enrollment(ctx, res.SubscriberID)
	require.NoError(t, err)
	require.Equal(t, models.EnrollmentStopped, stopped.Status)

	now = now.Add(time.Minute)
	require.NoError(t, e.Confirm(ctx, res.SubscriberID), "the second click")
	enr, err := store.Enrollment(ctx, res.SubscriberID)
	require.NoError(t, err)
	require.Equal(t, models.EnrollmentActive, enr.Status, "back on the course")
}

package storage_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/storage"
	"github.com/dripbook/dripbook/testenv"
)

func signup(email string) models.Signup {
	return models.Signup{Email: email, Name: "Ada", Timezone: "Europe/Berlin", IP: "192.0.2.7", UserAgent: "test", TextVersion: "v1"}
}

// confirmed signs email up and confirms it: an active subscriber.
func confirmed(t *testing.T, s *storage.Store, email string) int64 {
	t.Helper()
	ctx := context.Background()
	res, err := s.Subscribe(ctx, signup(email))
	require.NoError(t, err)
	_, err = s.Confirm(ctx, res.SubscriberID)
	require.NoError(t, err)
	return res.SubscriberID
}

// bothStores runs f on SQLite, and on PostgreSQL too when CI has one: the
// send path's and the signup's queries differ between the two.
func bothStores(t *testing.T, f func(t *testing.T, s *storage.Store)) {
	t.Run("sqlite", func(t *testing.T) { t.Parallel(); f(t, testenv.SQLite(t)) })
	if testenv.Postgres() {
		t.Run("postgres", func(t *testing.T) { t.Parallel(); f(t, testenv.Store(t)) })
	}
}

// clockedStores is bothStores with each store's clock set to now, which f
// moves on as it likes; now starts on a Monday morning.
func clockedStores(t *testing.T, f func(t *testing.T, s *storage.Store, now *time.Time)) {
	bothStores(t, func(t *testing.T, s *storage.Store) {
		now := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
		s.SetClock(func() time.Time { return now })
		f(t, s, &now)
	})
}

func TestSubscribeConcurrentlyMakesOneRowAndOneRound(t *testing.T) {
	t.Parallel()
	bothStores(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		var wg sync.WaitGroup
		results := make([]models.SignupResult, 20)
		errs := make([]error, 20)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i], errs[i] = s.Subscribe(ctx, signup("same@example.com"))
			}()
		}
		wg.Wait()
		rounds := 0
		for i := range results {
			require.NoError(t, errs[i])
			require.Equal(t, results[0].SubscriberID, results[i].SubscriberID)
			if results[i].Round > 0 {
				rounds++
			}
		}
		require.Equal(t, 1, rounds, "exactly one signup may request a confirmation")
		cs, err := s.Consents(ctx, results[0].SubscriberID)
		require.NoError(t, err)
		require.Len(t, cs, 1)
		require.Equal(t, "192.0.2.7", cs[0].IP)
		require.Equal(t, "v1", cs[0].TextVersion)
	})
}

func TestSubscribeLifecycle(t *testing.T) {
	t.Parallel()
	clockedStores(t, func(t *testing.T, s *storage.Store, now *time.Time) {
		ctx := context.Background()

		first, err := s.Subscribe(ctx, signup("a@example.com"))
		require.NoError(t, err)
		require.Equal(t, 1, first.Round)

		again, err := s.Subscribe(ctx, signup("a@example.com"))
		require.NoError(t, err)
		require.Zero(t, again.Round, "a pending address is not mailed again at once")

		*now = now.Add(models.ConfirmResendAfter + time.Second)
		later, err := s.Subscribe(ctx, signup("a@example.com"))
		require.NoError(t, err)
		require.Equal(t, 2, later.Round, "a pending address may ask again later")

		changed, err := s.Confirm(ctx, first.SubscriberID)
		require.NoError(t, err)
		require.True(t, changed)
		changed, err = s.Confirm(ctx, first.SubscriberID)
		require.NoError(t, err)
		require.False(t, changed, "confirming twice changes nothing")
		cs, err := s.Consents(ctx, first.SubscriberID)
		require.NoError(t, err)
		require.NotNil(t, cs[len(cs)-1].ConfirmedAt)

		active, err := s.Subscribe(ctx, signup("a@example.com"))
		require.NoError(t, err)
		require.Zero(t, active.Round, "an active address gets no new confirmation")

		ok, err := s.Unsubscribe(ctx, first.SubscriberID)
		require.NoError(t, err)
		require.True(t, ok)
		sub, err := s.Subscriber(ctx, first.SubscriberID)
		require.NoError(t, err)
		require.Equal(t, models.StatusUnsubscribed, sub.Status)

		back, err := s.Subscribe(ctx, signup("a@example.com"))
		require.NoError(t, err)
		require.Equal(t, 3, back.Round, "coming back needs a fresh confirmation")
		sub, err = s.Subscriber(ctx, first.SubscriberID)
		require.NoError(t, err)
		require.Equal(t, models.StatusPending, sub.Status)
	})
}

func TestClaimDelivery(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	now := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	res, err := s.Subscribe(ctx, signup("c@example.com"))
	require.NoError(t, err)
	key := models.DeliveryKey{SubscriberID: res.SubscriberID, Kind: models.KindLesson, Step: "welcome"}

	var wg sync.WaitGroup
	wins := make(chan struct{}, 10)
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if s.ClaimDelivery(ctx, key, time.Minute) == nil {
				wins <- struct{}{}
			}
		}()
	}
	wg.Wait()
	require.Len(t, wins, 1, "exactly one concurrent claim wins")
	require.ErrorIs(t, s.ClaimDelivery(ctx, key, time.Minute), models.ErrInFlight)

	require.NoError(t, s.MarkRetry(ctx, key, errors.New("451 try later")))
	require.NoError(t, s.ClaimDelivery(ctx, key, time.Minute), "a retry can be claimed again")

	now = now.Add(2 * time.Minute)
	require.NoError(t, s.ClaimDelivery(ctx, key, time.Minute), "a claim older than the lease is taken over")

	require.NoError(t, s.MarkSent(ctx, key))
	require.ErrorIs(t, s.ClaimDelivery(ctx, key, time.Minute), models.ErrAlreadySent)
	d, err := s.Delivery(ctx, key)
	require.NoError(t, err)
	require.Equal(t, models.DeliverySent, d.State)
	require.Equal(t, 3, d.Attempts)
	require.Equal(t, "451 try later", d.LastError)
}

// A claim renewed while its send runs long is not taken over when its first
// lease would have passed; one no longer being sent cannot be renewed.
func TestRenewedClaimIsNotTakenOver(t *testing.T) {
	t.Parallel()
	s := testenv.Store(t)
	ctx := context.Background()
	now := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	res, err := s.Subscribe(ctx, signup("renew@example.com"))
	require.NoError(t, err)
	key := models.DeliveryKey{SubscriberID: res.SubscriberID, Kind: models.KindConfirm, Step: "1"}
	require.NoError(t, s.ClaimDelivery(ctx, key, time.Minute))

	now = now.Add(50 * time.Second)
	held, err := s.RenewClaim(ctx, key)
	require.NoError(t, err)
	require.True(t, held)
	now = now.Add(50 * time.Second)
	require.ErrorIs(t, s.ClaimDelivery(ctx, key, time.Minute), models.ErrInFlight, "renewed 50s ago")
	now = now.Add(11 * time.Second)
	require.NoError(t, s.ClaimDelivery(ctx, key, time.Minute), "not renewed for longer than the lease")

	require.NoError(t, s.MarkSent(ctx, key))
	held, err = s.RenewClaim(ctx, key)
	require.NoError(t, err)
	require.False(t, held, "a sent delivery has no claim to renew")
}

func TestDueEnrollmentsAndUnsentConfirmations(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	now := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })

	pending, err := s.Subscribe(ctx, signup("p@example.com"))
	require.NoError(t, err)
	active, err := s.Subscribe(ctx, signup("q@example.com"))
	require.NoError(t, err)
	_, err = s.Confirm(ctx, active.SubscriberID)
	require.NoError(t, err)

	unsent, err := s.UnsentConfirmations(ctx, now.Add(-time.Hour), 10)
	require.NoError(t, err)
	require.Equal(t, []models.PendingConfirmation{{SubscriberID: pending.SubscriberID, Round: 1}}, unsent)
	key := models.DeliveryKey{SubscriberID: pending.SubscriberID, Kind: models.KindConfirm, Step: "1"}
	require.NoError(t, s.ClaimDelivery(ctx, key, time.Minute))
	require.NoError(t, s.MarkSent(ctx, key))
	unsent, err = s.UnsentConfirmations(ctx, now.Add(-time.Hour), 10)
	require.NoError(t, err)
	require.Empty(t, unsent)

	due := now.Add(time.Minute)
	require.NoError(t, s.SaveEnrollment(ctx, models.Enrollment{
		SubscriberID: active.SubscriberID, Status: models.EnrollmentActive,
		NextStep: "welcome", NextSendAt: &due, LastDay: -1, Anchor: now,
	}))
	got, err := s.DueEnrollments(ctx, now, 10)
	require.NoError(t, err)
	require.Empty(t, got, "not due yet")
	got, err = s.DueEnrollments(ctx, due, 10)
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, "welcome", got[0].NextStep)
	d, err := s.Delivery(ctx, models.DeliveryKey{SubscriberID: active.SubscriberID, Kind: models.KindLesson, Step: "welcome"})
	require.NoError(t, err)
	require.Equal(t, models.DeliveryQueued, d.State, "scheduling a lesson logs it as queued")

	_, err = s.Unsubscribe(ctx, active.SubscriberID)
	require.NoError(t, err)
	got, err = s.DueEnrollments(ctx, due, 10)
	require.NoError(t, err)
	require.Empty(t, got, "unsubscribed people are never due")
}

// On SQLite a signup waits its turn for the one writer; one whose request
// ends meanwhile gives up its place and stores nothing.
func TestASignupWaitingForTheWriterGivesUpWithItsRequest(t *testing.T) {
	t.Parallel()
	s := testenv.SQLite(t)
	release, err := s.HoldSignups(t.Context())
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := s.Subscribe(ctx, signup("gave-up@example.com"))
		done <- err
	}()
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
	release()
	_, err = s.SubscriberByEmail(t.Context(), "gave-up@example.com")
	require.ErrorIs(t, err, models.ErrNotFound, "nothing stored")
	res, err := s.Subscribe(t.Context(), signup("next@example.com"))
	require.NoError(t, err)
	require.NotZero(t, res.SubscriberID, "the queue is free again")
}

// A confirmation cut off between its two writes leaves an active
// subscriber with no enrollment of that confirmation, and the reconciler
// finds them: new ones, and returning ones with only the old, stopped one.
func TestUnenrolledSubscribers(t *testing.T) {
	t.Parallel()
	clockedStores(t, func(t *testing.T, s *storage.Store, now *time.Time) {
		ctx := context.Background()
		enroll := func(id int64) {
			require.NoError(t, s.SaveEnrollment(ctx, models.Enrollment{SubscriberID: id, Status: models.EnrollmentActive,
				NextStep: "welcome", NextSendAt: now, LastDay: -1, Anchor: *now}))
		}
		enrolled := confirmed(t, s, "enrolled@example.com")
		enroll(enrolled)
		cutOff := confirmed(t, s, "cut-off@example.com")
		returning := confirmed(t, s, "back@example.com")
		enroll(returning)
		_, err := s.Unsubscribe(ctx, returning)
		require.NoError(t, err)
		*now = now.Add(time.Hour)
		_, err = s.Subscribe(ctx, signup("back@example.com")) // a new round, a new confirmation
		require.NoError(t, err)
		_, err = s.Confirm(ctx, returning)
		require.NoError(t, err)
		unsubscribed := confirmed(t, s, "left@example.com")
		_, err = s.Unsubscribe(ctx, unsubscribed)
		require.NoError(t, err)

		*now = now.Add(time.Hour)
		got, err := s.UnenrolledSubscribers(ctx, now.Add(-24*time.Hour), *now, 10)
		require.NoError(t, err)
		require.Equal(t, []int64{cutOff, returning}, got, "oldest confirmation first")
		got, err = s.UnenrolledSubscribers(ctx, now.Add(-24*time.Hour), now.Add(-90*time.Minute), 10)
		require.NoError(t, err)
		require.Equal(t, []int64{cutOff}, got, "only confirmations of the window")
		enroll(cutOff)
		enroll(returning)
		got, err = s.UnenrolledSubscribers(ctx, now.Add(-24*time.Hour), *now, 10)
		require.NoError(t, err)
		require.Empty(t, got)
	})
}

// A sweep of due enrollments pages through them in (next_send_at,
// subscriber) order, a wave of one instant included, each row once.
func TestDueEnrollmentsPageThroughAWave(t *testing.T) {
	t.Parallel()
	clockedStores(t, func(t *testing.T, s *storage.Store, now *time.Time) {
		ctx := context.Background()
		wave, early := *now, now.Add(-time.Hour)
		var want []int64
		for i, at := range []time.Time{early, wave, wave, wave, wave} {
			id := confirmed(t, s, fmt.Sprintf("wave%d@example.com", i))
			require.NoError(t, s.SaveEnrollment(ctx, models.Enrollment{SubscriberID: id, Status: models.EnrollmentActive,
				NextStep: "welcome", NextSendAt: &at, LastDay: -1, Anchor: *now}))
			want = append(want, id)
		}
		var got []int64
		var after *models.DueCursor
		for range 10 {
			page, err := s.DueEnrollmentsAfter(ctx, *now, after, 2)
			require.NoError(t, err)
			for _, e := range page {
				got = append(got, e.SubscriberID)
			}
			if len(page) < 2 {
				break
			}
			last := page[len(page)-1]
			after = &models.DueCursor{At: *last.NextSendAt, SubscriberID: last.SubscriberID}
		}
		require.Equal(t, want, got, "every due row once, oldest first, the wave by subscriber")
	})
}

package storage_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/storage"
)

func TestConfirmationsPerMailboxAreCapped(t *testing.T) {
	t.Parallel()
	clockedStores(t, func(t *testing.T, s *storage.Store, now *time.Time) {
		ctx := context.Background()

		rounds := 0
		for i := range 10 {
			res, err := s.Subscribe(ctx, signup(fmt.Sprintf("victim+%d@example.com", i)))
			require.NoError(t, err)
			if res.Round > 0 {
				rounds++
			} else {
				require.Zero(t, res.SubscriberID, "an address over the cap is not stored")
			}
		}
		require.Equal(t, storage.ConfirmLimit, rounds)
		_, err := s.SubscriberByEmail(ctx, "victim+3@example.com")
		require.ErrorIs(t, err, models.ErrNotFound)

		// The pending address itself waits out the day too, resend or not.
		*now = now.Add(models.ConfirmResendAfter + time.Minute)
		res, err := s.Subscribe(ctx, signup("victim+0@example.com"))
		require.NoError(t, err)
		require.Zero(t, res.Round)
		require.NotZero(t, res.SubscriberID)

		// Another inbox is not affected.
		res, err = s.Subscribe(ctx, signup("someone@example.com"))
		require.NoError(t, err)
		require.Equal(t, 1, res.Round)

		// A day later all three of yesterday's rounds have aged out.
		*now = time.Date(2026, 1, 6, 10, 0, 1, 0, time.UTC)
		res, err = s.Subscribe(ctx, signup("victim+0@example.com"))
		require.NoError(t, err)
		require.Equal(t, 2, res.Round)
		res, err = s.Subscribe(ctx, signup("victim+9@example.com"))
		require.NoError(t, err)
		require.Equal(t, 1, res.Round)
		res, err = s.Subscribe(ctx, signup("victim+10@example.com"))
		require.NoError(t, err)
		require.Equal(t, 1, res.Round)
		res, err = s.Subscribe(ctx, signup("victim+11@example.com"))
		require.NoError(t, err)
		require.Zero(t, res.Round)
		var kept int64
		require.NoError(t, s.DB().Table("confirm_requests").Where("mailbox = ?", "victim@example.com").Count(&kept).Error)
		require.EqualValues(t, storage.ConfirmLimit, kept, "the rounds that aged out are forgotten")
	})
}

func TestConfirmationCapHoldsUnderConcurrency(t *testing.T) {
	t.Parallel()
	bothStores(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		var wg sync.WaitGroup
		results := make([]models.SignupResult, 30)
		errs := make([]error, len(results))
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i], errs[i] = s.Subscribe(ctx, signup(fmt.Sprintf("Victim+%d@Example.com", i)))
			}()
		}
		wg.Wait()
		rounds := 0
		for i := range results {
			require.NoError(t, errs[i])
			if results[i].Round > 0 {
				rounds++
			}
		}
		require.Equal(t, storage.ConfirmLimit, rounds, "concurrent signups of one mailbox start at most the cap")
	})
}

// The console's Resend counts against the mailbox's quota as a signup
// does: past it, the coach is told so and no round starts.
func TestResendCountsAgainstTheMailboxQuota(t *testing.T) {
	t.Parallel()
	clockedStores(t, func(t *testing.T, s *storage.Store, now *time.Time) {
		ctx := context.Background()
		res, err := s.Subscribe(ctx, signup("resent@example.com"))
		require.NoError(t, err)
		for want := 2; want <= storage.ConfirmLimit; want++ {
			round, err := s.NewConfirmRound(ctx, res.SubscriberID)
			require.NoError(t, err)
			require.Equal(t, want, round)
		}
		_, err = s.NewConfirmRound(ctx, res.SubscriberID)
		require.ErrorIs(t, err, storage.ErrConfirmQuota)
		sub, err := s.Subscriber(ctx, res.SubscriberID)
		require.NoError(t, err)
		require.Equal(t, storage.ConfirmLimit, sub.ConfirmRound, "no round started")

		*now = now.Add(storage.ConfirmWindow + time.Minute)
		round, err := s.NewConfirmRound(ctx, res.SubscriberID)
		require.NoError(t, err, "a day later")
		require.Equal(t, storage.ConfirmLimit+1, round)

		_, err = s.Unsubscribe(ctx, res.SubscriberID)
		require.NoError(t, err)
		round, err = s.NewConfirmRound(ctx, res.SubscriberID)
		require.NoError(t, err)
		require.Zero(t, round, "only a pending subscriber gets a round")
	})
}

package storage_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/storage"
)

// The console's calls page reads every caller's progress at once: lessons
// sent (not those queued or failed, nor other mail), the lessons whose link
// they clicked in the order first clicked, and their scorecard; in three
// queries, however many callers.
func TestCallersProgress(t *testing.T) {
	t.Parallel()
	clockedStores(t, func(t *testing.T, s *storage.Store, now *time.Time) {
		ctx := context.Background()
		var ids []int64
		for _, email := range []string{"ann@example.com", "bob@example.com", "cy@example.com"} {
			res, err := s.Subscribe(ctx, signup(email))
			require.NoError(t, err)
			ids = append(ids, res.SubscriberID)
		}
		ann, bob, cy := ids[0], ids[1], ids[2]

		send := func(id int64, kind models.Kind, step string, fail bool) {
			key := models.DeliveryKey{SubscriberID: id, Kind: kind, Step: step}
			require.NoError(t, s.ClaimDelivery(ctx, key, time.Minute))
			if fail {
				require.NoError(t, s.MarkFailed(ctx, key, errors.New("550 no such user")))
				return
			}
			require.NoError(t, s.MarkSent(ctx, key))
		}
		send(ann, models.KindLesson, "welcome", false)
		send(ann, models.KindLesson, "gaps", false)
		send(ann, models.KindLesson, "close", true)
		send(ann, models.KindConfirm, "1", false)
		require.NoError(t, s.ClaimDelivery(ctx, models.DeliveryKey{SubscriberID: ann, Kind: models.KindLesson, Step: "position"}, time.Minute))
		send(cy, models.KindLesson, "welcome", false)
		for _, lesson := range []string{"gaps", "welcome"} {
			require.NoError(t, s.RecordClick(ctx, ann, lesson))
		}
		*now = now.Add(time.Hour)
		require.NoError(t, s.RecordClick(ctx, ann, "gaps"), "a second click on a lesson already clicked")
		require.NoError(t, s.SaveScorecard(ctx, cy, answers("direction", "leverage")))

		var queries atomic.Int64
		require.NoError(t, s.DB().Callback().Query().After("gorm:query").Register("count_queries", func(*gorm.DB) { queries.Add(1) }))
		require.NoError(t, s.DB().Callback().Row().After("gorm:row").Register("count_rows", func(*gorm.DB) { queries.Add(1) }))
		got, err := s.CallersProgress(ctx, []int64{ann, bob, cy})
		require.NoError(t, err)
		require.Equal(t, int64(3), queries.Load(), "three queries for three callers")

		require.Equal(t, 2, got[ann].Sent)
		require.Equal(t, []string{"gaps", "welcome"}, got[ann].Clicked)
		require.False(t, got[ann].Scorecard.Filled())
		require.Equal(t, storage.Progress{}, got[bob], "nothing yet")
		require.Equal(t, 1, got[cy].Sent)
		require.Empty(t, got[cy].Clicked)
		require.Equal(t, []string{"direction", "leverage"}, got[cy].Scorecard.Top)

		queries.Store(0)
		many := make([]int64, 0, 300)
		for i := range 300 {
			many = append(many, ids[i%3]+int64(i/3)*1000)
		}
		_, err = s.CallersProgress(ctx, many)
		require.NoError(t, err)
		require.Equal(t, int64(3), queries.Load(), "three queries for 300 callers")

		none, err := s.CallersProgress(ctx, nil)
		require.NoError(t, err)
		require.Empty(t, none)
	})
}

package storage_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/scorecard"
	"github.com/dripbook/dripbook/testenv"
)

func answers(top ...string) scorecard.Answers {
	a := scorecard.Answers{Scores: map[string]int{}, Top: top}
	for _, ar := range scorecard.Areas() {
		a.Scores[ar.Key] = 3
	}
	return a
}

func TestScorecardOneRowPerSubscriber(t *testing.T) {
	t.Parallel()
	s := testenv.Store(t)
	ctx := context.Background()
	res, err := s.Subscribe(ctx, models.Signup{Email: "ann@example.com", TextVersion: "test"})
	require.NoError(t, err)
	id := res.SubscriberID

	none, err := s.ScorecardAnswers(ctx, id)
	require.NoError(t, err)
	require.False(t, none.Filled())

	// Submitted from two tabs at once: one row, the last answer kept.
	var wg sync.WaitGroup
	for _, top := range [][]string{{"direction", "leverage"}, {"influence", "visibility"}, {"ambiguity", "presence"}} {
		wg.Go(func() { require.NoError(t, s.SaveScorecard(ctx, id, answers(top...))) })
	}
	wg.Wait()
	require.NoError(t, s.SaveScorecard(ctx, id, answers("influence", "visibility")))
	got, err := s.ScorecardAnswers(ctx, id)
	require.NoError(t, err)
	require.Equal(t, "Influence and Visibility", got.TopGaps())
	var n int64
	require.NoError(t, s.DB().Model(&models.Scorecard{}).Where("subscriber_id = ?", id).Count(&n).Error)
	require.EqualValues(t, 1, n)

	require.ErrorIs(t, s.SaveScorecard(ctx, id, answers("influence")), scorecard.ErrIncomplete)

	// A call that has started closes it; a cancelled one does not count.
	now := time.Now()
	b, _, err := s.CreateBooking(ctx, models.Booking{SubscriberID: id, Start: now.Add(-time.Minute), End: now.Add(29 * time.Minute), UID: "sc@test"})
	require.NoError(t, err)
	require.ErrorIs(t, s.SaveScorecard(ctx, id, answers("direction", "leverage")), scorecard.ErrClosed)
	_, err = s.CancelBooking(ctx, b.ID)
	require.NoError(t, err)
	require.NoError(t, s.SaveScorecard(ctx, id, answers("direction", "leverage")))

	// Erasure deletes it.
	require.NoError(t, s.Erase(ctx, id))
	_, err = s.Scorecard(ctx, id)
	require.ErrorIs(t, err, models.ErrNotFound)
}

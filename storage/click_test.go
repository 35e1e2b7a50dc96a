package storage_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/testenv"
)

func TestClickRecordedOncePerLessonAndMinute(t *testing.T) {
	t.Parallel()
	s := testenv.Store(t)
	ctx := context.Background()
	var mu sync.Mutex
	now := time.Date(2026, 1, 5, 10, 0, 5, 0, time.UTC)
	s.SetClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	res, err := s.Subscribe(ctx, signup("clicker@example.com"))
	require.NoError(t, err)
	id := res.SubscriberID

	var wg sync.WaitGroup
	errs := make([]error, 200)
	for i := range errs {
		wg.Go(func() { errs[i] = s.RecordClick(ctx, id, "book-a-call") })
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err, "a repeated click is no error")
	}
	require.NoError(t, s.RecordClick(ctx, id, "welcome"), "another lesson's link is another click")

	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	require.NoError(t, s.RecordClick(ctx, id, "book-a-call"))

	clicks, err := s.Clicks(ctx, id)
	require.NoError(t, err)
	var lessons []string
	for _, c := range clicks {
		lessons = append(lessons, c.Lesson)
	}
	require.Equal(t, []string{"book-a-call", "welcome", "book-a-call"}, lessons)
}

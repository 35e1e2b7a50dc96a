package worker

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/testenv"
)

// fakePauser is a sender whose pause the test sets.
type fakePauser struct {
	mu    sync.Mutex
	until time.Time
}

func (f *fakePauser) set(until time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.until = until
}

func (f *fakePauser) Paused() (bool, time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.until.After(time.Now()), f.until
}

// A pause in a worker process shows in a console that runs elsewhere.
func TestPauseBoardSharesAWorkersPause(t *testing.T) {
	t.Parallel()
	rdb := testenv.Redis(t)
	key := "pause:" + testenv.Random(8)
	t.Cleanup(func() { rdb.Del(context.Background(), key) })
	sender := &fakePauser{}
	worker := NewPauseBoard(rdb, key, sender, nil)
	console := NewPauseBoard(rdb, key, nil, nil) // an api process sends nothing

	paused, _ := console.Paused()
	require.False(t, paused)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go worker.Run(ctx, 20*time.Millisecond)
	until := time.Now().Add(time.Minute).Truncate(time.Millisecond)
	sender.set(until)
	testenv.Wait(t, 5*time.Second, "the console to see the pause", func() error {
		if paused, at := console.Paused(); !paused || !at.Equal(until) {
			return fmt.Errorf("paused %v until %v", paused, at)
		}
		return nil
	})

	// The post ends with the pause: an expiring key, not a flag to clear.
	ttl, err := rdb.PTTL(context.Background(), key).Result()
	require.NoError(t, err)
	require.Positive(t, ttl)
	require.LessOrEqual(t, ttl, time.Minute)
}

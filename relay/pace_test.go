package relay

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/testenv"
)

// Two workers on one Redis share one pace: forty turns taken by the two
// of them together come one interval apart, as forty of one worker's
// would, where a pace each would let them through twice as fast.
func TestSharedPaceHoldsForEveryWorkerTogether(t *testing.T) {
	t.Parallel()
	rdb := testenv.Redis(t)
	key := "pace:" + testenv.Random(8)
	t.Cleanup(func() { rdb.Del(context.Background(), key) })
	const perSecond = 50
	interval := time.Second / perSecond
	a := NewSharedPacer(rdb, key, perSecond, nil)
	b := NewSharedPacer(rdb, key, perSecond, nil)

	start := time.Now()
	for i := range 40 {
		p := a
		if i%2 == 1 {
			p = b
		}
		d, err := p.reserve(t.Context())
		require.NoError(t, err)
		require.GreaterOrEqual(t, d+time.Since(start), time.Duration(i)*interval-time.Millisecond,
			"turn %d comes %d intervals after the first", i, i)
	}

	other := NewSharedPacer(rdb, key+":other", perSecond, nil)
	d, err := other.reserve(t.Context())
	require.NoError(t, err)
	require.Zero(t, d, "another key's sends wait for nobody")
	require.NoError(t, other.Wait(t.Context()), "a turn that has come is taken at once")
}

// While Redis cannot be asked, sends are paced by this process alone
// rather than stopped.
func TestSharedPaceFallsBackWhileRedisFails(t *testing.T) {
	t.Parallel()
	dead := redis.NewClient(&redis.Options{Addr: testenv.FreeAddr(t), MaxRetries: -1, DialTimeout: time.Second})
	t.Cleanup(func() { _ = dead.Close() })
	p := NewSharedPacer(dead, "pace", 10, slog.New(slog.DiscardHandler))
	require.NoError(t, p.Wait(t.Context()))
	require.NoError(t, p.Wait(t.Context()))
	p.alone.mu.Lock()
	defer p.alone.mu.Unlock()
	require.Positive(t, time.Until(p.alone.next), "this process counted its own turns, 100ms apart")
}

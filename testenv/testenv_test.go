package testenv

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"
)

func TestIsolatedDatabasesAreTheTestsOwn(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b := Isolated(t), Isolated(t)
	require.NoError(t, a.Set(ctx, "k", "a", 0).Err())
	require.NoError(t, b.Set(ctx, "k", "b", 0).Err())
	got, err := a.Get(ctx, "k").Result()
	require.NoError(t, err)
	require.Equal(t, "a", got, "two isolated clients never share a database")
	require.NoError(t, a.FlushDB(ctx).Err())
	got, err = b.Get(ctx, "k").Result()
	require.NoError(t, err)
	require.Equal(t, "b", got, "a flush of one leaves the other alone")

	require.NotEqual(t, IsolatedURL(t), IsolatedURL(t))
}

func TestQueueKeysAreGoneAfterTheTest(t *testing.T) {
	t.Parallel()
	rdb := Redis(t)
	ctx := context.Background()
	var name string
	t.Run("uses a queue", func(t *testing.T) {
		name = Queue(t, rdb)
		require.True(t, strings.HasPrefix(name, "t"))
		client := asynq.NewClientFromRedisClient(rdb)
		_, err := client.Enqueue(asynq.NewTask("x", nil), asynq.Queue(name), asynq.ProcessIn(time.Hour))
		require.NoError(t, err)
		require.NoError(t, rdb.Set(ctx, name+":lock", "1", 0).Err())
		require.NotEqual(t, Queue(t, rdb), name, "every call names a new queue")
	})
	queues, err := asynq.NewInspectorFromRedisClient(rdb).Queues()
	require.NoError(t, err)
	require.NotContains(t, queues, name)
	for _, pattern := range []string{"asynq:{" + name + "}:*", name + ":*"} {
		keys, err := rdb.Keys(ctx, pattern).Result()
		require.NoError(t, err)
		require.Empty(t, keys, pattern)
	}
}

func TestWaitFailsWithTheLastState(t *testing.T) {
	t.Parallel()
	calls := 0
	Wait(t, time.Second, "the third call", func() error {
		if calls++; calls < 3 {
			return fmt.Errorf("call %d", calls)
		}
		return nil
	})
	require.Equal(t, 3, calls)

	err := poll(50*time.Millisecond, "the impossible", func() error { return fmt.Errorf("still %d", 42) })
	require.EqualError(t, err, "waited 50ms for the impossible: still 42")
}

func TestBuffer(t *testing.T) {
	t.Parallel()
	var b Buffer
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 100 {
			fmt.Fprint(&b, "x")
		}
	}()
	_ = b.String() // read while written: the race detector must accept it
	<-done
	require.Equal(t, strings.Repeat("x", 100), b.String())
}

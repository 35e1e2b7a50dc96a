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
	urlA, urlB := IsolatedURL(t), IsolatedURL(t)
	require.NotEqual(t, urlA, urlB)
	a, b := Client(t, urlA), Client(t, urlB)
	require.NoError(t, a.Set(ctx, "k", "a", 0).Err())
	require.NoError(t, b.Set(ctx, "k", "b", 0).Err())
	got, err := a.Get(ctx, "k").Result()
	require.NoError(t, err)
	require.Equal(t, "a", got, "two isolated clients never share a database")
	require.NoError(t, a.FlushDB(ctx).Err())
	got, err = b.Get(ctx, "k").Result()
	require.NoError(t, err)
	require.Equal(t, "b", got, "a flush of one leaves the other alone")

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

func TestQueueChecks(t *testing.T) {
	t.Parallel()
	rdb := Isolated(t)
	ctx := context.Background()
	name := Queue(t, rdb)
	client := asynq.NewClientFromRedisClient(rdb)
	_, err := client.Enqueue(asynq.NewTask("x", nil), asynq.Queue(name), asynq.TaskID("a"), asynq.ProcessIn(time.Hour))
	require.NoError(t, err)

	require.NoError(t, TasksQueued(rdb, name, "a"))
	require.ErrorContains(t, TasksQueued(rdb, name, "a", "b"), "b (")
	require.ErrorContains(t, TasksRun(rdb, name, "a"), "task a is still scheduled")
	require.ErrorContains(t, QueueIdle(rdb, name), "1 scheduled")

	require.NoError(t, asynq.NewInspectorFromRedisClient(rdb).DeleteTask(name, "a"))
	require.NoError(t, TasksRun(rdb, name, "a"), "a task that is gone has run")
	require.NoError(t, QueueIdle(rdb, name))
	require.Error(t, TasksQueued(rdb, name, "a"))

	// After a flush the client still takes the queue for registered, and
	// Asynq cannot look into it: that is no proof that a task has run.
	require.NoError(t, rdb.FlushDB(ctx).Err())
	_, err = client.Enqueue(asynq.NewTask("x", nil), asynq.Queue(name), asynq.TaskID("c"), asynq.ProcessIn(time.Hour))
	require.NoError(t, err)
	require.ErrorIs(t, TasksRun(rdb, name, "c"), asynq.ErrQueueNotFound)
	require.Error(t, QueueIdle(rdb, name))
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
			_, _ = fmt.Fprint(&b, "x")
		}
	}()
	_ = b.String() // read while written: the race detector must accept it
	<-done
	require.Equal(t, strings.Repeat("x", 100), b.String())
}

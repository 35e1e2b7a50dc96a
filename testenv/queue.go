package testenv

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// Queue returns an Asynq queue name of the test's own, which is also the
// prefix for the test's other Redis keys (name + ":..."). When the test
// ends, after the cleanups registered later (the worker's shutdown) have
// run, the queue and every such key are deleted from rdb.
func Queue(tb testing.TB, rdb redis.UniversalClient) string {
	tb.Helper()
	name := "t" + Random(10)
	tb.Cleanup(func() {
		ctx := context.Background()
		ins := asynq.NewInspectorFromRedisClient(rdb)
		if err := ins.DeleteQueue(name, true); err != nil && !errors.Is(err, asynq.ErrQueueNotFound) {
			tb.Logf("testenv: delete queue %s: %v", name, err)
		}
		for _, pattern := range []string{"asynq:{" + name + "}:*", name + ":*"} {
			iter := rdb.Scan(ctx, 0, pattern, 100).Iterator()
			for iter.Next(ctx) {
				rdb.Del(ctx, iter.Val())
			}
		}
	})
	return name
}

// QueueIdle reports, for Wait, whether the Asynq queue holds no task that is
// pending, running, scheduled or waiting for a retry. The counts are read at
// once, so a task moving from one state to the next is never missed. A task
// that has run is gone: Asynq keeps none unless told to.
func QueueIdle(rdb redis.UniversalClient, queue string) error {
	q, err := asynq.NewInspectorFromRedisClient(rdb).GetQueueInfo(queue)
	if err != nil {
		return err
	}
	if q.Pending+q.Active+q.Scheduled+q.Retry > 0 {
		return fmt.Errorf("queue %s still holds %d pending, %d running, %d scheduled, %d retrying tasks", queue, q.Pending, q.Active, q.Scheduled, q.Retry)
	}
	return nil
}

// TasksRun reports, for Wait, whether none of the tasks named by ids is
// pending, running, scheduled or waiting for a retry any more. A task not
// found counts as run, so the tasks must have been queued before.
func TasksRun(rdb redis.UniversalClient, queue string, ids ...string) error {
	inspect := asynq.NewInspectorFromRedisClient(rdb)
	for _, id := range ids {
		// A queue Asynq does not know (after a flush, until a new client
		// enqueues on it) may still hold the task: only "no such task" means
		// it has run.
		info, err := inspect.GetTaskInfo(queue, id)
		if errors.Is(err, asynq.ErrTaskNotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("task %s: %w", id, err)
		}
		switch info.State {
		case asynq.TaskStatePending, asynq.TaskStateActive, asynq.TaskStateScheduled, asynq.TaskStateRetry:
			return fmt.Errorf("task %s is still %s (next run %s)", id, info.State, info.NextProcessAt.Format(time.StampMilli))
		}
	}
	return nil
}

// TasksQueued reports, for Wait, whether every task named by ids is waiting
// to run: pending, or scheduled for later.
func TasksQueued(rdb redis.UniversalClient, queue string, ids ...string) error {
	inspect := asynq.NewInspectorFromRedisClient(rdb)
	var missing []string
	for _, id := range ids {
		info, err := inspect.GetTaskInfo(queue, id)
		switch {
		case err != nil:
			missing = append(missing, fmt.Sprintf("%s (%v)", id, err))
		case info.State != asynq.TaskStatePending && info.State != asynq.TaskStateScheduled:
			missing = append(missing, fmt.Sprintf("%s (%s)", id, info.State))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("not waiting to run: %s", strings.Join(missing, ", "))
	}
	return nil
}

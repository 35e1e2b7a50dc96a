package worker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
)

// A worker that dies mid-task leaves the task active in Redis. Asynq puts it
// back only when its lease lapsed 30s or more before the recoverer's round,
// which comes once a minute: one to two minutes after the crash. The
// reconciler does not wait that long: a task whose lease has lapsed (Asynq
// calls it orphaned: nobody has extended it for 30s) is queued again as a
// copy under an ID of its own.

// rescueSuffix marks the ID of an orphan's copy; a copy orphaned in turn
// gets another.
const rescueSuffix = ":rescue"

// rescueRetention keeps a copy's ID taken after it ran for longer than Asynq
// takes to recover the orphan itself, so that each orphan is copied once.
const rescueRetention = 3 * time.Minute

// rescueOrphans queues a copy of every orphaned task in the queue and
// returns how many it queued. Running a task twice sends nothing twice: the
// delivery log decides, and the claim the dead worker held is taken over
// once its lease passes.
func (q *Queue) rescueOrphans(ctx context.Context) (int, error) {
	t := tally{}
	for page := 1; ; page++ {
		active, err := q.inspect.ListActiveTasks(q.name, asynq.PageSize(batch), asynq.Page(page))
		if errors.Is(err, asynq.ErrQueueNotFound) {
			return 0, nil // nothing was ever queued
		}
		if err != nil {
			t.add(0, fmt.Errorf("list active tasks: %w", err))
			return t.n, errors.Join(t.errs...)
		}
		for _, info := range active {
			if info.IsOrphaned {
				t.add(count(q.rescue(ctx, info)))
			}
		}
		if len(active) < batch {
			return t.n, errors.Join(t.errs...)
		}
	}
}

// rescue queues a copy of an orphaned task to run now, with the orphan's
// retries and timeout. It reports false when the copy is already queued.
func (q *Queue) rescue(ctx context.Context, orphan *asynq.TaskInfo) (bool, error) {
	opts := []asynq.Option{asynq.TaskID(orphan.ID + rescueSuffix), asynq.Queue(orphan.Queue),
		asynq.MaxRetry(orphan.MaxRetry), asynq.Retention(rescueRetention)}
	if orphan.Timeout > 0 {
		opts = append(opts, asynq.Timeout(orphan.Timeout))
	}
	if !orphan.Deadline.IsZero() {
		opts = append(opts, asynq.Deadline(orphan.Deadline))
	}
	_, err := q.client.EnqueueContext(ctx, asynq.NewTask(orphan.Type, orphan.Payload), opts...)
	if errors.Is(err, asynq.ErrTaskIDConflict) || errors.Is(err, asynq.ErrDuplicateTask) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("queue a copy of orphaned task %s: %w", orphan.ID, err)
	}
	return true, nil
}

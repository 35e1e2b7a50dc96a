package worker

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/hibiken/asynq"
)

// ArchivedTasks counts the tasks that ran out of retries and wait in the
// archive for someone to look at them.
func (q *Queue) ArchivedTasks(_ context.Context) (int, error) {
	queues, err := q.inspect.Queues()
	if err != nil {
		return 0, fmt.Errorf("inspect queues: %w", err)
	}
	if !slices.Contains(queues, q.name) {
		return 0, nil // nothing was ever queued
	}
	info, err := q.inspect.GetQueueInfo(q.name)
	if err != nil {
		return 0, fmt.Errorf("inspect queue: %w", err)
	}
	return info.Archived, nil
}

// CancelSubscriber deletes the queued confirmation and lesson emails of one
// subscriber: confirmation rounds 1 to rounds and the lessons named. Their
// IDs derive from the delivery key, so no listing of the queue is needed. A
// task already running cannot be deleted; the engine sends nothing to an
// erased or unsubscribed subscriber anyway.
func (q *Queue) CancelSubscriber(_ context.Context, subscriberID int64, rounds int, lessons []string) error {
	ids := make([]string, 0, rounds+len(lessons))
	for r := 1; r <= rounds; r++ {
		ids = append(ids, confirmTaskID(subscriberID, r))
	}
	for _, slug := range lessons {
		ids = append(ids, lessonTaskID(subscriberID, slug))
	}
	var errs []error
	for _, id := range ids {
		err := q.inspect.DeleteTask(q.name, id)
		if err != nil && !errors.Is(err, asynq.ErrTaskNotFound) && !errors.Is(err, asynq.ErrQueueNotFound) {
			errs = append(errs, fmt.Errorf("delete task %s: %w", id, err))
		}
	}
	return errors.Join(errs...)
}

// confirmTaskID and lessonTaskID name a task after its delivery key.
func confirmTaskID(subscriberID int64, round int) string {
	return fmt.Sprintf("confirm:%d:%d", subscriberID, round)
}

func lessonTaskID(subscriberID int64, slug string) string {
	return fmt.Sprintf("lesson:%d:%s", subscriberID, slug)
}

func noticeTaskID(bookingID int64, sequence int) string {
	return fmt.Sprintf("booking:%d:%d", bookingID, sequence)
}

func reminderTaskID(bookingID int64, sequence int, lead time.Duration) string {
	return fmt.Sprintf("remind:%d:%d:%d", bookingID, sequence, int64(lead.Seconds()))
}

func noShowTaskID(bookingID int64, sequence int, slug string) string {
	return fmt.Sprintf("noshow:%d:%d:%s", bookingID, sequence, slug)
}

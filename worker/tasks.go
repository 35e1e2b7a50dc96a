// Package worker runs the drip engine on Asynq: the task types and their
// payloads, the queue that schedules them, the handlers that decode them for
// the engine, the server, and the reconciler that re-queues whatever the
// database says is due.
package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// Task types.
const (
	TypeConfirmSend = "confirm:send"
	TypeLessonSend  = "lesson:send"
)

// ConfirmPayload asks for one confirmation email.
type ConfirmPayload struct {
	SubscriberID int64 `json:"subscriber_id"`
	Round        int   `json:"round"`
}

// LessonPayload asks for one lesson email.
type LessonPayload struct {
	SubscriberID int64  `json:"subscriber_id"`
	Slug         string `json:"slug"`
}

// Queue puts tasks on Asynq. Task IDs derive from the delivery key, so
// enqueuing the same email twice is a no-op.
type Queue struct {
	client  *asynq.Client
	inspect *asynq.Inspector
	name    string
}

// NewQueue returns a Queue that enqueues on the named Asynq queue of rdb.
func NewQueue(rdb redis.UniversalClient, name string) *Queue {
	return &Queue{client: asynq.NewClientFromRedisClient(rdb), inspect: asynq.NewInspectorFromRedisClient(rdb), name: name}
}

// Confirmation enqueues a confirmation email for immediate delivery.
func (q *Queue) Confirmation(ctx context.Context, subscriberID int64, round int) error {
	_, err := q.confirmation(ctx, subscriberID, round)
	return err
}

func (q *Queue) confirmation(ctx context.Context, subscriberID int64, round int) (bool, error) {
	p := ConfirmPayload{SubscriberID: subscriberID, Round: round}
	return q.enqueue(ctx, TypeConfirmSend, p, confirmTaskID(subscriberID, round), time.Time{})
}

// Lesson enqueues a lesson email to be processed at the given time.
func (q *Queue) Lesson(ctx context.Context, subscriberID int64, slug string, at time.Time) error {
	_, err := q.lesson(ctx, subscriberID, slug, at)
	return err
}

func (q *Queue) lesson(ctx context.Context, subscriberID int64, slug string, at time.Time) (bool, error) {
	p := LessonPayload{SubscriberID: subscriberID, Slug: slug}
	return q.enqueue(ctx, TypeLessonSend, p, lessonTaskID(subscriberID, slug), at)
}

// enqueue reports whether the task was added; false with no error means a
// task with that ID is already queued.
// extra options come after the defaults, and win over them.
func (q *Queue) enqueue(ctx context.Context, typ string, payload any, id string, at time.Time, extra ...asynq.Option) (bool, error) {
	b, err := json.Marshal(payload)
	if err != nil {
		return false, fmt.Errorf("encode %s: %w", typ, err)
	}
	opts := []asynq.Option{asynq.TaskID(id), asynq.Queue(q.name), asynq.MaxRetry(25), asynq.Timeout(2 * time.Minute)}
	if !at.IsZero() {
		opts = append(opts, asynq.ProcessAt(at))
	}
	opts = append(opts, extra...)
	task := asynq.NewTask(typ, b)
	_, err = q.client.EnqueueContext(ctx, task, opts...)
	if errors.Is(err, asynq.ErrTaskIDConflict) || errors.Is(err, asynq.ErrDuplicateTask) {
		if !q.stale(id, at) {
			return false, nil
		}
		// The task with this ID can no longer do the job: replace it.
		if err := q.inspect.DeleteTask(q.name, id); err != nil && !errors.Is(err, asynq.ErrTaskNotFound) {
			return false, nil // it started running meanwhile: it is doing the job
		}
		_, err = q.client.EnqueueContext(ctx, task, opts...)
		if errors.Is(err, asynq.ErrTaskIDConflict) || errors.Is(err, asynq.ErrDuplicateTask) {
			return false, nil // someone else replaced it first
		}
	}
	if err != nil {
		return false, fmt.Errorf("enqueue %s: %w", id, err)
	}
	return true, nil
}

// stale reports whether the task holding id will never run in time: it was
// archived after its last retry (Asynq keeps archived IDs for months), or it
// waits for a later time than the database now wants.
func (q *Queue) stale(id string, at time.Time) bool {
	info, err := q.inspect.GetTaskInfo(q.name, id)
	if err != nil {
		return false
	}
	switch info.State {
	case asynq.TaskStateArchived, asynq.TaskStateCompleted:
		return true
	case asynq.TaskStateScheduled:
		return info.NextProcessAt.After(at.Add(time.Second))
	default:
		return false
	}
}

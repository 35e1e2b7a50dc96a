package worker

import (
	"context"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/testenv"
)

func TestConsoleSeesArchivedTasksAndCancelsASubscribers(t *testing.T) {
	t.Parallel()
	rdb := testenv.Redis(t)
	name := testenv.Queue(t, rdb)
	q := NewQueue(rdb, name)
	ctx := context.Background()
	n, err := q.ArchivedTasks(ctx)
	require.NoError(t, err)
	require.Zero(t, n, "a queue never used has nothing archived")

	later := time.Now().Add(time.Hour)
	require.NoError(t, q.Confirmation(ctx, 7, 1))
	require.NoError(t, q.Lesson(ctx, 7, "gaps", later))
	require.NoError(t, q.Lesson(ctx, 8, "gaps", later))
	require.NoError(t, q.inspect.ArchiveTask(name, lessonTaskID(8, "gaps")))
	n, err = q.ArchivedTasks(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)

	require.NoError(t, q.CancelSubscriber(ctx, 7, 2, []string{"gaps", "close"}), "tasks that are not there are no error")
	for _, id := range []string{confirmTaskID(7, 1), lessonTaskID(7, "gaps")} {
		_, err := q.inspect.GetTaskInfo(name, id)
		require.ErrorIs(t, err, asynq.ErrTaskNotFound, id)
	}
	_, err = q.inspect.GetTaskInfo(name, lessonTaskID(8, "gaps"))
	require.NoError(t, err, "another subscriber's task stays")
}

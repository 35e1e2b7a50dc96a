package worker

import (
	"context"

	"github.com/hibiken/asynq"
)

// Attempt is which try of its task ctx belongs to: 1 for the first, 0 when
// ctx is not a task's. The send log reports it.
func Attempt(ctx context.Context) int {
	n, ok := asynq.GetRetryCount(ctx)
	if !ok {
		return 0
	}
	return n + 1
}

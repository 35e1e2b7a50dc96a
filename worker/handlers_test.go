package worker

import (
	"context"
	"errors"
	"testing"

	"github.com/dripbook/dripbook/drip"
	"github.com/hibiken/asynq"
)

func TestMalformedPayloadsAreNotRetried(t *testing.T) {
	t.Parallel()
	mux := Mux(&drip.Engine{})
	for _, tt := range []struct{ typ, payload string }{
		{TypeConfirmSend, `{"subscriber_id":0,"round":1}`},
		{TypeLessonSend, `not json`},
		{TypeLessonSend, `{"subscriber_id":3}`},
		{TypeBookingNotify, `{}`},
		{TypeBookingRemind, `{"booking_id":1,"sequence":0,"lead":0}`},
	} {
		err := mux.ProcessTask(context.Background(), asynq.NewTask(tt.typ, []byte(tt.payload)))
		if !errors.Is(err, asynq.SkipRetry) {
			t.Errorf("%s %s: err = %v, want SkipRetry", tt.typ, tt.payload, err)
		}
	}
}

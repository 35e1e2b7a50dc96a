package main

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/testenv"
	"github.com/dripbook/dripbook/worker"
)

// On a real 24-hour course day, confirmations still leave within a second:
// the worker looks for new tasks at its own pace, not the scheduled ones'.
// Each signup is made once the worker has gone idle after the previous
// confirmation, so each waits for the worker's next look. With the old
// 5-second polling each of those waits was at least 2.5 seconds, so the
// signups after the first could not all arrive within the budget; at
// worker.MaxPickup the budget leaves several seconds to spare.
func TestConfirmationLeavesWithinASecondOnARealCourseDay(t *testing.T) {
	t.Parallel()
	base, smtp := startDripbook(t, env{"COURSE_DAY": "24h", "SIGNUP_LIMIT_PER_IP": "0"})
	const signups = 4
	budget := time.Duration(signups)*worker.MaxPickup + 4*time.Second
	start := time.Now()
	for i := range signups {
		addr := fmt.Sprintf("prompt%d@example.com", i)
		resp, err := http.PostForm(base+"/subscribe", url.Values{"email": {addr}, "timezone": {"UTC"}})
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		require.Equal(t, http.StatusOK, resp.StatusCode)
		testenv.WaitMail(t, smtp, addr, 1, max(budget-time.Since(start), time.Millisecond))
	}
}

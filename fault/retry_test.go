package fault_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/fault"
)

func TestRetryAfterTravelsWithTheError(t *testing.T) {
	t.Parallel()
	limited := fault.New(fault.TooMany, "rate_limited", "too many requests")
	err := fmt.Errorf("signup: %w", fault.RetryAfter(limited, 90*time.Second))

	after, ok := fault.RetryAfterOf(err)
	require.True(t, ok)
	require.Equal(t, 90*time.Second, after)
	require.Equal(t, fault.TooMany, fault.KindOf(err), "the kind is found through the wait")
	require.ErrorIs(t, err, limited)
	require.Equal(t, "too_many", fault.TooMany.String())

	_, ok = fault.RetryAfterOf(limited)
	require.False(t, ok, "no wait given")
	require.NoError(t, fault.RetryAfter(nil, time.Second))
	_, ok = fault.RetryAfterOf(errors.New("plain"))
	require.False(t, ok)
}

package localredis

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

func TestKeysExpireInRealTime(t *testing.T) {
	s, err := Start()
	require.NoError(t, err)
	defer s.Close()
	opts, err := redis.ParseURL(s.URL())
	require.NoError(t, err)
	rdb := redis.NewClient(opts)
	defer func() { _ = rdb.Close() }()
	ctx := context.Background()

	ok, err := rdb.SetNX(ctx, "lock", "1", 200*time.Millisecond).Result()
	require.NoError(t, err)
	require.True(t, ok)
	ok, err = rdb.SetNX(ctx, "lock", "1", 200*time.Millisecond).Result()
	require.NoError(t, err)
	require.False(t, ok, "the lock is held")
	require.Eventually(t, func() bool {
		ok, err := rdb.SetNX(ctx, "lock", "1", time.Second).Result()
		return err == nil && ok
	}, 3*time.Second, 20*time.Millisecond, "the lock lapses without anyone touching the clock")
}

package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestNoShowAfter(t *testing.T) {
	t.Parallel()
	c, err := Load(getenv(nil))
	require.NoError(t, err)
	require.Equal(t, 24*time.Hour, c.NoShowAfter, "a day after the call's end")
	for v, want := range map[string]time.Duration{"0": 0, "2h": 2 * time.Hour, "90s": 90 * time.Second} {
		c, err := Load(getenv(map[string]string{"NO_SHOW_AFTER": v}))
		require.NoError(t, err, v)
		require.Equal(t, want, c.NoShowAfter, v)
	}
	for _, v := range []string{"-1h", "tomorrow", "5"} {
		_, err := Load(getenv(map[string]string{"NO_SHOW_AFTER": v}))
		require.Error(t, err, v)
		require.Contains(t, err.Error(), "NO_SHOW_AFTER:", v)
	}
}

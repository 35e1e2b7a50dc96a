package config

import (
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLoggingAndMetricsSettings(t *testing.T) {
	t.Parallel()
	c, err := Load(getenv(nil))
	require.NoError(t, err)
	require.Equal(t, slog.LevelInfo, c.LogLevel)
	require.Equal(t, "text", c.LogFormat)
	require.Empty(t, c.MetricsToken)

	c, err = Load(getenv(map[string]string{"LOG_LEVEL": "Debug", "LOG_FORMAT": "json", "METRICS_TOKEN": "s3cret"}))
	require.NoError(t, err)
	require.Equal(t, slog.LevelDebug, c.LogLevel)
	require.Equal(t, "json", c.LogFormat)
	require.Equal(t, "s3cret", c.MetricsToken)

	for _, level := range []string{"warn", "error"} {
		_, err = Load(getenv(map[string]string{"LOG_LEVEL": level}))
		require.NoError(t, err, level)
	}
}

func TestBadLogSettingsAreNamed(t *testing.T) {
	t.Parallel()
	_, err := Load(getenv(map[string]string{"LOG_LEVEL": "verbose", "LOG_FORMAT": "xml"}))
	require.ErrorContains(t, err, `LOG_LEVEL: must be debug, info, warn or error, got "verbose"`)
	require.ErrorContains(t, err, `LOG_FORMAT: must be one of text, json, got "xml"`)
}

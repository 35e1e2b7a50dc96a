package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/config"
)

func TestLogLevelAndJSONFormat(t *testing.T) {
	var buf bytes.Buffer
	prev := slog.Default()
	t.Cleanup(func() { slog.SetDefault(prev) })
	l := newLogger(&config.Config{LogLevel: slog.LevelWarn, LogFormat: "json"}, &buf)
	l.Info("not at warn level")
	l.Warn("shown", "subscriber_id", 7)
	redisLogger{}.Printf(context.Background(), "redis: connection pool: failed to dial after %d attempts", 5)

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 2, buf.String())
	for _, line := range lines {
		var v map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &v), "every line is JSON: %s", line)
	}
	require.Contains(t, lines[0], `"msg":"shown"`)
	require.Contains(t, lines[1], `"component":"redis"`)
	require.Contains(t, lines[1], "failed to dial after 5 attempts")
}

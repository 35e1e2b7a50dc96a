package worker_test

import (
	"io"
	"log/slog"
	"os"
)

// discardLogger keeps test output quiet; TEST_LOG=1 shows the worker's logs.
func discardLogger() *slog.Logger {
	w := io.Discard
	if os.Getenv("TEST_LOG") != "" {
		w = os.Stderr
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

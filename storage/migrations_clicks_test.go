package storage

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Clicks recorded before the once-a-minute index, several in one minute,
// must survive the migration that adds it.
func TestClicksMigrationKeepsEarlierClicks(t *testing.T) {
	t.Parallel()
	s, err := Open("sqlite://" + filepath.Join(t.TempDir(), "old.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	ctx := context.Background()
	require.NoError(t, s.migrator(ctx).MigrateTo("0004_booking_changes"))
	at := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	for range 3 {
		require.NoError(t, s.db.Exec("INSERT INTO clicks (subscriber_id, lesson, created_at) VALUES (?, ?, ?)", 1, "welcome", at).Error)
	}

	require.NoError(t, s.Migrate(ctx))
	clicks, err := s.Clicks(ctx, 1)
	require.NoError(t, err)
	require.Len(t, clicks, 3)
	s.SetClock(func() time.Time { return at })
	require.NoError(t, s.RecordClick(ctx, 1, "welcome"))
	require.NoError(t, s.RecordClick(ctx, 1, "welcome"))
	clicks, err = s.Clicks(ctx, 1)
	require.NoError(t, err)
	require.Len(t, clicks, 4, "new clicks are kept to one a minute")
}

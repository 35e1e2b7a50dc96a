package storage_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/dripbook/dripbook/storage"
	"github.com/dripbook/dripbook/testenv"
)

// The reconciler's sweep reads what is due through the index, however many
// enrollments wait: on a million of which a thousand are due, PostgreSQL's
// plan walks the next_send_at index and scans neither table whole. The
// plan is asserted, not the time.
func TestDueEnrollmentsReadOnlyWhatIsDueByIndex(t *testing.T) {
	t.Parallel()
	dsn := testenv.PostgresURL(t)
	s, err := storage.Open(dsn)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	ctx := context.Background()
	require.NoError(t, s.Migrate(ctx))

	raw, err := gorm.Open(postgres.Open(dsn), &gorm.Config{Logger: logger.Discard})
	require.NoError(t, err)
	t.Cleanup(func() {
		if db, err := raw.DB(); err == nil {
			_ = db.Close()
		}
	})
	const total, every = 1_000_000, 1000
	for _, q := range []string{
		`INSERT INTO subscribers (id, email, name, timezone, status, confirm_round, confirm_requested_at, created_at, updated_at)
		 SELECT g, 'u' || g || '@example.com', '', 'UTC', 'active', 1, now(), now(), now() FROM generate_series(1, ?) g`,
		`INSERT INTO enrollments (subscriber_id, status, next_step, next_send_at, last_day, anchor, created_at, updated_at)
		 SELECT g, 'active', 'two',
		   CASE WHEN g % ? = 0 THEN now() - interval '1 hour' ELSE now() + interval '1 day' END, 0, now(), now(), now()
		 FROM generate_series(1, ?) g`,
		`ANALYZE subscribers`, `ANALYZE enrollments`,
	} {
		var args []any
		switch strings.Count(q, "?") {
		case 1:
			args = []any{total}
		case 2:
			args = []any{every, total}
		}
		require.NoError(t, raw.Exec(q, args...).Error)
	}

	now := time.Now().UTC()
	due, err := s.DueEnrollments(ctx, now, 5000)
	require.NoError(t, err)
	require.Len(t, due, total/every)

	plan, err := s.ExplainDueEnrollments(ctx, now, 500)
	require.NoError(t, err)
	require.Contains(t, plan, "Index Scan using idx_enrollments_next_send_at on enrollments", "the sweep walks the due index:\n%s", plan)
	require.NotContains(t, plan, "Seq Scan", "no table is read whole:\n%s", plan)
}

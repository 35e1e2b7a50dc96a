package storage_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/storage"
	"github.com/dripbook/dripbook/testenv"
)

// explainScale is how many subscribers the plan test fills the table with:
// enough that PostgreSQL's planner prefers an index to a scan whenever one
// serves the query.
const explainScale = 300_000

// TestSubscriberSearchUsesIndexes checks the console's list queries against
// PostgreSQL's plans on a large table: each must read an index, never scan
// the whole table.
func TestSubscriberSearchUsesIndexes(t *testing.T) {
	if !testenv.Postgres() {
		t.Skip("the plans are PostgreSQL's: set TEST_DATABASE_URL to run this test")
	}
	if testing.Short() {
		t.Skip("fills a table with many rows")
	}
	t.Parallel()
	s := testenv.Store(t)
	ctx := context.Background()
	db := s.DB().WithContext(ctx)
	require.NoError(t, db.Exec(`INSERT INTO subscribers (email, name, timezone, status, confirm_round, confirm_requested_at, created_at, updated_at)
		SELECT 'user' || g || '@example' || (g % 97) || '.com', 'Name' || g, 'UTC',
			CASE WHEN g % 10 = 0 THEN 'unsubscribed' WHEN g % 3 = 0 THEN 'pending' ELSE 'active' END,
			1, now(), now() - (g || ' seconds')::interval, now()
		FROM generate_series(1, ?) AS g`, explainScale).Error)
	require.NoError(t, db.Exec("ANALYZE subscribers").Error)

	for _, f := range []storage.SubscriberFilter{
		{},
		{After: explainScale / 2},
		{Query: "user12345"},
		{Query: "name9876"},
		{Query: "User4", Status: models.StatusActive},
		{Status: models.StatusPending, After: 1000},
		{Status: models.StatusUnsubscribed},
	} {
		q := s.SearchSQL(f)
		var plan []string
		require.NoError(t, db.Raw("EXPLAIN "+q).Scan(&plan).Error)
		text := strings.Join(plan, "\n")
		require.NotContains(t, text, "Seq Scan", "%+v:\n%s\n%s", f, q, text)
		require.Regexp(t, `Index Scan|Index Only Scan|Bitmap Index Scan`, text, "%+v:\n%s", f, text)
	}
	// The funnel's cohort of one month is read by its date index too.
	var plan []string
	require.NoError(t, db.Raw("EXPLAIN SELECT COUNT(*) FROM subscribers WHERE created_at >= now() - interval '1 hour'").Scan(&plan).Error)
	require.NotContains(t, strings.Join(plan, "\n"), "Seq Scan")
}

package storage

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func openTestSQLite(t *testing.T) *sql.DB {
	t.Helper()
	db, err := openSQLite(filepath.Join(t.TempDir(), "t.db") + "?_pragma=journal_mode(WAL)&_time_format=sqlite&_texttotime=0")
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, db.Close()) })
	db.SetMaxOpenConns(1)
	_, err = db.Exec("CREATE TABLE n (v INTEGER)")
	require.NoError(t, err)
	for i := range 3 {
		_, err = db.Exec("INSERT INTO n (v) VALUES (?)", i)
		require.NoError(t, err)
	}
	return db
}

// A connection keeps each statement it prepared, in a transaction or out
// of one, and prepares a statement of its own for a query whose kept
// statement still has rows open.
func TestSQLiteConnectionsKeepTheirStatements(t *testing.T) {
	t.Parallel()
	db := openTestSQLite(t)
	ctx := context.Background()
	const q = "SELECT v FROM n WHERE v >= ? ORDER BY v"

	conn, err := db.Conn(ctx)
	require.NoError(t, err)
	defer func() { require.NoError(t, conn.Close()) }()
	kept := func() map[string]*preparedStmt {
		var m map[string]*preparedStmt
		require.NoError(t, conn.Raw(func(dc any) error {
			pc, ok := dc.(*preparedConn)
			require.True(t, ok)
			m = pc.stmts
			return nil
		}))
		return m
	}

	outer, err := conn.QueryContext(ctx, q, 0)
	require.NoError(t, err)
	var got []string
	for outer.Next() {
		var v int
		require.NoError(t, outer.Scan(&v))
		var inner []int
		rows, err := conn.QueryContext(ctx, q, v) // the same query, its statement busy
		require.NoError(t, err)
		for rows.Next() {
			var w int
			require.NoError(t, rows.Scan(&w))
			inner = append(inner, w)
		}
		require.NoError(t, rows.Close())
		got = append(got, fmt.Sprint(v, inner))
	}
	require.NoError(t, outer.Err())
	require.NoError(t, outer.Close())
	require.Equal(t, []string{"0 [0 1 2]", "1 [1 2]", "2 [2]"}, got)
	require.False(t, kept()[q].busy, "free again once its rows are closed")

	base, stmt := len(kept()), kept()[q]
	insert := kept()["INSERT INTO n (v) VALUES (?)"]
	require.NotNil(t, insert, "kept since the table was filled")
	tx, err := conn.BeginTx(ctx, nil)
	require.NoError(t, err)
	var n int
	require.NoError(t, tx.QueryRowContext(ctx, "SELECT count(*) FROM ("+q+")", 1).Scan(&n))
	require.Equal(t, 2, n)
	_, err = tx.ExecContext(ctx, "INSERT INTO n (v) VALUES (?)", 3)
	require.NoError(t, err)
	require.NoError(t, tx.Commit())
	rows, err := conn.QueryContext(ctx, q, 3)
	require.NoError(t, err)
	require.True(t, rows.Next())
	require.NoError(t, rows.Close())
	require.Len(t, kept(), base+1, "the transaction's new statement is kept too")
	require.Same(t, insert, kept()["INSERT INTO n (v) VALUES (?)"], "one prepared before is used in a transaction as it is")
	require.Same(t, stmt, kept()[q])
}

// A connection keeps at most maxPrepared statements; the rest are prepared
// and closed with each use.
func TestSQLiteConnectionsKeepBoundedStatements(t *testing.T) {
	t.Parallel()
	db := openTestSQLite(t)
	for i := range maxPrepared + 10 {
		var v int
		require.NoError(t, db.QueryRow(fmt.Sprintf("SELECT %d + count(*) FROM n", i)).Scan(&v))
		require.Equal(t, i+3, v)
	}
	conn, err := db.Conn(context.Background())
	require.NoError(t, err)
	defer func() { require.NoError(t, conn.Close()) }()
	require.NoError(t, conn.Raw(func(dc any) error {
		pc, ok := dc.(*preparedConn)
		require.True(t, ok)
		require.LessOrEqual(t, len(pc.stmts), maxPrepared)
		return nil
	}))
}

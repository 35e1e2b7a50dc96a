package storage

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"sync"

	moderncsqlite "modernc.org/sqlite"
)

// openSQLite opens a pool of SQLite connections that each keep their
// statements prepared. The driver would parse the SQL of every call again
// (about a fifth of a lesson's CPU), and GORM's own statement cache
// prepares each statement again in every transaction; here a connection
// prepares a statement once, in a transaction or out of one.
func openSQLite(dsn string) (*sql.DB, error) {
	if err := registerLower(); err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	c, err := moderncsqlite.NewConnector(dsn)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	return sql.OpenDB(preparedConnector{c}), nil
}

// maxPrepared bounds each connection's statements: a statement with an IN
// list of its own length is a statement of its own.
const maxPrepared = 256

type preparedConnector struct{ driver.Connector }

func (c preparedConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	typed, ok := conn.(sqliteConn)
	if !ok {
		return nil, errors.Join(fmt.Errorf("a SQLite connection is a %T, without the methods database/sql looks for", conn), conn.Close())
	}
	return &preparedConn{conn: typed, stmts: map[string]*preparedStmt{}}, nil
}

// sqliteConn is what modernc's connections do, which database/sql looks for.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// sqliteStmt is what modernc's statements do.
type sqliteStmt interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

// preparedConn is one SQLite connection and the statements it has
// prepared. database/sql uses a connection from one goroutine at a time,
// so it needs no lock.
type preparedConn struct {
	conn  sqliteConn
	stmts map[string]*preparedStmt
}

// preparedStmt is a kept statement; busy while rows read from it are open,
// when a second use of the same query gets a statement of its own.
type preparedStmt struct {
	sqliteStmt
	busy bool
}

// the interfaces database/sql looks for on a connection, which modernc's
// connections have
var (
	_ driver.ConnBeginTx        = (*preparedConn)(nil)
	_ driver.ConnPrepareContext = (*preparedConn)(nil)
	_ driver.ExecerContext      = (*preparedConn)(nil)
	_ driver.QueryerContext     = (*preparedConn)(nil)
	_ driver.Pinger             = (*preparedConn)(nil)
	_ driver.SessionResetter    = (*preparedConn)(nil)
	_ driver.Validator          = (*preparedConn)(nil)
)

// Unwrap is the driver's own connection.
func (c *preparedConn) Unwrap() driver.Conn { return c.conn }

func (c *preparedConn) Prepare(query string) (driver.Stmt, error) {
	return c.conn.Prepare(query)
}

func (c *preparedConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.conn.PrepareContext(ctx, query)
}

func (c *preparedConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *preparedConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.conn.BeginTx(ctx, opts)
}

func (c *preparedConn) Ping(ctx context.Context) error {
	return c.conn.Ping(ctx)
}

func (c *preparedConn) ResetSession(ctx context.Context) error {
	return c.conn.ResetSession(ctx)
}

func (c *preparedConn) IsValid() bool { return c.conn.IsValid() }

func (c *preparedConn) Close() error {
	errs := make([]error, 0, len(c.stmts)+1)
	for _, s := range c.stmts {
		errs = append(errs, s.Close())
	}
	c.stmts = nil
	return errors.Join(append(errs, c.conn.Close())...)
}

// stmt returns query's kept statement, preparing it the first time, and
// whether it is kept (a busy or surplus one is the caller's to close).
func (c *preparedConn) stmt(ctx context.Context, query string) (*preparedStmt, bool, error) {
	if s, ok := c.stmts[query]; ok && !s.busy {
		return s, true, nil
	}
	ds, err := c.conn.PrepareContext(ctx, query)
	if err != nil {
		return nil, false, err
	}
	typed, ok := ds.(sqliteStmt)
	if !ok {
		return nil, false, errors.Join(fmt.Errorf("a SQLite statement is a %T, without contexts", ds), ds.Close())
	}
	s := &preparedStmt{sqliteStmt: typed}
	if _, taken := c.stmts[query]; taken || len(c.stmts) >= maxPrepared {
		return s, false, nil
	}
	c.stmts[query] = s
	return s, true, nil
}

func (c *preparedConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	s, kept, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	res, err := s.ExecContext(ctx, args)
	if !kept {
		err = errors.Join(err, s.Close())
	}
	return res, err
}

func (c *preparedConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	s, kept, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	rows, err := s.QueryContext(ctx, args)
	if err == nil {
		typed, ok := rows.(sqliteRows)
		if ok {
			s.busy = kept
			return &preparedRows{sqliteRows: typed, stmt: s, kept: kept}, nil
		}
		err = errors.Join(fmt.Errorf("sqlite rows are a %T, without column types", rows), rows.Close())
	}
	if !kept {
		err = errors.Join(err, s.Close())
	}
	return nil, err
}

// sqliteRows is what modernc's rows tell of themselves, which database/sql
// (and GORM's column types) asks for.
type sqliteRows interface {
	driver.Rows
	driver.RowsColumnTypeDatabaseTypeName
	driver.RowsColumnTypeLength
	driver.RowsColumnTypeNullable
	driver.RowsColumnTypePrecisionScale
	driver.RowsColumnTypeScanType
}

// preparedRows frees its statement for the next use when closed.
type preparedRows struct {
	sqliteRows
	stmt *preparedStmt
	kept bool
}

func (r *preparedRows) Close() error {
	err := r.sqliteRows.Close()
	if r.kept {
		r.stmt.busy = false
		return err
	}
	return errors.Join(err, r.stmt.Close())
}

// registerLower gives every SQLite connection a lower() that folds all of
// Unicode as Go's strings.ToLower does, as PostgreSQL's does under a UTF-8
// ctype, in place of SQLite's own, which folds only ASCII: the console's
// search lowers the term in Go and the name in SQL, so "élodie" finds
// "Élodie". Migration 0016 rebuilds the index on lower(name) with it.
var registerLower = sync.OnceValue(func() error {
	return moderncsqlite.RegisterDeterministicScalarFunction("lower", 1,
		func(_ *moderncsqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
			switch v := args[0].(type) {
			case nil:
				return nil, nil
			case string:
				return strings.ToLower(v), nil
			case []byte:
				return strings.ToLower(string(v)), nil
			default:
				return strings.ToLower(fmt.Sprint(v)), nil
			}
		})
})

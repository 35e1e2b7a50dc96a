// Package storage queries dripbook's tables and migrates them, on SQLite and
// PostgreSQL alike; the rows themselves are the types of package models.
package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dripbook/dripbook/models"
	"github.com/libtnb/sqlite"
	"golang.org/x/sync/semaphore"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/callbacks"
	"gorm.io/gorm/logger"
)

// Store is dripbook's data access: every query lives on it, one file per
// entity.
type Store struct {
	db *gorm.DB
	// read serves the send path's reads. On SQLite it is a pool of its own
	// beside the one writer connection: in WAL mode readers never wait for
	// the writer. On PostgreSQL it is db.
	read *gorm.DB
	now  func() time.Time
	// webhooks says whether changes write their events to the webhook
	// outbox (SetWebhooks).
	webhooks bool
	// signups, on SQLite, queues signups for the one writer in the order
	// they came: database/sql hands a freed connection to a waiter at
	// random, which left some signups waiting behind dozens of others.
	// Nil on PostgreSQL, whose pool serves many at once.
	signups *semaphore.Weighted
	// suppressKey keys the digests of erased addresses
	// (SetSuppressionKey); nil keeps none.
	suppressKey []byte
}

// defaultPostgresConns is the PostgreSQL pool's size until SizePool says
// more.
const defaultPostgresConns = 20

// Open connects to a database given as sqlite://PATH or postgres://...
func Open(dsn string) (*Store, error) {
	var dialector, reader gorm.Dialector
	var writer, readers *sql.DB // SQLite's, closed here if opening fails
	closeSQLite := func(err error) error {
		if writer != nil {
			err = errors.Join(err, writer.Close(), readers.Close())
		}
		return err
	}
	switch {
	case strings.HasPrefix(dsn, "sqlite://"):
		path := strings.TrimPrefix(dsn, "sqlite://")
		if path == "" {
			return nil, errors.New("open database: sqlite:// needs a file path")
		}
		if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, fmt.Errorf("open database: %w", err)
			}
		}
		// Times are written as "2006-01-02 15:04:05.999999999-07:00" and
		// text of no declared type stays text. secure_delete overwrites what
		// a delete or an update frees, so an erasure leaves no address in
		// the file's free space for a backup of DATA_DIR to keep.
		opts := "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_pragma=secure_delete(1)&_time_format=sqlite&_texttotime=0"
		w, err := openSQLite(path + opts)
		if err != nil {
			return nil, err
		}
		r, err := openSQLite(path + opts + "&_pragma=query_only(1)")
		if err != nil {
			return nil, errors.Join(err, w.Close())
		}
		writer, readers = w, r
		dialector = sqlite.New(sqlite.Config{Conn: writer})
		reader = sqlite.New(sqlite.Config{Conn: readers})
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		dialector = postgres.Open(dsn)
	default:
		return nil, fmt.Errorf("open database: unsupported URL %q", dsn)
	}
	db, err := openPool(dialector)
	if err != nil {
		return nil, closeSQLite(err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, closeSQLite(fmt.Errorf("open database: %w", err))
	}
	s := &Store{db: db, read: db, now: func() time.Time { return time.Now().UTC() }}
	if reader != nil {
		if err := insertWithoutReturning(db); err != nil {
			return nil, closeSQLite(fmt.Errorf("open database: %w", err))
		}
		// SQLite has one writer; one connection turns lock contention into a
		// queue instead of "database is locked" errors.
		sqlDB.SetMaxOpenConns(1)
		s.signups = semaphore.NewWeighted(1)
		if s.read, err = openPool(reader); err != nil {
			return nil, closeSQLite(err)
		}
		readers.SetMaxOpenConns(4)
		readers.SetMaxIdleConns(4)
	} else {
		// Idle connections are kept up to the limit: database/sql keeps two
		// by default, and a PostgreSQL connection is a process to start.
		sqlDB.SetMaxOpenConns(defaultPostgresConns)
		sqlDB.SetMaxIdleConns(defaultPostgresConns)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	}
	return s, nil
}

func openPool(d gorm.Dialector) (*gorm.DB, error) {
	db, err := gorm.Open(d, &gorm.Config{
		Logger:         logger.Discard,
		TranslateError: true,
		// No PrepareStmt: pgx caches prepared statements per connection by
		// itself, as SQLite's connections do (see openSQLite), and GORM's
		// would prepare each again inside a transaction.
		NowFunc: func() time.Time { return time.Now().UTC() },
	})
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	return db, nil
}

// insertWithoutReturning has GORM's inserts on SQLite take the new row's id
// from the driver rather than from a RETURNING clause. With RETURNING (which
// SQLite runs much as a trigger), every insert inside a transaction keeps a
// statement journal, which the driver maps and unmaps afresh each time:
// about a third of a signup's CPU went there. An upsert that updates the
// row it met leaves the model's id as the driver last reported it, not that
// row's: no caller reads it.
func insertWithoutReturning(db *gorm.DB) error {
	cfg := &callbacks.Config{CreateClauses: []string{"INSERT", "VALUES", "ON CONFLICT"}, LastInsertIDReversed: true}
	create := db.Callback().Create()
	create.Clauses = cfg.CreateClauses
	return create.Replace("gorm:create", callbacks.Create(cfg))
}

// SizePool lets n queries run at once on PostgreSQL, at least the 20 it
// starts with: a worker sending n emails at once should never wait for a
// connection. SQLite keeps its one writer.
func (s *Store) SizePool(n int) error {
	if s.read != s.db {
		return nil
	}
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	n = max(n, defaultPostgresConns)
	sqlDB.SetMaxOpenConns(n)
	sqlDB.SetMaxIdleConns(n)
	return nil
}

// SetClock replaces the Store's clock; tests use it.
func (s *Store) SetClock(now func() time.Time) { s.now = now }

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// Close closes the connection pools.
func (s *Store) Close() error {
	pools := []*gorm.DB{s.db}
	if s.read != s.db {
		pools = append(pools, s.read)
	}
	var errs []error
	for _, db := range pools {
		sqlDB, err := db.DB()
		if err == nil {
			err = sqlDB.Close()
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// take loads the one row q finds, turning "no row" into ErrNotFound.
func take[T any](q *gorm.DB, what string) (T, error) {
	var v T
	err := q.Take(&v).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return v, models.ErrNotFound
	}
	if err != nil {
		return v, fmt.Errorf("load %s: %w", what, err)
	}
	return v, nil
}

// Dialect is "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.db.Name() }

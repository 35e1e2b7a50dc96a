// Package storage queries dripbook's tables and migrates them, on SQLite and
// PostgreSQL alike; the rows themselves are the types of package models.
package storage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dripbook/dripbook/models"
	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Store is dripbook's data access: every query lives on it, one file per
// entity.
type Store struct {
	db  *gorm.DB
	now func() time.Time
}

// Open connects to a database given as sqlite://PATH or postgres://...
func Open(dsn string) (*Store, error) {
	var dialector gorm.Dialector
	sqliteDB := false
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
		dialector = sqlite.Open(path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)")
		sqliteDB = true
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		dialector = postgres.Open(dsn)
	default:
		return nil, fmt.Errorf("open database: unsupported URL %q", dsn)
	}
	db, err := gorm.Open(dialector, &gorm.Config{
		Logger:         logger.Discard,
		TranslateError: true,
		NowFunc:        func() time.Time { return time.Now().UTC() },
	})
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if sqliteDB {
		// SQLite has one writer; one connection turns lock contention into a
		// queue instead of "database is locked" errors.
		sqlDB.SetMaxOpenConns(1)
	} else {
		sqlDB.SetMaxOpenConns(20)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	}
	return &Store{db: db, now: func() time.Time { return time.Now().UTC() }}, nil
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

// Close closes the connection pool.
func (s *Store) Close() error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
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

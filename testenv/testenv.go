// Package testenv gives tests a real database and a real Redis: SQLite and an
// in-process Redis by default, PostgreSQL and a Redis server when
// TEST_DATABASE_URL and TEST_REDIS_URL are set (CI sets both).
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/redis/go-redis/v9"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/dripbook/dripbook/localredis"
	"github.com/dripbook/dripbook/storage"
)

// Store returns a migrated Store of its own: a fresh SQLite file, or a fresh
// schema in the PostgreSQL database named by TEST_DATABASE_URL.
func Store(tb testing.TB) *storage.Store {
	tb.Helper()
	dsn := "sqlite://" + filepath.Join(tb.TempDir(), "test.db")
	if pg := os.Getenv("TEST_DATABASE_URL"); pg != "" {
		dsn = postgresSchema(tb, pg)
	}
	s, err := storage.Open(dsn)
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	if err := s.Migrate(context.Background()); err != nil {
		tb.Fatalf("migrate: %v", err)
	}
	return s
}

// Postgres reports whether tests run against PostgreSQL.
func Postgres() bool { return os.Getenv("TEST_DATABASE_URL") != "" }

// postgresSchema creates a schema for one test, dropped when it ends, and
// returns a URL whose search_path points at it.
func postgresSchema(tb testing.TB, base string) string {
	tb.Helper()
	schema := "t_" + Random(8)
	admin, err := gorm.Open(postgres.Open(base), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		tb.Fatalf("TEST_DATABASE_URL: %v", err)
	}
	if err := admin.Exec("CREATE SCHEMA " + schema).Error; err != nil {
		tb.Fatalf("TEST_DATABASE_URL: create schema: %v", err)
	}
	tb.Cleanup(func() {
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		if db, err := admin.DB(); err == nil {
			db.Close()
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("TEST_DATABASE_URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Redis returns a client on the Redis named by TEST_REDIS_URL, or on an
// in-process Redis of the test's own. Tests sharing a real Redis must use
// their own keys (see Random); only a test holding Isolated may flush.
func Redis(tb testing.TB) *redis.Client {
	tb.Helper()
	raw := os.Getenv("TEST_REDIS_URL")
	if raw == "" {
		srv, err := localredis.Start()
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(srv.Close)
		raw = srv.URL()
	}
	return client(tb, raw)
}

// Isolated returns a client on a Redis database no other test uses, emptied
// first, so the test may flush it. With a real Redis that is database 15.
func Isolated(tb testing.TB) *redis.Client {
	tb.Helper()
	raw := os.Getenv("TEST_REDIS_URL")
	if raw == "" {
		return Redis(tb)
	}
	opts, err := redis.ParseURL(raw)
	if err != nil {
		tb.Fatalf("TEST_REDIS_URL: %v", err)
	}
	opts.DB = 15
	c := redis.NewClient(opts)
	tb.Cleanup(func() { c.Close() })
	if err := c.FlushDB(context.Background()).Err(); err != nil {
		tb.Fatalf("TEST_REDIS_URL: %v", err)
	}
	return c
}

func client(tb testing.TB, raw string) *redis.Client {
	tb.Helper()
	opts, err := redis.ParseURL(raw)
	if err != nil {
		tb.Fatalf("TEST_REDIS_URL: %v", err)
	}
	c := redis.NewClient(opts)
	tb.Cleanup(func() { c.Close() })
	if err := c.Ping(context.Background()).Err(); err != nil {
		tb.Fatalf("TEST_REDIS_URL: %v", err)
	}
	return c
}

// Random returns n random hex characters, for names tests must not share.
func Random(n int) string {
	b := make([]byte, (n+1)/2)
	rand.Read(b)
	return hex.EncodeToString(b)[:n]
}

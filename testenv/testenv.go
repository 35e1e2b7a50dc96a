// Package testenv gives tests a real database and a real Redis: SQLite and an
// in-process Redis by default, PostgreSQL and a Redis server when
// TEST_DATABASE_URL and TEST_REDIS_URL are set (CI sets both).
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

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
	if pg := os.Getenv("TEST_DATABASE_URL"); pg != "" {
		return open(tb, postgresSchema(tb, pg))
	}
	return SQLite(tb)
}

// SQLite returns a migrated Store on a fresh SQLite file, whatever
// TEST_DATABASE_URL says: for tests that need no PostgreSQL.
func SQLite(tb testing.TB) *storage.Store {
	tb.Helper()
	return open(tb, "sqlite://"+filepath.Join(tb.TempDir(), "test.db"))
}

func open(tb testing.TB, dsn string) *storage.Store {
	tb.Helper()
	s, err := storage.Open(dsn)
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("close store: %v", err)
		}
	})
	if err := s.Migrate(context.Background()); err != nil {
		tb.Fatalf("migrate: %v", err)
	}
	return s
}

// Postgres reports whether tests run against PostgreSQL.
func Postgres() bool { return os.Getenv("TEST_DATABASE_URL") != "" }

// PostgresURL returns the URL of a fresh PostgreSQL schema of the test's
// own, dropped when it ends, and skips the test without TEST_DATABASE_URL.
func PostgresURL(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		tb.Skip("TEST_DATABASE_URL is not set: this test needs PostgreSQL")
	}
	return postgresSchema(tb, base)
}

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
		if err := admin.Exec("DROP SCHEMA " + schema + " CASCADE").Error; err != nil {
			tb.Errorf("drop test schema %s: %v", schema, err)
		}
		if db, err := admin.DB(); err == nil {
			_ = db.Close()
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
// their own keys (see Queue and Random); only a test holding Isolated may
// flush.
func Redis(tb testing.TB) *redis.Client {
	tb.Helper()
	return Client(tb, RedisURL(tb))
}

// RedisURL returns the URL that Redis connects to: TEST_REDIS_URL, or a fresh
// in-process Redis that stops when the test ends.
func RedisURL(tb testing.TB) string {
	tb.Helper()
	if raw := os.Getenv("TEST_REDIS_URL"); raw != "" {
		return raw
	}
	return localURL(tb)
}

func localURL(tb testing.TB) string {
	tb.Helper()
	srv, err := localredis.Start()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(srv.Close)
	return srv.URL()
}

// Isolated returns a client on a Redis database no other test uses, emptied
// first, so the test may flush it. See IsolatedURL.
func Isolated(tb testing.TB) *redis.Client {
	tb.Helper()
	return Client(tb, IsolatedURL(tb))
}

// isolatedLease bounds how long a crashed test run keeps a database: a test
// binary times out after ten minutes.
const isolatedLease = 15 * time.Minute

// IsolatedURL returns the URL of a Redis database no other test uses, emptied
// first and again when the test ends, for a test that flushes Redis or uses
// fixed key names. With a real Redis that is one of databases 14 down to 8,
// leased through a key in TEST_REDIS_URL's database so that tests in other
// packages and other test processes on the same Redis get other ones; a test
// waits for one to come free. Database 15 is left to checkouts whose tests
// still flush it unleased, and the lower ones to whatever else uses the
// server. Without a real Redis it is an in-process one.
func IsolatedURL(tb testing.TB) string {
	tb.Helper()
	raw := os.Getenv("TEST_REDIS_URL")
	if raw == "" {
		return localURL(tb)
	}
	opts, err := redis.ParseURL(raw)
	if err != nil {
		tb.Fatalf("TEST_REDIS_URL: %v", err)
	}
	shared := Client(tb, raw)
	ctx := context.Background()
	owner := Random(16)
	deadline := time.Now().Add(time.Minute)
	for {
		for db := 14; db >= 8; db-- {
			if db == opts.DB {
				continue
			}
			lease := fmt.Sprintf("testenv:isolated:%d", db)
			ok, err := shared.SetNX(ctx, lease, owner, isolatedLease).Result()
			if err != nil {
				tb.Fatalf("TEST_REDIS_URL: lease database %d: %v", db, err)
			}
			if !ok {
				continue
			}
			u, err := url.Parse(raw)
			if err != nil {
				tb.Fatalf("TEST_REDIS_URL: %v", err)
			}
			u.Path = fmt.Sprintf("/%d", db)
			dbOpts := *opts
			dbOpts.DB = db
			c := redis.NewClient(&dbOpts)
			tb.Cleanup(func() {
				c.FlushDB(ctx)
				_ = c.Close()
				// Give the lease back only if it is still ours.
				releaseLease.Run(ctx, shared, []string{lease}, owner)
			})
			if err := c.FlushDB(ctx).Err(); err != nil {
				tb.Fatalf("TEST_REDIS_URL: empty database %d: %v", db, err)
			}
			return u.String()
		}
		if time.Now().After(deadline) {
			tb.Fatalf("TEST_REDIS_URL: no Redis database came free within a minute: every one of 8-14 is leased (keys testenv:isolated:N)")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

var releaseLease = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
	return redis.call("DEL", KEYS[1])
end
return 0`)

// Client returns a client on the Redis at raw, a redis:// URL such as
// RedisURL or IsolatedURL return, closed when the test ends.
func Client(tb testing.TB, raw string) *redis.Client {
	tb.Helper()
	opts, err := redis.ParseURL(raw)
	if err != nil {
		tb.Fatalf("Redis URL %s: %v", raw, err)
	}
	c := redis.NewClient(opts)
	tb.Cleanup(func() { _ = c.Close() })
	if err := c.Ping(context.Background()).Err(); err != nil {
		tb.Fatalf("Redis at %s: %v", raw, err)
	}
	return c
}

// Random returns n random hex characters, for names tests must not share.
func Random(n int) string {
	b := make([]byte, (n+1)/2)
	rand.Read(b)
	return hex.EncodeToString(b)[:n]
}

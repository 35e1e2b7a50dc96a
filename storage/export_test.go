package storage

import (
	"context"

	"github.com/dripbook/dripbook/models"
	"gorm.io/gorm"
)

// DB exposes the connection to this package's tests, which look at the
// tables as they are.
func (s *Store) DB() *gorm.DB { return s.db }

// SearchSQL is the statement SearchSubscribers runs for f, for tests that
// ask the database how it would run it.
func (s *Store) SearchSQL(f SubscriberFilter) string {
	return s.db.ToSQL(func(tx *gorm.DB) *gorm.DB {
		var subs []models.Subscriber
		return s.searchQuery(tx, f).Find(&subs)
	})
}

// HoldSignups takes SQLite's signup queue, as a signup in progress would,
// until release is called.
func (s *Store) HoldSignups(ctx context.Context) (release func(), err error) {
	if err := s.signups.Acquire(ctx, 1); err != nil {
		return nil, err
	}
	return func() { s.signups.Release(1) }, nil
}

// WithSuppressionKey is the store as another process with key would see
// the same database.
func (s *Store) WithSuppressionKey(key []byte) *Store {
	c := *s
	c.suppressKey = key
	return &c
}

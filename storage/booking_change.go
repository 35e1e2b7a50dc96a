package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/dripbook/dripbook/booking"
)

// bookingChange is one booking, move or cancellation.
type bookingChange struct {
	ID           int64 `gorm:"primaryKey"`
	SubscriberID int64
	BookingID    int64
	Event        string
	CreatedAt    time.Time
}

// RecordChange stores one booking, move or cancellation.
func (s *Store) RecordChange(ctx context.Context, c booking.Change) error {
	row := bookingChange{SubscriberID: c.SubscriberID, BookingID: c.BookingID, Event: string(c.Event), CreatedAt: c.At.UTC()}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("record booking change: %w", err)
	}
	return nil
}

// RecentChanges lists when a subscriber booked, moved or cancelled after
// since, oldest first.
func (s *Store) RecentChanges(ctx context.Context, subscriberID int64, since time.Time) ([]time.Time, error) {
	var at []time.Time
	err := s.db.WithContext(ctx).Model(&bookingChange{}).
		Where("subscriber_id = ? AND created_at > ?", subscriberID, since.UTC()).
		Order("created_at").Pluck("created_at", &at).Error
	if err != nil {
		return nil, fmt.Errorf("list booking changes: %w", err)
	}
	return at, nil
}

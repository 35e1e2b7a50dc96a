package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/dripbook/dripbook/models"
)

// MissedCalls lists confirmed calls marked a no-show at or after
// markedSince and, when unmarkedUntil is not zero, calls with no mark that
// ended in (unmarkedSince, unmarkedUntil]; oldest first.
func (s *Store) MissedCalls(ctx context.Context, markedSince, unmarkedSince, unmarkedUntil time.Time, limit int) ([]models.Booking, error) {
	q := s.db.WithContext(ctx).Where("status = ?", models.BookingConfirmed)
	if unmarkedUntil.IsZero() {
		q = q.Where("outcome = ? AND outcome_at >= ?", models.OutcomeNoShow, markedSince.UTC())
	} else {
		q = q.Where("((outcome = ? AND outcome_at >= ?) OR (outcome = '' AND ends_at > ? AND ends_at <= ?))",
			models.OutcomeNoShow, markedSince.UTC(), unmarkedSince.UTC(), unmarkedUntil.UTC())
	}
	var bs []models.Booking
	if err := q.Order("ends_at").Limit(limit).Find(&bs).Error; err != nil {
		return nil, fmt.Errorf("list missed calls: %w", err)
	}
	return bs, nil
}

// BookedAfter reports whether the subscriber has a confirmed call that
// starts after start.
func (s *Store) BookedAfter(ctx context.Context, subscriberID int64, start time.Time) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&models.Booking{}).
		Where("subscriber_id = ? AND status = ? AND starts_at > ?", subscriberID, models.BookingConfirmed, start.UTC()).
		Limit(1).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("look up a later booking: %w", err)
	}
	return n > 0, nil
}

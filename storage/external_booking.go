package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/dripbook/dripbook/models"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// ExternalBooking returns the booking a scheduler knows by externalID, or
// ErrNotFound.
func (s *Store) ExternalBooking(ctx context.Context, scheduler, externalID string) (models.Booking, error) {
	q := s.db.WithContext(ctx).Where("scheduler = ? AND external_id = ?", scheduler, externalID)
	return take[models.Booking](q, "external booking")
}

// schedulerFormerID is an id a scheduler gave a call before it moved.
type schedulerFormerID struct {
	ID         int64 `gorm:"primaryKey"`
	Scheduler  string
	ExternalID string
	BookingID  int64
	CreatedAt  time.Time
}

// FormerExternalBooking returns the booking a scheduler knew by externalID
// before the call moved, or ErrNotFound.
func (s *Store) FormerExternalBooking(ctx context.Context, scheduler, externalID string) (models.Booking, error) {
	q := s.db.WithContext(ctx).
		Where("id = (?)", s.db.Model(&schedulerFormerID{}).Select("booking_id").
			Where("scheduler = ? AND external_id = ?", scheduler, externalID))
	return take[models.Booking](q, "former external booking")
}

// RememberExternalID notes that the scheduler once knew booking id by
// externalID; an id already noted keeps the booking it was noted for.
func (s *Store) RememberExternalID(ctx context.Context, id int64, scheduler, externalID string) error {
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).
		Create(&schedulerFormerID{Scheduler: scheduler, ExternalID: externalID, BookingID: id, CreatedAt: s.now()}).Error
	if err != nil {
		return fmt.Errorf("remember scheduler id: %w", err)
	}
	return nil
}

// MoveExternalBooking moves a confirmed booking made on a scheduler to the
// time and the id the scheduler gave it when it was rescheduled there,
// keeping its UID and raising its sequence, as RescheduleBooking does; a
// moved call is no longer a no-show.
func (s *Store) MoveExternalBooking(ctx context.Context, id int64, externalID string, start, end time.Time) (models.Booking, error) {
	return s.updateConfirmed(ctx, id, models.EventBookingRescheduled, false, map[string]any{
		"external_id": externalID, "starts_at": start.UTC(), "ends_at": end.UTC(),
		"sequence": gorm.Expr("sequence + 1"), "updated_at": s.now(),
		"outcome": "", "outcome_at": nil,
	})
}

// schedulerDelivery is one signed delivery received from a scheduler, by
// the digest of its signature.
type schedulerDelivery struct {
	ID         int64 `gorm:"primaryKey"`
	Scheduler  string
	Digest     string
	ReceivedAt time.Time
}

// deliveryMemory is how long a delivery's digest is kept: past it, the
// delivery is too old to be accepted anyway.
const deliveryMemory = time.Hour

// RecordSchedulerDelivery notes a signed delivery from a scheduler by the
// digest of its signature; one already noted is models.ErrReplayed. Inside
// LockBookings it rolls back with the change the delivery made, so the
// scheduler's retry of a delivery that failed here is not taken for a
// replay.
func (s *Store) RecordSchedulerDelivery(ctx context.Context, scheduler, digest string) error {
	now := s.now()
	db := s.db.WithContext(ctx)
	if err := db.Where("received_at < ?", now.Add(-deliveryMemory)).Delete(&schedulerDelivery{}).Error; err != nil {
		return fmt.Errorf("forget old scheduler deliveries: %w", err)
	}
	res := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&schedulerDelivery{Scheduler: scheduler, Digest: digest, ReceivedAt: now})
	if res.Error != nil {
		return fmt.Errorf("record scheduler delivery: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return models.ErrReplayed
	}
	return nil
}

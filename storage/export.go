package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/dripbook/dripbook/models"
)

// exportBatch is how many rows an export reads at a time: the memory an
// export holds, whatever the size of the table.
const exportBatch = 1000

// BookingExport is one booking as the console's export lists it, with the
// subscriber it belongs to.
type BookingExport struct {
	models.Booking `gorm:"embedded"`
	Email          string
	Name           string
}

// EachSubscriber calls fn for every subscriber in id order, reading them in
// batches by keyset, so an export of any size holds one batch at a time and
// no long transaction. An error from fn stops the walk and is returned.
func (s *Store) EachSubscriber(ctx context.Context, fn func(models.Subscriber) error) error {
	err := eachBatch(func(after int64, batch *[]models.Subscriber) error {
		return s.db.WithContext(ctx).Where("id > ?", after).Order("id").Limit(exportBatch).Find(batch).Error
	}, func(sub models.Subscriber) int64 { return sub.ID }, fn)
	if err != nil {
		return fmt.Errorf("export subscribers: %w", err)
	}
	return nil
}

// EachBooking calls fn for every booking in id order, with its subscriber's
// address and name, in batches like EachSubscriber.
func (s *Store) EachBooking(ctx context.Context, fn func(BookingExport) error) error {
	err := eachBatch(func(after int64, batch *[]BookingExport) error {
		return s.db.WithContext(ctx).Table("bookings").
			Select("bookings.*, subscribers.email AS email, subscribers.name AS name").
			Joins("JOIN subscribers ON subscribers.id = bookings.subscriber_id").
			Where("bookings.id > ?", after).Order("bookings.id").Limit(exportBatch).
			Scan(batch).Error
	}, func(b BookingExport) int64 { return b.ID }, fn)
	if err != nil {
		return fmt.Errorf("export bookings: %w", err)
	}
	return nil
}

// eachBatch reads rows exportBatch at a time, each batch after the last id
// of the one before, reusing one slice, and hands each row to fn.
func eachBatch[T any](read func(after int64, batch *[]T) error, id func(T) int64, fn func(T) error) error {
	batch := make([]T, 0, exportBatch)
	var after int64
	for {
		batch = batch[:0]
		if err := read(after, &batch); err != nil {
			return err
		}
		for _, row := range batch {
			if err := fn(row); err != nil {
				return err
			}
		}
		if len(batch) < exportBatch {
			return nil
		}
		after = id(batch[len(batch)-1])
	}
}

// SeedSubscribers inserts n active subscribers named by prefix in batches,
// for exports and benchmarks on a large list. It records no consent and
// queues nothing: it is for tests and load, never for real signups.
func (s *Store) SeedSubscribers(ctx context.Context, prefix string, n int) error {
	if n <= 0 {
		return nil
	}
	now := s.now()
	// One statement, the rows made by the database: fast on either one.
	err := s.db.WithContext(ctx).Exec(`WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < ?)
INSERT INTO subscribers (email, name, timezone, status, confirm_round, confirm_requested_at, confirmed_at, created_at, updated_at)
SELECT CAST(? AS TEXT) || CAST(i AS TEXT) || '@example.com', 'Seed ' || CAST(i AS TEXT), '', ?, 1, ?, ?, ?, ? FROM seq`,
		n-1, prefix, models.StatusActive, now, now, now, now).Error
	if err != nil {
		return fmt.Errorf("seed subscribers: %w", err)
	}
	return nil
}

// Held is what dripbook holds about a subscriber beyond their own rows:
// the events written about them (with their deliveries to WEBHOOK_URL),
// the log of their booking changes, and the confirmation rounds counted
// against their mailbox.
type Held struct {
	Events          []models.WebhookEvent `json:"webhook_events"`
	BookingChanges  []HeldChange          `json:"booking_changes"`
	ConfirmRequests []HeldConfirmRequest  `json:"confirmation_requests"`
}

// HeldChange is one booking, move or cancellation, as the export shows it.
type HeldChange struct {
	BookingID int64     `json:"booking_id"`
	Event     string    `json:"event"`
	At        time.Time `json:"at"`
}

// HeldConfirmRequest is one confirmation round counted against a mailbox.
type HeldConfirmRequest struct {
	Mailbox string    `json:"mailbox"`
	At      time.Time `json:"at"`
}

// HeldAbout loads the Held of one subscriber, oldest first.
func (s *Store) HeldAbout(ctx context.Context, subscriberID int64) (Held, error) {
	db := s.db.WithContext(ctx)
	h := Held{Events: []models.WebhookEvent{}, BookingChanges: []HeldChange{}, ConfirmRequests: []HeldConfirmRequest{}}
	if err := db.Where("subscriber_id = ?", subscriberID).Order("created_at, id").Find(&h.Events).Error; err != nil {
		return Held{}, fmt.Errorf("list events held: %w", err)
	}
	err := db.Model(&bookingChange{}).Select("booking_id, event, created_at AS at").
		Where("subscriber_id = ?", subscriberID).Order("id").Scan(&h.BookingChanges).Error
	if err != nil {
		return Held{}, fmt.Errorf("list booking changes held: %w", err)
	}
	err = db.Model(&confirmRequest{}).Select("mailbox, created_at AS at").
		Where("subscriber_id = ?", subscriberID).Order("id").Scan(&h.ConfirmRequests).Error
	if err != nil {
		return Held{}, fmt.Errorf("list confirmation rounds held: %w", err)
	}
	return h, nil
}

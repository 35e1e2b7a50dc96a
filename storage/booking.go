package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dripbook/dripbook/booking"
	"github.com/dripbook/dripbook/models"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// CreateBooking inserts a confirmed booking. The database decides races: a
// taken slot is ErrSlotTaken, a second booking for the subscriber is
// ErrAlreadyBooked, and a repeated idempotency key returns the booking that
// key made first, with created false. A booking given as cancelled (a
// scheduler's call whose cancellation came before its booking) is recorded
// so, as one made and cancelled, and its webhook event is
// booking.cancelled alone: it was never booked here.
func (s *Store) CreateBooking(ctx context.Context, b models.Booking) (_ models.Booking, created bool, err error) {
	now := s.now()
	event := models.EventBookingCreated
	if b.Status == models.BookingCancelled {
		b.Sequence, b.CancelledAt, event = 1, &now, models.EventBookingCancelled
	} else {
		b.Status, b.Sequence = models.BookingConfirmed, 0
	}
	b.NotifiedSequence, b.CreatedAt, b.UpdatedAt = -1, now, now
	// One text form per instant: SQLite compares stored times as text.
	b.Start, b.End = b.Start.UTC(), b.End.UTC()
	db := s.db.WithContext(ctx)
	// Its own (nested) transaction: inside LockBookings a refused insert
	// rolls back to a savepoint, and the queries below still work.
	err = db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&b).Error; err != nil {
			return err
		}
		return s.emitBookingEvent(tx, event, b.ID)
	})
	if err == nil {
		return b, true, nil
	}
	if !errors.Is(err, gorm.ErrDuplicatedKey) {
		return models.Booking{}, false, fmt.Errorf("create booking: %w", err)
	}
	// The insert was refused; find out which rule refused it.
	if b.ExternalID != nil {
		// A scheduler's redelivery of a call already recorded.
		prev, err := s.ExternalBooking(ctx, b.Scheduler, *b.ExternalID)
		if err == nil {
			return prev, false, nil
		}
	}
	if b.IdempotencyKey != nil {
		prev, err := s.BookingByIdempotencyKey(ctx, *b.IdempotencyKey)
		if err == nil && prev.SubscriberID != b.SubscriberID {
			return models.Booking{}, false, models.ErrKeyReused
		}
		if err == nil {
			return prev, false, nil
		}
		if !errors.Is(err, models.ErrNotFound) {
			return models.Booking{}, false, fmt.Errorf("create booking: %w", err)
		}
	}
	var n int64
	q := db.Model(&models.Booking{}).Where("subscriber_id = ? AND status = ? AND external_id IS NULL", b.SubscriberID, models.BookingConfirmed)
	if err := q.Count(&n).Error; err != nil {
		return models.Booking{}, false, fmt.Errorf("create booking: %w", err)
	}
	if n > 0 {
		return models.Booking{}, false, models.ErrAlreadyBooked
	}
	return models.Booking{}, false, models.ErrSlotTaken
}

// bookingsLock is the PostgreSQL advisory lock key for booking writes.
const bookingsLock = 0x64726970 // "drip"

// LockBookings runs fn in a transaction during which no other booking is
// made or moved, so rules that span bookings (the buffer between calls, the
// daily cap) hold under concurrency; the unique indexes remain the last
// word. fn must use the Store it is given. On SQLite the one connection
// already serialises transactions.
func (s *Store) LockBookings(ctx context.Context, fn func(tx *Store) error) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if s.Dialect() == "postgres" {
			if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", bookingsLock).Error; err != nil {
				return fmt.Errorf("lock bookings: %w", err)
			}
		}
		return fn(&Store{db: tx, read: tx, now: s.now, webhooks: s.webhooks}) // no signups: a signup is never part of a booking's transaction
	})
}

// Booking returns one booking.
func (s *Store) Booking(ctx context.Context, id int64) (models.Booking, error) {
	return take[models.Booking](s.db.WithContext(ctx).Where("id = ?", id), fmt.Sprintf("booking %d", id))
}

// ActiveBooking returns the subscriber's confirmed booking, or ErrNotFound.
func (s *Store) ActiveBooking(ctx context.Context, subscriberID int64) (models.Booking, error) {
	q := s.db.WithContext(ctx).Where("subscriber_id = ? AND status = ?", subscriberID, models.BookingConfirmed)
	return take[models.Booking](q, "active booking")
}

// HasActiveBooking reports whether the subscriber has a confirmed call.
func (s *Store) HasActiveBooking(ctx context.Context, subscriberID int64) (bool, error) {
	return hasActiveBooking(s.db.WithContext(ctx), subscriberID)
}

// HasCallBookedHere reports whether the subscriber has a confirmed call
// booked here rather than on a scheduler: the one call they may have.
func (s *Store) HasCallBookedHere(ctx context.Context, subscriberID int64) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&models.Booking{}).
		Where("subscriber_id = ? AND "+confirmedSQL+" AND external_id IS NULL", subscriberID).Limit(1).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("look up booked call: %w", err)
	}
	return n > 0, nil
}

func hasActiveBooking(db *gorm.DB, subscriberID int64) (bool, error) {
	var n int64
	err := db.Model(&models.Booking{}).Where("subscriber_id = ? AND "+confirmedSQL, subscriberID).
		Limit(1).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("look up active booking: %w", err)
	}
	return n > 0, nil
}

// BookedStarts lists the starts of confirmed bookings in [from, to).
func (s *Store) BookedStarts(ctx context.Context, from, to time.Time) ([]time.Time, error) {
	var starts []time.Time
	err := s.db.WithContext(ctx).Model(&models.Booking{}).
		Where("status = ? AND starts_at >= ? AND starts_at < ?", models.BookingConfirmed, from, to).
		Order("starts_at").Pluck("starts_at", &starts).Error
	if err != nil {
		return nil, fmt.Errorf("list booked starts: %w", err)
	}
	return starts, nil
}

// UpcomingBookings lists confirmed bookings starting after from whose
// latest change was announced, soonest first, for the reconciler's
// reminders: a reminder never comes before the confirmation. A scheduler's
// calls are left out: it sends their reminders.
func (s *Store) UpcomingBookings(ctx context.Context, from time.Time, limit int) ([]models.Booking, error) {
	var bs []models.Booking
	// Not of an address that refuses mail, or is gone: their reminders
	// send nothing, and an overdue one would be queued every round.
	err := s.db.WithContext(ctx).Where("status = ? AND starts_at > ? AND notified_sequence = sequence AND external_id IS NULL", models.BookingConfirmed, from).
		Where("NOT EXISTS (SELECT 1 FROM subscribers s WHERE s.id = bookings.subscriber_id AND s.status IN ?)", []string{models.StatusBounced, models.StatusErased}).
		Order("starts_at").Limit(limit).Find(&bs).Error
	if err != nil {
		return nil, fmt.Errorf("list upcoming bookings: %w", err)
	}
	return bs, nil
}

// CancelBooking cancels a confirmed booking and frees its slot. Cancelling
// twice is ErrNotConfirmed; a call marked attended is
// booking.ErrCallAttended, even if the mark lands while this runs.
func (s *Store) CancelBooking(ctx context.Context, id int64) (models.Booking, error) {
	now := s.now()
	return s.updateConfirmed(ctx, id, models.EventBookingCancelled, true, map[string]any{
		"status": models.BookingCancelled, "sequence": gorm.Expr("sequence + 1"), "cancelled_at": now, "updated_at": now,
	})
}

// RescheduleBooking moves a confirmed booking to a new slot, keeping its UID
// and raising its sequence. A taken slot is ErrSlotTaken. A moved call has
// not happened yet: a missed call's no-show mark is cleared. A call marked
// attended is booking.ErrCallAttended.
func (s *Store) RescheduleBooking(ctx context.Context, id int64, start, end time.Time) (models.Booking, error) {
	return s.updateConfirmed(ctx, id, models.EventBookingRescheduled, true, map[string]any{
		"starts_at": start.UTC(), "ends_at": end.UTC(), "sequence": gorm.Expr("sequence + 1"), "updated_at": s.now(),
		"outcome": "", "outcome_at": nil,
	})
}

// SetBookingPlace sets where a confirmed call booked here happens and
// raises its sequence, recording it as the sequence at which the place
// changed. It makes no webhook event: the call's time and state stay as
// they were. changed is false when nothing was updated.
func (s *Store) SetBookingPlace(ctx context.Context, id int64, p booking.Place, now time.Time) (models.Booking, bool, error) {
	// Only once every email about the last version went out, and only
	// before the call starts: the place change is announced as the one
	// change since.
	res := s.db.WithContext(ctx).Model(&models.Booking{}).
		Where("id = ? AND status = ? AND scheduler = '' AND NOT (place_url = ? AND place_text = ?) AND notified_sequence = sequence AND starts_at > ?",
			id, models.BookingConfirmed, p.URL, p.Text, now.UTC()).
		Updates(map[string]any{
			"place_url": p.URL, "place_text": p.Text,
			"sequence": gorm.Expr("sequence + 1"), "place_sequence": gorm.Expr("sequence + 1"),
			"updated_at": s.now(),
		})
	if res.Error != nil {
		return models.Booking{}, false, fmt.Errorf("set place of booking %d: %w", id, res.Error)
	}
	b, err := s.Booking(ctx, id)
	return b, res.RowsAffected > 0, err
}

// updateConfirmed changes a confirmed booking and returns it as it is now:
// ErrNotConfirmed when it was not confirmed, ErrSlotTaken when the change
// ran into another confirmed booking's start. event is the webhook event
// the change makes. With keepAttended, a call marked attended is left as
// it is, and the answer is booking.ErrCallAttended.
func (s *Store) updateConfirmed(ctx context.Context, id int64, event string, keepAttended bool, fields map[string]any) (models.Booking, error) {
	var changed int64
	// Its own (nested) transaction, so a refused update inside LockBookings
	// rolls back to a savepoint and the query below still works.
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := tx.Model(&models.Booking{}).Where("id = ? AND status = ?", id, models.BookingConfirmed)
		if keepAttended {
			q = q.Where("outcome <> ?", models.OutcomeAttended)
		}
		res := q.Updates(fields)
		changed = res.RowsAffected
		if res.Error != nil || changed == 0 {
			return res.Error
		}
		return s.emitBookingEvent(tx, event, id)
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return models.Booking{}, models.ErrSlotTaken
	}
	if err != nil {
		return models.Booking{}, fmt.Errorf("%s booking %d: %w", strings.TrimPrefix(event, "booking."), id, err)
	}
	b, err := s.Booking(ctx, id)
	if err != nil {
		return b, err
	}
	switch {
	case changed == 0 && b.Status == models.BookingConfirmed && b.Outcome == models.OutcomeAttended:
		return b, booking.ErrCallAttended
	case changed == 0:
		return b, models.ErrNotConfirmed
	}
	return b, nil
}

// clickRow is a click as stored: AtMinute is the Unix minute it fell in,
// which the unique index on (subscriber_id, lesson, at_minute) keeps to one.
type clickRow struct {
	ID           int64 `gorm:"primaryKey"`
	SubscriberID int64
	Lesson       string
	CreatedAt    time.Time
	AtMinute     int64
}

func (clickRow) TableName() string { return "clicks" }

// RecordClick stores a click on the booking link of a lesson, at most one
// per subscriber and lesson each minute: a link opened by a scanner, a
// reload or a script hundreds of times is one click in the funnel.
func (s *Store) RecordClick(ctx context.Context, subscriberID int64, lesson string) error {
	now := s.now()
	c := clickRow{SubscriberID: subscriberID, Lesson: lesson, CreatedAt: now, AtMinute: now.Unix() / 60}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&c)
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		return s.emitLessonEvent(tx, models.EventLinkClicked, subscriberID, lesson)
	})
	if err != nil {
		return fmt.Errorf("record click: %w", err)
	}
	return nil
}

// Clicks lists a subscriber's clicks, oldest first.
func (s *Store) Clicks(ctx context.Context, subscriberID int64) ([]models.Click, error) {
	var cs []models.Click
	if err := s.db.WithContext(ctx).Where("subscriber_id = ?", subscriberID).Order("id").Find(&cs).Error; err != nil {
		return nil, fmt.Errorf("list clicks: %w", err)
	}
	return cs, nil
}

// BookingByIdempotencyKey returns the booking a key made, or ErrNotFound.
func (s *Store) BookingByIdempotencyKey(ctx context.Context, key string) (models.Booking, error) {
	return take[models.Booking](s.db.WithContext(ctx).Where("idempotency_key = ?", key), "booking by idempotency key")
}

// UnannouncedBookings lists bookings whose latest change was not yet
// announced by email, for the reconciler.
func (s *Store) UnannouncedBookings(ctx context.Context, limit int) ([]models.Booking, error) {
	var bs []models.Booking
	err := s.db.WithContext(ctx).Where("notified_sequence < sequence").Order("updated_at").Limit(limit).Find(&bs).Error
	if err != nil {
		return nil, fmt.Errorf("list unannounced bookings: %w", err)
	}
	return bs, nil
}

// MarkBookingNotified records that the emails for a sequence went out.
func (s *Store) MarkBookingNotified(ctx context.Context, id int64, sequence int) error {
	err := s.db.WithContext(ctx).Model(&models.Booking{}).Where("id = ? AND notified_sequence < ?", id, sequence).
		Update("notified_sequence", sequence).Error
	if err != nil {
		return fmt.Errorf("mark booking %d notified: %w", id, err)
	}
	return nil
}

// BookingStore is the Store as package booking declares it.
type BookingStore struct{ *Store }

// LockBookings runs fn under the bookings lock (see Store.LockBookings).
func (b BookingStore) LockBookings(ctx context.Context, fn func(tx booking.Tx) error) error {
	return b.Store.LockBookings(ctx, func(tx *Store) error { return fn(tx) })
}

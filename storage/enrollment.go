package storage

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/dripbook/dripbook/models"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Enrollment returns a subscriber's enrollment.
func (s *Store) Enrollment(ctx context.Context, subscriberID int64) (models.Enrollment, error) {
	return take[models.Enrollment](s.db.WithContext(ctx).Where("subscriber_id = ?", subscriberID), fmt.Sprintf("enrollment %d", subscriberID))
}

// SaveEnrollment creates or replaces a subscriber's enrollment and marks the
// next lesson queued in the delivery log.
func (s *Store) SaveEnrollment(ctx context.Context, e models.Enrollment) error {
	now := s.now()
	e.UpdatedAt = now
	if e.CreatedAt.IsZero() {
		e.CreatedAt = now
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "subscriber_id"}},
			DoUpdates: clause.AssignmentColumns([]string{"status", "next_step", "next_send_at", "last_day", "anchor", "updated_at"}),
		}).Create(&e).Error
		if err != nil {
			return err
		}
		return queueDelivery(tx, e, now)
	})
	if err != nil {
		return fmt.Errorf("save enrollment %d: %w", e.SubscriberID, err)
	}
	return nil
}

// CompleteStep records a lesson as sent and moves the enrollment on, in one
// transaction, so a crash never leaves the two disagreeing. The plan's
// IfBooked, when there is one, is taken if a call is booked by then: the
// booking is looked up inside the transaction. It returns the enrollment
// saved.
func (s *Store) CompleteStep(ctx context.Context, key models.DeliveryKey, plan models.StepPlan) (models.Enrollment, error) {
	now := s.now()
	next := plan.Next
	// The one-statement path has no room for the lesson.sent event.
	if plan.IfBooked == nil && s.Dialect() == "postgres" && !s.webhooks {
		if err := s.completeStepPostgres(ctx, key, next, now); err != nil {
			return next, fmt.Errorf("complete %s: %w", key, err)
		}
		return next, nil
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if plan.IfBooked != nil {
			booked, err := hasActiveBooking(tx, key.SubscriberID)
			if err != nil {
				return err
			}
			if booked {
				next = *plan.IfBooked
			}
		}
		next.UpdatedAt = now
		if err := s.markSent(tx, key, now); err != nil {
			return err
		}
		// Only an active enrollment moves on: one stopped meanwhile (an
		// erasure, a bounce) stays stopped.
		err := tx.Model(&models.Enrollment{}).Where("subscriber_id = ? AND next_step = ? AND status = ?", key.SubscriberID, key.Step, models.EnrollmentActive).
			Updates(map[string]any{
				"status": next.Status, "next_step": next.NextStep, "next_send_at": next.NextSendAt,
				"last_day": next.LastDay, "anchor": next.Anchor, "updated_at": now,
			}).Error
		if err != nil {
			return err
		}
		return queueDelivery(tx, next, now)
	})
	if err != nil {
		return next, fmt.Errorf("complete %s: %w", key, err)
	}
	return next, nil
}

// completeStepPostgres does CompleteStep's three writes as one statement,
// which PostgreSQL runs as one transaction: one round trip instead of five.
func (s *Store) completeStepPostgres(ctx context.Context, key models.DeliveryKey, next models.Enrollment, now time.Time) error {
	args := []any{models.DeliverySent, now, now, key.SubscriberID, key.Kind, key.Step,
		next.Status, next.NextStep, next.NextSendAt, next.LastDay, next.Anchor, now, key.SubscriberID, key.Step, models.EnrollmentActive}
	primary := "SELECT count(*) FROM sent, moved"
	if next.Status == models.EnrollmentActive && next.NextStep != "" {
		primary = `INSERT INTO deliveries (subscriber_id, kind, step, state, attempts, last_error, created_at, updated_at)
VALUES (?, ?, ?, ?, 0, '', ?, ?) ON CONFLICT DO NOTHING`
		args = append(args, next.SubscriberID, models.KindLesson, next.NextStep, models.DeliveryQueued, now, now)
	}
	return s.db.WithContext(ctx).Exec(`WITH sent AS (
  UPDATE deliveries SET state = ?, sent_at = ?, updated_at = ? WHERE subscriber_id = ? AND kind = ? AND step = ? RETURNING id
), moved AS (
  UPDATE enrollments SET status = ?, next_step = ?, next_send_at = ?, last_day = ?, anchor = ?, updated_at = ?
  WHERE subscriber_id = ? AND next_step = ? AND status = ? RETURNING subscriber_id
) `+primary, args...).Error
}

// DueEnrollments lists active enrollments of active subscribers whose next
// lesson is due by until, oldest first. It reads only what is due, through
// the index on next_send_at: enrollments not due have a later next_send_at
// or none (finished, stopped).
func (s *Store) DueEnrollments(ctx context.Context, until time.Time, limit int) ([]models.Enrollment, error) {
	return s.DueEnrollmentsAfter(ctx, until, nil, limit)
}

// DueEnrollmentsAfter is DueEnrollments from after on (nil: the start), in
// the order of (next_send_at, subscriber_id): a sweep that pages through
// what is due, so that rows that stay due (an address that keeps failing
// for now) do not keep the rest out of a page.
func (s *Store) DueEnrollmentsAfter(ctx context.Context, until time.Time, after *models.DueCursor, limit int) ([]models.Enrollment, error) {
	q := dueEnrollments(s.read.WithContext(ctx), until, limit)
	if after != nil {
		at := after.At.UTC()
		// The first bound starts the index range at the cursor; the second
		// steps past the rows of its instant already read.
		q = q.Where("enrollments.next_send_at >= ? AND (enrollments.next_send_at > ? OR enrollments.subscriber_id > ?)", at, at, after.SubscriberID)
	}
	var es []models.Enrollment
	if err := q.Find(&es).Error; err != nil {
		return nil, fmt.Errorf("list due enrollments: %w", err)
	}
	return es, nil
}

// ExplainDueEnrollments returns PostgreSQL's plan for DueEnrollments, one
// line per plan node: what an operator, and a test, reads to see the sweep
// use its index.
func (s *Store) ExplainDueEnrollments(ctx context.Context, until time.Time, limit int) (string, error) {
	if s.Dialect() != "postgres" {
		return "", fmt.Errorf("explain due enrollments: PostgreSQL only, not %s", s.Dialect())
	}
	db := s.db.WithContext(ctx)
	stmt := dueEnrollments(db.Session(&gorm.Session{DryRun: true}), until, limit).Find(&[]models.Enrollment{}).Statement
	var lines []string
	if err := db.Raw("EXPLAIN "+stmt.SQL.String(), stmt.Vars...).Scan(&lines).Error; err != nil {
		return "", fmt.Errorf("explain due enrollments: %w", err)
	}
	return strings.Join(lines, "\n"), nil
}

func dueEnrollments(db *gorm.DB, until time.Time, limit int) *gorm.DB {
	return db.Model(&models.Enrollment{}).
		Joins("JOIN subscribers ON subscribers.id = enrollments.subscriber_id").
		Where("enrollments.status = ? AND subscribers.status = ?", models.EnrollmentActive, models.StatusActive).
		Where("enrollments.next_send_at IS NOT NULL AND enrollments.next_send_at <= ?", until).
		Order("enrollments.next_send_at, enrollments.subscriber_id").Limit(limit)
}

func queueDelivery(tx *gorm.DB, e models.Enrollment, now time.Time) error {
	if e.Status != models.EnrollmentActive || e.NextStep == "" {
		return nil
	}
	d := models.Delivery{SubscriberID: e.SubscriberID, Kind: models.KindLesson, Step: e.NextStep, State: models.DeliveryQueued, CreatedAt: now, UpdatedAt: now}
	return tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&d).Error
}

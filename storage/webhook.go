package storage

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"time"

	"github.com/dripbook/dripbook/models"
	"gorm.io/gorm"
)

// SetWebhooks turns the webhook outbox on: from then on every change that
// makes an event writes it in the change's own transaction. Off, nothing
// is written.
func (s *Store) SetWebhooks(on bool) { s.webhooks = on }

// webhookBody is an event as POSTed, per the Standard Webhooks convention.
type webhookBody struct {
	Type      string    `json:"type"`
	Timestamp time.Time `json:"timestamp"`
	Data      any       `json:"data"`
}

// emitEvent writes one event about subscriber sub to the outbox in tx, so
// it commits or rolls back with the change it reports. It is a no-op while
// webhooks are off.
func (s *Store) emitEvent(tx *gorm.DB, typ string, sub int64, data any) error {
	if !s.webhooks {
		return nil
	}
	now := s.now()
	body, err := json.Marshal(webhookBody{Type: typ, Timestamp: now, Data: data})
	if err != nil {
		return fmt.Errorf("encode %s event: %w", typ, err)
	}
	ev := models.WebhookEvent{ID: "msg_" + rand.Text(), Type: typ, SubscriberID: sub, Payload: string(body), CreatedAt: now}
	if err := tx.Create(&ev).Error; err != nil {
		return fmt.Errorf("record %s event: %w", typ, err)
	}
	return nil
}

// emitSubscriberEvent emits typ about subscriber id as it is in tx.
func (s *Store) emitSubscriberEvent(tx *gorm.DB, typ string, id int64) error {
	if !s.webhooks {
		return nil
	}
	sub, err := webhookSubscriber(tx, id)
	if err != nil {
		return err
	}
	return s.emitEvent(tx, typ, id, sub)
}

// emitLessonEvent emits typ about a lesson of subscriber id.
func (s *Store) emitLessonEvent(tx *gorm.DB, typ string, id int64, lesson string) error {
	if !s.webhooks {
		return nil
	}
	sub, err := webhookSubscriber(tx, id)
	if err != nil {
		return err
	}
	return s.emitEvent(tx, typ, id, models.WebhookLesson{Lesson: lesson, Subscriber: sub})
}

// emitBookingEvent emits typ about booking id as it is in tx.
func (s *Store) emitBookingEvent(tx *gorm.DB, typ string, id int64) error {
	if !s.webhooks {
		return nil
	}
	var b models.Booking
	if err := tx.Where("id = ?", id).Take(&b).Error; err != nil {
		return fmt.Errorf("load booking %d for %s: %w", id, typ, err)
	}
	sub, err := webhookSubscriber(tx, b.SubscriberID)
	if err != nil {
		return err
	}
	return s.emitEvent(tx, typ, b.SubscriberID, models.WebhookBooking{
		ID: b.ID, Start: b.Start.UTC(), End: b.End.UTC(), Status: b.Status, Scheduler: b.Scheduler, Subscriber: sub,
	})
}

func webhookSubscriber(tx *gorm.DB, id int64) (models.WebhookSubscriber, error) {
	var sub models.Subscriber
	if err := tx.Where("id = ?", id).Take(&sub).Error; err != nil {
		return models.WebhookSubscriber{}, fmt.Errorf("load subscriber %d for event: %w", id, err)
	}
	return models.WebhookSubscriber{ID: sub.ID, Email: sub.Email, Name: sub.Name}, nil
}

// WebhookEvent returns one event of the outbox, or ErrNotFound.
func (s *Store) WebhookEvent(ctx context.Context, id string) (models.WebhookEvent, error) {
	return take[models.WebhookEvent](s.db.WithContext(ctx).Where("id = ?", id), "webhook event "+id)
}

// UndeliveredWebhookEvents lists the ids of events not yet delivered that
// have attempts left, oldest first, for the reconciler.
func (s *Store) UndeliveredWebhookEvents(ctx context.Context, limit int) ([]string, error) {
	return s.webhookEvents(ctx, "attempts < ?", models.WebhookMaxAttempts, limit)
}

// NewWebhookEvents lists the ids of events never tried yet, oldest first:
// what the reconciler queues every second, so an event does not wait for
// its full round.
func (s *Store) NewWebhookEvents(ctx context.Context, limit int) ([]string, error) {
	return s.webhookEvents(ctx, "attempts = ?", 0, limit)
}

func (s *Store) webhookEvents(ctx context.Context, cond string, arg any, limit int) ([]string, error) {
	var ids []string
	err := s.db.WithContext(ctx).Model(&models.WebhookEvent{}).
		Where("delivered_at IS NULL").Where(cond, arg).
		Order("created_at").Limit(limit).Pluck("id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("list undelivered webhook events: %w", err)
	}
	return ids, nil
}

// RecordWebhookAttempt counts one delivery of event id: delivered when
// failure is empty, else failed with failure as its last error. A
// delivery keeps the error of the attempt before it, for the record.
func (s *Store) RecordWebhookAttempt(ctx context.Context, id, failure string) error {
	fields := map[string]any{"attempts": gorm.Expr("attempts + 1")}
	if failure == "" {
		fields["delivered_at"] = s.now()
	} else {
		fields["last_error"] = truncate(failure, 1000)
	}
	if err := s.db.WithContext(ctx).Model(&models.WebhookEvent{}).Where("id = ?", id).Updates(fields).Error; err != nil {
		return fmt.Errorf("record webhook attempt %s: %w", id, err)
	}
	return nil
}

// FailingWebhookEvents lists, newest first, the events whose deliveries
// have failed so far: still being retried, or given up after
// models.WebhookMaxAttempts.
func (s *Store) FailingWebhookEvents(ctx context.Context, limit int) ([]models.WebhookEvent, error) {
	var evs []models.WebhookEvent
	err := s.db.WithContext(ctx).Where("delivered_at IS NULL AND attempts > 0").
		Order("created_at DESC").Limit(limit).Find(&evs).Error
	if err != nil {
		return nil, fmt.Errorf("list failing webhook events: %w", err)
	}
	return evs, nil
}

// RetryWebhookEvent gives an event whose deliveries gave up its attempts
// back, so the reconciler queues it again at once, with the same
// webhook-id. It reports models.ErrNotFound for an event that is unknown,
// delivered or still being retried.
func (s *Store) RetryWebhookEvent(ctx context.Context, id string) error {
	res := s.db.WithContext(ctx).Model(&models.WebhookEvent{}).
		Where("id = ? AND delivered_at IS NULL AND attempts >= ?", id, models.WebhookMaxAttempts).Update("attempts", 0)
	if res.Error != nil {
		return fmt.Errorf("retry webhook event %s: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("webhook event %s: %w", id, models.ErrNotFound)
	}
	return nil
}

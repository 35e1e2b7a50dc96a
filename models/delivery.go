package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Delivery kinds.
const (
	KindConfirm = "confirm"
	KindLesson  = "lesson"
)

// Delivery states: queued → sending → sent or failed. retry is a sending that
// failed for a temporary reason and will be tried again.
const (
	DeliveryQueued  = "queued"
	DeliverySending = "sending"
	DeliveryRetry   = "retry"
	DeliverySent    = "sent"
	DeliveryFailed  = "failed"
)

// ErrAlreadySent means the delivery went out before; the caller must not send
// it again.
var ErrAlreadySent = errors.New("already sent")

// ErrInFlight means another worker holds the delivery right now.
var ErrInFlight = errors.New("being sent by another worker")

// ErrDeliveryFailed means the delivery failed permanently before.
var ErrDeliveryFailed = errors.New("failed permanently before")

// Delivery is one email in the delivery log. (SubscriberID, Kind, Step) is
// unique, which is what makes sending idempotent.
type Delivery struct {
	ID           int64 `gorm:"primaryKey"`
	SubscriberID int64
	Kind         string
	Step         string
	State        string
	Attempts     int
	LastError    string
	SentAt       *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// DeliveryKey identifies one email to one subscriber.
type DeliveryKey struct {
	SubscriberID int64
	Kind         string
	Step         string
}

func (k DeliveryKey) String() string {
	return fmt.Sprintf("%s:%d:%s", k.Kind, k.SubscriberID, k.Step)
}

// ClaimDelivery takes the right to send one email. It succeeds for a new,
// queued or retrying delivery, and for one stuck in sending for longer than
// lease (its worker died). It fails with ErrAlreadySent, ErrDeliveryFailed or
// ErrInFlight otherwise. The claim is one conditional UPDATE, so two workers
// never both win.
func (s *Store) ClaimDelivery(ctx context.Context, key DeliveryKey, lease time.Duration) error {
	now := s.now()
	db := s.db.WithContext(ctx)
	d := Delivery{SubscriberID: key.SubscriberID, Kind: key.Kind, Step: key.Step,
		State: DeliverySending, Attempts: 1, CreatedAt: now, UpdatedAt: now}
	ins := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&d)
	if ins.Error != nil {
		return fmt.Errorf("claim %s: %w", key, ins.Error)
	}
	if ins.RowsAffected == 1 {
		return nil
	}
	upd := db.Model(&Delivery{}).
		Where("subscriber_id = ? AND kind = ? AND step = ?", key.SubscriberID, key.Kind, key.Step).
		Where("state IN ? OR (state = ? AND updated_at < ?)", []string{DeliveryQueued, DeliveryRetry}, DeliverySending, now.Add(-lease)).
		Updates(map[string]any{"state": DeliverySending, "attempts": gorm.Expr("attempts + 1"), "updated_at": now})
	if upd.Error != nil {
		return fmt.Errorf("claim %s: %w", key, upd.Error)
	}
	if upd.RowsAffected == 1 {
		return nil
	}
	cur, err := s.Delivery(ctx, key)
	if err != nil {
		return err
	}
	switch cur.State {
	case DeliverySent:
		return ErrAlreadySent
	case DeliveryFailed:
		return ErrDeliveryFailed
	default:
		return ErrInFlight
	}
}

// Delivery returns one delivery by key.
func (s *Store) Delivery(ctx context.Context, key DeliveryKey) (Delivery, error) {
	q := s.db.WithContext(ctx).Where("subscriber_id = ? AND kind = ? AND step = ?", key.SubscriberID, key.Kind, key.Step)
	return take[Delivery](q, "delivery "+key.String())
}

// Deliveries lists a subscriber's deliveries in the order they were created.
func (s *Store) Deliveries(ctx context.Context, subscriberID int64) ([]Delivery, error) {
	var ds []Delivery
	if err := s.db.WithContext(ctx).Where("subscriber_id = ?", subscriberID).Order("id").Find(&ds).Error; err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	return ds, nil
}

// SentSteps returns the steps of kind already sent to a subscriber.
func (s *Store) SentSteps(ctx context.Context, subscriberID int64, kind string) (map[string]bool, error) {
	var steps []string
	err := s.db.WithContext(ctx).Model(&Delivery{}).
		Where("subscriber_id = ? AND kind = ? AND state = ?", subscriberID, kind, DeliverySent).
		Pluck("step", &steps).Error
	if err != nil {
		return nil, fmt.Errorf("list sent steps: %w", err)
	}
	sent := make(map[string]bool, len(steps))
	for _, st := range steps {
		sent[st] = true
	}
	return sent, nil
}

// RetryFailed puts a subscriber's permanently failed deliveries of kind back
// in the queue: after a fresh opt-in, the address is worth another try.
func (s *Store) RetryFailed(ctx context.Context, subscriberID int64, kind string) error {
	err := s.db.WithContext(ctx).Model(&Delivery{}).
		Where("subscriber_id = ? AND kind = ? AND state = ?", subscriberID, kind, DeliveryFailed).
		Updates(map[string]any{"state": DeliveryQueued, "updated_at": s.now()}).Error
	if err != nil {
		return fmt.Errorf("retry failed deliveries: %w", err)
	}
	return nil
}

// MarkSent records a successful send.
func (s *Store) MarkSent(ctx context.Context, key DeliveryKey) error {
	return s.mark(ctx, key, DeliverySent, "")
}

// MarkRetry records a temporary failure; the delivery will be claimed again.
func (s *Store) MarkRetry(ctx context.Context, key DeliveryKey, cause error) error {
	return s.mark(ctx, key, DeliveryRetry, cause.Error())
}

// MarkFailed records a permanent failure.
func (s *Store) MarkFailed(ctx context.Context, key DeliveryKey, cause error) error {
	return s.mark(ctx, key, DeliveryFailed, cause.Error())
}

func (s *Store) mark(ctx context.Context, key DeliveryKey, state, lastErr string) error {
	if err := markDelivery(s.db.WithContext(ctx), key, state, lastErr, s.now()); err != nil {
		return fmt.Errorf("mark %s %s: %w", key, state, err)
	}
	return nil
}

func markDelivery(tx *gorm.DB, key DeliveryKey, state, lastErr string, now time.Time) error {
	fields := map[string]any{"state": state, "updated_at": now}
	if lastErr != "" {
		fields["last_error"] = truncate(lastErr, 1000)
	}
	if state == DeliverySent {
		fields["sent_at"] = now
	}
	return tx.Model(&Delivery{}).
		Where("subscriber_id = ? AND kind = ? AND step = ?", key.SubscriberID, key.Kind, key.Step).
		Updates(fields).Error
}

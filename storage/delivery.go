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

// ClaimDelivery takes the right to send one email. It succeeds for a new,
// queued or retrying delivery, and for one stuck in sending for longer than
// lease (its worker died). It fails with ErrAlreadySent, ErrDeliveryFailed or
// ErrInFlight otherwise. The claim is one conditional UPDATE, so two workers
// never both win.
func (s *Store) ClaimDelivery(ctx context.Context, key models.DeliveryKey, lease time.Duration) error {
	now := s.now()
	db := s.db.WithContext(ctx)
	d := models.Delivery{SubscriberID: key.SubscriberID, Kind: key.Kind, Step: key.Step,
		State: models.DeliverySending, Attempts: 1, CreatedAt: now, UpdatedAt: now}
	ins := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&d)
	if ins.Error != nil {
		return fmt.Errorf("claim %s: %w", key, ins.Error)
	}
	if ins.RowsAffected == 1 {
		return nil
	}
	upd := db.Model(&models.Delivery{}).
		Where("subscriber_id = ? AND kind = ? AND step = ?", key.SubscriberID, key.Kind, key.Step).
		Where("state IN ? OR (state = ? AND updated_at < ?)", []string{models.DeliveryQueued, models.DeliveryRetry}, models.DeliverySending, now.Add(-lease)).
		Updates(map[string]any{"state": models.DeliverySending, "attempts": gorm.Expr("attempts + 1"), "updated_at": now})
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
	case models.DeliverySent:
		return models.ErrAlreadySent
	case models.DeliveryFailed:
		return models.ErrDeliveryFailed
	default:
		return models.ErrInFlight
	}
}

// RenewClaim keeps a claim taken by ClaimDelivery or ClaimLesson from
// lapsing while its send runs long: it moves the claim's time to now. It
// reports false when the delivery is no longer being sent, so that the send
// has nothing left to hold.
func (s *Store) RenewClaim(ctx context.Context, key models.DeliveryKey) (bool, error) {
	upd := s.db.WithContext(ctx).Model(&models.Delivery{}).
		Where("subscriber_id = ? AND kind = ? AND step = ? AND state = ?", key.SubscriberID, key.Kind, key.Step, models.DeliverySending).
		Update("updated_at", s.now())
	if upd.Error != nil {
		return false, fmt.Errorf("renew claim %s: %w", key, upd.Error)
	}
	return upd.RowsAffected == 1, nil
}

// Delivery returns one delivery by key.
func (s *Store) Delivery(ctx context.Context, key models.DeliveryKey) (models.Delivery, error) {
	q := s.db.WithContext(ctx).Where("subscriber_id = ? AND kind = ? AND step = ?", key.SubscriberID, key.Kind, key.Step)
	return take[models.Delivery](q, "delivery "+key.String())
}

// DoneDeliveries says which of keys are done: sent, or refused for good.
// One query, however many keys.
func (s *Store) DoneDeliveries(ctx context.Context, keys []models.DeliveryKey) (map[models.DeliveryKey]bool, error) {
	done := make(map[models.DeliveryKey]bool, len(keys))
	if len(keys) == 0 {
		return done, nil
	}
	ids, kinds, steps := make([]int64, len(keys)), make([]models.Kind, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		ids[i], kinds[i], steps[i] = k.SubscriberID, k.Kind, k.Step
	}
	var ds []models.Delivery
	err := s.db.WithContext(ctx).Select("subscriber_id", "kind", "step").
		Where("subscriber_id IN ? AND kind IN ? AND step IN ? AND state IN ?", ids, kinds, steps, []string{models.DeliverySent, models.DeliveryFailed}).
		Find(&ds).Error
	if err != nil {
		return nil, fmt.Errorf("list done deliveries: %w", err)
	}
	want := make(map[models.DeliveryKey]bool, len(keys))
	for _, k := range keys {
		want[k] = true
	}
	for _, d := range ds {
		if k := (models.DeliveryKey{SubscriberID: d.SubscriberID, Kind: d.Kind, Step: d.Step}); want[k] {
			done[k] = true
		}
	}
	return done, nil
}

// Deliveries lists a subscriber's deliveries in the order they were created.
func (s *Store) Deliveries(ctx context.Context, subscriberID int64) ([]models.Delivery, error) {
	var ds []models.Delivery
	if err := s.db.WithContext(ctx).Where("subscriber_id = ?", subscriberID).Order("id").Find(&ds).Error; err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	return ds, nil
}

// SentSteps returns the steps of kind already sent to a subscriber.
func (s *Store) SentSteps(ctx context.Context, subscriberID int64, kind models.Kind) (map[string]bool, error) {
	return s.stepsIn(ctx, subscriberID, kind, models.DeliverySent)
}

// FinishedSteps lists the steps of a kind that a subscriber's deliveries
// are done with: sent, or refused for good. The course plans past both.
func (s *Store) FinishedSteps(ctx context.Context, subscriberID int64, kind models.Kind) (map[string]bool, error) {
	return s.stepsIn(ctx, subscriberID, kind, models.DeliverySent, models.DeliveryFailed)
}

// stepsIn lists the steps of kind whose delivery to a subscriber is in one
// of states.
func (s *Store) stepsIn(ctx context.Context, subscriberID int64, kind models.Kind, states ...string) (map[string]bool, error) {
	var steps []string
	err := s.db.WithContext(ctx).Model(&models.Delivery{}).
		Where("subscriber_id = ? AND kind = ? AND state IN ?", subscriberID, kind, states).
		Pluck("step", &steps).Error
	if err != nil {
		return nil, fmt.Errorf("list %s steps: %w", strings.Join(states, " or "), err)
	}
	set := make(map[string]bool, len(steps))
	for _, st := range steps {
		set[st] = true
	}
	return set, nil
}

// RetryFailed puts a subscriber's permanently failed deliveries of kind back
// in the queue: after a fresh opt-in, the address is worth another try.
func (s *Store) RetryFailed(ctx context.Context, subscriberID int64, kind models.Kind) error {
	err := s.db.WithContext(ctx).Model(&models.Delivery{}).
		Where("subscriber_id = ? AND kind = ? AND state = ?", subscriberID, kind, models.DeliveryFailed).
		Updates(map[string]any{"state": models.DeliveryQueued, "updated_at": s.now()}).Error
	if err != nil {
		return fmt.Errorf("retry failed deliveries: %w", err)
	}
	return nil
}

// MarkSent records a successful send.
func (s *Store) MarkSent(ctx context.Context, key models.DeliveryKey) error {
	if !s.webhooks || key.Kind != models.KindLesson {
		return s.mark(ctx, key, models.DeliverySent, "")
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return s.markSent(tx, key, s.now()) })
	if err != nil {
		return fmt.Errorf("mark %s %s: %w", key, models.DeliverySent, err)
	}
	return nil
}

// markSent records key sent in tx; a lesson recorded sent for the first
// time is the lesson.sent event.
func (s *Store) markSent(tx *gorm.DB, key models.DeliveryKey, now time.Time) error {
	first := false
	if s.webhooks && key.Kind == models.KindLesson {
		var n int64
		err := tx.Model(&models.Delivery{}).Where("subscriber_id = ? AND kind = ? AND step = ? AND state <> ?",
			key.SubscriberID, key.Kind, key.Step, models.DeliverySent).Count(&n).Error
		if err != nil {
			return err
		}
		first = n > 0
	}
	if err := markDelivery(tx, key, models.DeliverySent, "", now); err != nil || !first {
		return err
	}
	return s.emitLessonEvent(tx, models.EventLessonSent, key.SubscriberID, key.Step)
}

// MarkRetry records a temporary failure; the delivery will be claimed again.
func (s *Store) MarkRetry(ctx context.Context, key models.DeliveryKey, cause error) error {
	return s.mark(ctx, key, models.DeliveryRetry, cause.Error())
}

// MarkPaused gives back a claim on which nothing was sent because sending is
// paused: the delivery goes back to retry, and the claim does not count as
// an attempt.
func (s *Store) MarkPaused(ctx context.Context, key models.DeliveryKey, cause error) error {
	err := s.db.WithContext(ctx).Model(&models.Delivery{}).
		Where("subscriber_id = ? AND kind = ? AND step = ? AND state = ?", key.SubscriberID, key.Kind, key.Step, models.DeliverySending).
		Updates(map[string]any{
			"state": models.DeliveryRetry, "attempts": gorm.Expr("attempts - 1"),
			"last_error": truncate(cause.Error(), 1000), "updated_at": s.now(),
		}).Error
	if err != nil {
		return fmt.Errorf("mark %s paused: %w", key, err)
	}
	return nil
}

// MarkFailed records a permanent failure.
func (s *Store) MarkFailed(ctx context.Context, key models.DeliveryKey, cause error) error {
	return s.mark(ctx, key, models.DeliveryFailed, cause.Error())
}

func (s *Store) mark(ctx context.Context, key models.DeliveryKey, state, lastErr string) error {
	if err := markDelivery(s.db.WithContext(ctx), key, state, lastErr, s.now()); err != nil {
		return fmt.Errorf("mark %s %s: %w", key, state, err)
	}
	return nil
}

func markDelivery(tx *gorm.DB, key models.DeliveryKey, state, lastErr string, now time.Time) error {
	fields := map[string]any{"state": state, "updated_at": now}
	if lastErr != "" {
		fields["last_error"] = truncate(lastErr, 1000)
	}
	if state == models.DeliverySent {
		fields["sent_at"] = now
	}
	return tx.Model(&models.Delivery{}).
		Where("subscriber_id = ? AND kind = ? AND step = ?", key.SubscriberID, key.Kind, key.Step).
		Updates(fields).Error
}

package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/dripbook/dripbook/fault"
	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/scorecard"
	"gorm.io/gorm"
)

// ErrNotYetHeld means a call's outcome was marked before it started.
var ErrNotYetHeld = fault.New(fault.Unprocessable, "not_yet_held", "the call has not started yet")

// ErrBadOutcome means an outcome other than attended or no-show.
var ErrBadOutcome = fault.New(fault.Invalid, "bad_outcome", "outcome must be attended or no_show")

// ConsoleBookings lists confirmed calls: those starting at or after now,
// soonest first, or (past) those before now, latest first.
func (s *Store) ConsoleBookings(ctx context.Context, now time.Time, past bool, limit int) ([]models.Booking, error) {
	q := s.db.WithContext(ctx).Where("status = ?", models.BookingConfirmed)
	if past {
		q = q.Where("starts_at < ?", now.UTC()).Order("starts_at DESC")
	} else {
		q = q.Where("starts_at >= ?", now.UTC()).Order("starts_at")
	}
	var bs []models.Booking
	if err := q.Limit(limit).Find(&bs).Error; err != nil {
		return nil, fmt.Errorf("list bookings: %w", err)
	}
	return bs, nil
}

// MarkOutcome records whether a confirmed call that has started was
// attended or a no-show; marking again changes it, and marking the same
// outcome again changes nothing. The conditions are the update's own, so a
// cancellation or another mark racing it cannot slip in between.
func (s *Store) MarkOutcome(ctx context.Context, id int64, outcome string) error {
	if outcome != models.OutcomeAttended && outcome != models.OutcomeNoShow {
		return ErrBadOutcome
	}
	now := s.now()
	event := models.EventBookingAttended
	if outcome == models.OutcomeNoShow {
		event = models.EventBookingNoShow
	}
	var changed int64
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&models.Booking{}).
			Where("id = ? AND status = ? AND starts_at <= ? AND outcome <> ?", id, models.BookingConfirmed, now.UTC(), outcome).
			Updates(map[string]any{"outcome": outcome, "outcome_at": now, "updated_at": now})
		if changed = res.RowsAffected; res.Error != nil || changed == 0 {
			return res.Error
		}
		return s.emitBookingEvent(tx, event, id)
	})
	if err != nil {
		return fmt.Errorf("mark booking %d %s: %w", id, outcome, err)
	}
	if changed > 0 {
		return nil
	}
	// Nothing changed: say why, from the row as it is now.
	b, err := s.Booking(ctx, id)
	switch {
	case err != nil:
		return err
	case b.Status != models.BookingConfirmed:
		return models.ErrNotConfirmed
	case b.Start.After(now):
		return ErrNotYetHeld
	}
	return nil // it already had this outcome
}

// Subscribers loads the subscribers of ids, by id.
func (s *Store) Subscribers(ctx context.Context, ids []int64) (map[int64]models.Subscriber, error) {
	out := make(map[int64]models.Subscriber, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var subs []models.Subscriber
	if err := s.db.WithContext(ctx).Where("id IN ?", ids).Find(&subs).Error; err != nil {
		return nil, fmt.Errorf("load subscribers: %w", err)
	}
	for _, sub := range subs {
		out[sub.ID] = sub
	}
	return out, nil
}

// Progress is how far into the course a caller got: the brief the coach
// reads before the call.
type Progress struct {
	Sent      int               // lessons sent
	Clicked   []string          // lessons whose booking link was clicked, in the order first clicked
	Scorecard scorecard.Answers // zero when not filled in
}

// CallersProgress loads the Progress of the subscribers of ids, by id: three
// queries, however many callers.
func (s *Store) CallersProgress(ctx context.Context, ids []int64) (map[int64]Progress, error) {
	out := make(map[int64]Progress, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	db := s.db.WithContext(ctx)
	var sent []struct {
		SubscriberID int64
		N            int
	}
	err := db.Model(&models.Delivery{}).Select("subscriber_id, count(*) AS n").
		Where("subscriber_id IN ? AND kind = ? AND state = ?", ids, models.KindLesson, models.DeliverySent).
		Group("subscriber_id").Scan(&sent).Error
	if err != nil {
		return nil, fmt.Errorf("count sent lessons: %w", err)
	}
	for _, r := range sent {
		p := out[r.SubscriberID]
		p.Sent = r.N
		out[r.SubscriberID] = p
	}
	var clicks []models.Click
	if err := db.Where("subscriber_id IN ?", ids).Order("id").Find(&clicks).Error; err != nil {
		return nil, fmt.Errorf("list clicks: %w", err)
	}
	seen := map[models.Click]bool{}
	for _, cl := range clicks {
		key := models.Click{SubscriberID: cl.SubscriberID, Lesson: cl.Lesson}
		if seen[key] {
			continue
		}
		seen[key] = true
		p := out[cl.SubscriberID]
		p.Clicked = append(p.Clicked, cl.Lesson)
		out[cl.SubscriberID] = p
	}
	var cards []models.Scorecard
	if err := db.Where("subscriber_id IN ?", ids).Find(&cards).Error; err != nil {
		return nil, fmt.Errorf("list scorecards: %w", err)
	}
	for _, c := range cards {
		answers, err := scorecard.Decode(c.Answers)
		if err != nil {
			return nil, fmt.Errorf("scorecard of %d: %w", c.SubscriberID, err)
		}
		p := out[c.SubscriberID]
		p.Scorecard = answers
		out[c.SubscriberID] = p
	}
	return out, nil
}

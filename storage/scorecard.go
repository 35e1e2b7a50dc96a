package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/scorecard"
)

// Scorecard returns the subscriber's gap scorecard, or models.ErrNotFound
// when they have not filled it in.
func (s *Store) Scorecard(ctx context.Context, subscriberID int64) (models.Scorecard, error) {
	return take[models.Scorecard](s.db.WithContext(ctx).Where("subscriber_id = ?", subscriberID), "scorecard")
}

// ScorecardOpen reports whether the subscriber may still change their
// scorecard: until a confirmed call of theirs has started.
func (s *Store) ScorecardOpen(ctx context.Context, subscriberID int64) (bool, error) {
	return scorecardOpen(s.db.WithContext(ctx), subscriberID, s.now())
}

func scorecardOpen(db *gorm.DB, subscriberID int64, now time.Time) (bool, error) {
	var n int64
	err := db.Model(&models.Booking{}).
		Where("subscriber_id = ? AND status = ? AND starts_at <= ?", subscriberID, models.BookingConfirmed, now).
		Limit(1).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("look up started call: %w", err)
	}
	return n == 0, nil
}

// SaveScorecard stores the subscriber's answers, replacing earlier ones: one
// row per subscriber, which the unique index keeps so under concurrent
// submissions. Once their call has started it is scorecard.ErrClosed.
func (s *Store) SaveScorecard(ctx context.Context, subscriberID int64, answers scorecard.Answers) error {
	enc, err := answers.Encode()
	if err != nil {
		return err
	}
	now := s.now()
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		open, err := scorecardOpen(tx, subscriberID, now)
		if err != nil {
			return err
		}
		if !open {
			return scorecard.ErrClosed
		}
		row := models.Scorecard{SubscriberID: subscriberID, Answers: enc, CreatedAt: now, UpdatedAt: now}
		return tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "subscriber_id"}},
			DoUpdates: clause.AssignmentColumns([]string{"answers", "updated_at"}),
		}).Create(&row).Error
	})
	if err != nil {
		return fmt.Errorf("save scorecard of %d: %w", subscriberID, err)
	}
	return nil
}

// ScorecardAnswers returns the subscriber's decoded answers; none filled in
// is the zero Answers.
func (s *Store) ScorecardAnswers(ctx context.Context, subscriberID int64) (scorecard.Answers, error) {
	row, err := s.Scorecard(ctx, subscriberID)
	if errors.Is(err, models.ErrNotFound) {
		return scorecard.Answers{}, nil
	}
	if err != nil {
		return scorecard.Answers{}, err
	}
	return scorecard.Decode(row.Answers)
}

package models

import "time"

// Scorecard is one subscriber's gap scorecard, one row each: Answers is the
// scorecard package's stored form.
type Scorecard struct {
	ID           int64 `gorm:"primaryKey"`
	SubscriberID int64
	Answers      string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

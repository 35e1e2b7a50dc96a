package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/dripbook/dripbook/models"
	"gorm.io/gorm"
)

// Funnel is how far the subscribers who signed up in a period got. Every
// count is of distinct subscribers of that cohort, so each step is a part
// of the one before it. Erased subscribers still count: their anonymous
// rows stay.
type Funnel struct {
	SignedUp  int64
	Confirmed int64
	Sent      map[string]int64 // lesson slug → subscribers it was sent to
	Clicked   map[string]int64 // lesson slug → subscribers who clicked its booking link
	Booked    int64
	Attended  int64
	NoShow    int64
}

// DayCount is the signups of one UTC day.
type DayCount struct {
	Day   string // YYYY-MM-DD
	Count int64
}

// cohort is the subscribers who signed up in [from, to).
func (s *Store) cohort(db *gorm.DB, from, to time.Time) *gorm.DB {
	return db.Model(&models.Subscriber{}).Select("id").Where("created_at >= ? AND created_at < ?", from.UTC(), to.UTC())
}

// Funnel counts the funnel of those who signed up in [from, to).
func (s *Store) Funnel(ctx context.Context, from, to time.Time) (Funnel, error) {
	db := s.db.WithContext(ctx)
	f := Funnel{Sent: map[string]int64{}, Clicked: map[string]int64{}}
	err := db.Model(&models.Subscriber{}).Where("created_at >= ? AND created_at < ?", from.UTC(), to.UTC()).
		Select("COUNT(*) AS signed_up, COUNT(confirmed_at) AS confirmed").
		Row().Scan(&f.SignedUp, &f.Confirmed)
	if err != nil {
		return Funnel{}, fmt.Errorf("count signups: %w", err)
	}
	var perStep []struct {
		Step  string
		Count int64
	}
	err = db.Model(&models.Delivery{}).Select("step, COUNT(DISTINCT subscriber_id) AS count").
		Where("kind = ? AND state = ? AND subscriber_id IN (?)", models.KindLesson, models.DeliverySent, s.cohort(db, from, to)).
		Group("step").Scan(&perStep).Error
	if err != nil {
		return Funnel{}, fmt.Errorf("count lessons sent: %w", err)
	}
	for _, r := range perStep {
		f.Sent[r.Step] = r.Count
	}
	perStep = nil
	err = db.Table("clicks").Select("lesson AS step, COUNT(DISTINCT subscriber_id) AS count").
		Where("subscriber_id IN (?)", s.cohort(db, from, to)).Group("lesson").Scan(&perStep).Error
	if err != nil {
		return Funnel{}, fmt.Errorf("count clicks: %w", err)
	}
	for _, r := range perStep {
		f.Clicked[r.Step] = r.Count
	}
	err = db.Model(&models.Booking{}).Where("subscriber_id IN (?)", s.cohort(db, from, to)).
		Select("COUNT(DISTINCT subscriber_id), "+
			"COUNT(DISTINCT CASE WHEN outcome = 'attended' THEN subscriber_id END), "+
			"COUNT(DISTINCT CASE WHEN outcome = 'no_show' THEN subscriber_id END)").
		Row().Scan(&f.Booked, &f.Attended, &f.NoShow)
	if err != nil {
		return Funnel{}, fmt.Errorf("count bookings: %w", err)
	}
	return f, nil
}

// SignupsPerDay counts the signups of each UTC day in [from, to) that had
// any, oldest first.
func (s *Store) SignupsPerDay(ctx context.Context, from, to time.Time) ([]DayCount, error) {
	day := "substr(CAST(created_at AS TEXT), 1, 10)"
	if s.Dialect() == "postgres" {
		day = "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
	}
	var out []DayCount
	err := s.db.WithContext(ctx).Model(&models.Subscriber{}).
		Select(day+" AS day, COUNT(*) AS count").
		Where("created_at >= ? AND created_at < ?", from.UTC(), to.UTC()).
		Group("day").Order("day").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("count signups per day: %w", err)
	}
	return out, nil
}

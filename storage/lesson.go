package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dripbook/dripbook/models"
	"gorm.io/gorm"
)

// lessonStateRow is one row of the LessonState query.
type lessonStateRow struct {
	models.Subscriber
	EnrStatus    *string
	EnrNextStep  string
	EnrNextSend  *time.Time
	EnrLastDay   int
	EnrAnchor    *time.Time
	EnrCreatedAt *time.Time
	EnrUpdatedAt *time.Time
	Booked       bool
	Sent         *string
}

// LessonState loads what a lesson send decides on in one query. It returns
// ErrNotFound when the subscriber does not exist.
func (s *Store) LessonState(ctx context.Context, subscriberID int64) (models.LessonState, error) {
	agg := "group_concat(d.step, ',')"
	if s.Dialect() == "postgres" {
		agg = "string_agg(d.step, ',')"
	}
	var rows []lessonStateRow
	err := s.read.WithContext(ctx).Raw(`SELECT s.*,
  e.status AS enr_status, e.next_step AS enr_next_step, e.next_send_at AS enr_next_send,
  e.last_day AS enr_last_day, e.anchor AS enr_anchor, e.created_at AS enr_created_at, e.updated_at AS enr_updated_at,
  EXISTS (SELECT 1 FROM bookings b WHERE b.subscriber_id = s.id AND b.`+confirmedSQL+`) AS booked,
  (SELECT `+agg+` FROM deliveries d WHERE d.subscriber_id = s.id AND d.kind = ? AND d.state IN (?, ?)) AS sent
FROM subscribers s LEFT JOIN enrollments e ON e.subscriber_id = s.id
WHERE s.id = ?`, models.KindLesson, models.DeliverySent, models.DeliveryFailed, subscriberID).Scan(&rows).Error
	if err != nil {
		return models.LessonState{}, fmt.Errorf("load lesson state %d: %w", subscriberID, err)
	}
	if len(rows) == 0 {
		return models.LessonState{}, models.ErrNotFound
	}
	r := rows[0]
	st := models.LessonState{Subscriber: r.Subscriber, Booked: r.Booked, Sent: map[string]bool{}}
	if r.EnrStatus != nil {
		st.Enrollment = &models.Enrollment{SubscriberID: r.ID, Status: *r.EnrStatus, NextStep: r.EnrNextStep,
			NextSendAt: r.EnrNextSend, LastDay: r.EnrLastDay, Anchor: deref(r.EnrAnchor),
			CreatedAt: deref(r.EnrCreatedAt), UpdatedAt: deref(r.EnrUpdatedAt)}
	}
	if r.Sent != nil && *r.Sent != "" {
		for step := range strings.SplitSeq(*r.Sent, ",") {
			st.Sent[step] = true
		}
	}
	return st, nil
}

func deref[T any](p *T) T {
	var v T
	if p != nil {
		v = *p
	}
	return v
}

// lessonDueSQL is the condition under which a lesson may still go out: the
// subscriber is active and their enrollment waits for this lesson. The
// arguments are the subscriber's id twice and the lesson's slug.
const lessonDueSQL = `EXISTS (SELECT 1 FROM subscribers s WHERE s.id = ? AND s.status = ?)
 AND EXISTS (SELECT 1 FROM enrollments e WHERE e.subscriber_id = ? AND e.status = ? AND e.next_step = ?)`

// confirmedSQL is the condition of a confirmed booking. The status is
// written out, not bound: the partial indexes on confirmed bookings serve
// only a status known when the statement is planned, and SQLite plans a
// statement whose bound status might match them afresh at every call.
const confirmedSQL = `status = '` + models.BookingConfirmed + `'`

// notBookedSQL adds, for a sales lesson, that no call is booked.
const notBookedSQL = ` AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.subscriber_id = ? AND b.` + confirmedSQL + `)`

// ClaimLesson takes the right to send a lesson, as ClaimDelivery does, and
// checks in the same statement, as late as it can be, that the lesson is
// still due: the subscriber is active, the enrollment waits for it, and,
// when stopWhenBooked, no call is booked. Otherwise it fails with
// ErrNotDue. A claim is one conditional UPDATE of the delivery that
// enrolling queued; an INSERT on the same conditions covers a delivery
// never queued.
func (s *Store) ClaimLesson(ctx context.Context, key models.DeliveryKey, lease time.Duration, stopWhenBooked bool) error {
	now := s.now()
	cond := lessonDueSQL
	args := []any{key.SubscriberID, models.StatusActive, key.SubscriberID, models.EnrollmentActive, key.Step}
	if stopWhenBooked {
		cond += notBookedSQL
		args = append(args, key.SubscriberID)
	}
	db := s.db.WithContext(ctx)
	upd := db.Exec(`UPDATE deliveries SET state = ?, attempts = attempts + 1, updated_at = ?
WHERE subscriber_id = ? AND kind = ? AND step = ?
 AND (state IN (?, ?) OR (state = ? AND updated_at < ?)) AND `+cond,
		append([]any{models.DeliverySending, now, key.SubscriberID, key.Kind, key.Step,
			models.DeliveryQueued, models.DeliveryRetry, models.DeliverySending, now.Add(-lease)}, args...)...)
	if upd.Error != nil {
		return fmt.Errorf("claim %s: %w", key, upd.Error)
	}
	if upd.RowsAffected == 1 {
		return nil
	}
	cur, err := s.Delivery(ctx, key)
	switch {
	case errors.Is(err, models.ErrNotFound):
		return s.claimNewLesson(db, key, now, cond, args)
	case err != nil:
		return err
	}
	return claimRefused(cur, now, lease)
}

func (s *Store) claimNewLesson(db *gorm.DB, key models.DeliveryKey, now time.Time, cond string, args []any) error {
	ins := db.Exec(`INSERT INTO deliveries (subscriber_id, kind, step, state, attempts, last_error, created_at, updated_at)
SELECT ?, ?, ?, ?, 1, '', ?, ? WHERE `+cond+` ON CONFLICT DO NOTHING`,
		append([]any{key.SubscriberID, key.Kind, key.Step, models.DeliverySending, now, now}, args...)...)
	if ins.Error != nil {
		return fmt.Errorf("claim %s: %w", key, ins.Error)
	}
	if ins.RowsAffected == 1 {
		return nil
	}
	cur, err := s.Delivery(db.Statement.Context, key)
	if errors.Is(err, models.ErrNotFound) {
		return models.ErrNotDue
	}
	if err != nil {
		return err
	}
	return claimRefused(cur, now, 0)
}

// claimRefused says why a delivery in state cur was not claimed: it is
// done, someone else holds it, or (claimable as it is) the lesson is no
// longer due.
func claimRefused(cur models.Delivery, now time.Time, lease time.Duration) error {
	switch cur.State {
	case models.DeliverySent:
		return models.ErrAlreadySent
	case models.DeliveryFailed:
		return models.ErrDeliveryFailed
	case models.DeliverySending:
		if lease == 0 || !cur.UpdatedAt.Before(now.Add(-lease)) {
			return models.ErrInFlight
		}
	}
	return models.ErrNotDue
}

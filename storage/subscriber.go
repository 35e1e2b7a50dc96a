package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dripbook/dripbook/address"
	"github.com/dripbook/dripbook/models"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Subscribe stores a signup. A new address is created as pending; a pending
// one gets a new confirmation round only after ConfirmResendAfter; an
// unsubscribed or bounced one goes back to pending; an active one is left
// alone. Uniqueness is the database's: concurrent signups of one address make
// one row and one round. A round that would take the mailbox past
// ConfirmLimit in ConfirmWindow is not started, and a new address that would
// need one is not stored: the result is then the zero SignupResult.
func (s *Store) Subscribe(ctx context.Context, in models.Signup) (models.SignupResult, error) {
	if s.signups != nil {
		if err := s.signups.Acquire(ctx, 1); err != nil {
			return models.SignupResult{}, fmt.Errorf("subscribe: %w", err)
		}
		defer s.signups.Release(1)
	}
	now := s.now()
	if s.Dialect() == "postgres" {
		id, err := s.subscribeNewPostgres(ctx, in, now)
		if err != nil {
			return models.SignupResult{}, fmt.Errorf("subscribe: %w", err)
		}
		if id != 0 {
			return models.SignupResult{SubscriberID: id, Round: 1}, nil
		}
	}
	var res models.SignupResult
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		quota, err := lockConfirmQuota(tx, address.Mailbox(in.Email), now)
		if err != nil {
			return err
		}
		full, err := quota.full()
		if err != nil {
			return err
		}
		sub := models.Subscriber{
			Email: in.Email, Name: in.Name, Timezone: in.Timezone,
			Status: models.StatusPending, ConfirmRound: 1, ConfirmRequestedAt: now,
			CreatedAt: now, UpdatedAt: now,
		}
		if !full {
			ins := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "email"}}, DoNothing: true}).Create(&sub)
			if ins.Error != nil {
				return ins.Error
			}
			if ins.RowsAffected == 1 {
				res = models.SignupResult{SubscriberID: sub.ID, Round: 1}
				return newRound(tx, quota, sub.ID, in, now)
			}
		}
		err = tx.Where("email = ?", in.Email).Take(&sub).Error
		if errors.Is(err, gorm.ErrRecordNotFound) && full {
			return nil // a new address, and its mailbox has had enough mail today
		}
		if err != nil {
			return err
		}
		res.SubscriberID = sub.ID
		if full {
			return nil
		}
		var upd *gorm.DB
		switch sub.Status {
		case models.StatusActive:
			return nil
		case models.StatusPending:
			upd = tx.Model(&models.Subscriber{}).
				Where("id = ? AND status = ? AND confirm_requested_at < ?", sub.ID, models.StatusPending, now.Add(-models.ConfirmResendAfter)).
				Updates(map[string]any{
					"confirm_round":        gorm.Expr("confirm_round + 1"),
					"confirm_requested_at": now,
					"updated_at":           now,
				})
		default: // unsubscribed or bounced: start again with a fresh opt-in
			upd = tx.Model(&models.Subscriber{}).
				Where("id = ? AND status = ?", sub.ID, sub.Status).
				Updates(map[string]any{
					"status":               models.StatusPending,
					"name":                 in.Name,
					"timezone":             in.Timezone,
					"confirm_round":        gorm.Expr("confirm_round + 1"),
					"confirm_requested_at": now,
					"updated_at":           now,
				})
		}
		if upd.Error != nil {
			return upd.Error
		}
		if upd.RowsAffected == 0 {
			return nil
		}
		if err := tx.Select("confirm_round").Where("id = ?", sub.ID).Take(&sub).Error; err != nil {
			return err
		}
		res.Round = sub.ConfirmRound
		return newRound(tx, quota, sub.ID, in, now)
	})
	if err != nil {
		return models.SignupResult{}, fmt.Errorf("subscribe: %w", err)
	}
	return res, nil
}

// subscribeNewPostgres is the signup of a new address whose mailbox has
// room under its quota, done as the transaction below does it but in one
// round trip: the mailbox's lock and one statement that counts the quota
// and writes the subscriber, the confirmation round and the consent, sent
// as one batch that PostgreSQL runs as one implicit transaction. It returns
// 0 when that is not the case (the address is known, or the quota is
// full), and the transaction below decides.
func (s *Store) subscribeNewPostgres(ctx context.Context, in models.Signup, now time.Time) (int64, error) {
	sqlDB, err := s.db.DB()
	if err != nil {
		return 0, err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer func() { _ = conn.Close() }()
	mailbox := address.Mailbox(in.Email)
	var id int64
	err = conn.Raw(func(dc any) error {
		pc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("a PostgreSQL connection is a %T, not pgx's", dc)
		}
		b := &pgx.Batch{}
		// The lock lockConfirmQuota takes.
		b.Queue("SELECT pg_advisory_xact_lock(CAST($1 AS integer), hashtext($2))", mailboxLock, mailbox)
		// Positional, in subscribeNewSQL's order: named arguments would
		// rewrite the statement's text on every signup.
		b.Queue(subscribeNewSQL, mailbox, now.Add(-ConfirmWindow), ConfirmLimit, now,
			in.Email, in.Name, in.Timezone, models.StatusPending,
			in.IP, truncate(in.UserAgent, 512), in.TextVersion)
		br := pc.Conn().SendBatch(ctx, b)
		_, err := br.Exec()
		if err == nil {
			if err = br.QueryRow().Scan(&id); errors.Is(err, pgx.ErrNoRows) {
				err = nil
			}
		}
		return errors.Join(err, br.Close())
	})
	return id, err
}

// subscribeNewSQL writes a new address's subscriber, confirmation round and
// consent when the mailbox has room under its quota, and returns the
// subscriber's id; nothing otherwise. Its arguments: $1 mailbox, $2 since
// (the quota's window opens), $3 limit, $4 now, $5 email, $6 name,
// $7 timezone, $8 pending (the status), $9 ip, $10 user agent, $11 consent
// text version.
const subscribeNewSQL = `WITH quota AS (
  SELECT count(*) AS n FROM confirm_requests WHERE mailbox = $1 AND created_at > $2
), sub AS (
  INSERT INTO subscribers (email, name, timezone, status, confirm_round, confirm_requested_at, created_at, updated_at)
  SELECT $5, $6, $7, $8, 1, $4, $4, $4 FROM quota WHERE n < $3
  ON CONFLICT (email) DO NOTHING RETURNING id
), pruned AS (
  DELETE FROM confirm_requests WHERE mailbox = $1 AND created_at <= $2 AND EXISTS (SELECT 1 FROM sub)
), asked AS (
  INSERT INTO confirm_requests (mailbox, subscriber_id, created_at) SELECT $1, id, $4 FROM sub
), consent AS (
  INSERT INTO consents (subscriber_id, ip, user_agent, text_version, created_at)
  SELECT id, $9, $10, $11, $4 FROM sub
)
SELECT id FROM sub`

// newRound records a confirmation round: against the mailbox's quota, and
// as the consent it asks the subscriber to confirm.
func newRound(tx *gorm.DB, quota *confirmQuota, id int64, in models.Signup, now time.Time) error {
	if err := quota.take(id); err != nil {
		return err
	}
	return insertConsent(tx, id, in, now)
}

func insertConsent(tx *gorm.DB, id int64, in models.Signup, now time.Time) error {
	return tx.Create(&models.Consent{
		SubscriberID: id, IP: in.IP, UserAgent: truncate(in.UserAgent, 512),
		TextVersion: in.TextVersion, CreatedAt: now,
	}).Error
}

// Subscriber returns one subscriber by id.
func (s *Store) Subscriber(ctx context.Context, id int64) (models.Subscriber, error) {
	return take[models.Subscriber](s.db.WithContext(ctx).Where("id = ?", id), fmt.Sprintf("subscriber %d", id))
}

// SubscriberByEmail returns one subscriber by normalised address.
func (s *Store) SubscriberByEmail(ctx context.Context, email string) (models.Subscriber, error) {
	return take[models.Subscriber](s.db.WithContext(ctx).Where("email = ?", email), "subscriber by email")
}

// Confirm turns a pending subscriber active and records the confirmation on
// their latest consent. It reports whether this call made the change, so a
// second click on the link does nothing twice.
func (s *Store) Confirm(ctx context.Context, id int64) (bool, error) {
	now := s.now()
	changed := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&models.Subscriber{}).Where("id = ? AND status = ?", id, models.StatusPending).
			Updates(map[string]any{"status": models.StatusActive, "confirmed_at": now, "updated_at": now})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		changed = true
		if err := s.emitSubscriberEvent(tx, models.EventSubscriberConfirmed, id); err != nil {
			return err
		}
		var c models.Consent
		err := tx.Where("subscriber_id = ?", id).Order("id DESC").Take(&c).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return tx.Model(&c).Update("confirmed_at", now).Error
	})
	if err != nil {
		return false, fmt.Errorf("confirm subscriber %d: %w", id, err)
	}
	return changed, nil
}

// Unsubscribe stops all mail to a subscriber at once. It is idempotent and
// reports whether this call made the change. A bounced address unsubscribes
// too, so that undoing the bounce later cannot mail someone who opted out.
func (s *Store) Unsubscribe(ctx context.Context, id int64) (bool, error) {
	now := s.now()
	changed := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&models.Subscriber{}).
			Where("id = ? AND status IN ?", id, []string{models.StatusPending, models.StatusActive, models.StatusBounced}).
			Updates(map[string]any{"status": models.StatusUnsubscribed, "unsubscribed_at": now, "updated_at": now})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		changed = true
		return s.emitSubscriberEvent(tx, models.EventSubscriberUnsubscribed, id)
	})
	if err != nil {
		return false, fmt.Errorf("unsubscribe %d: %w", id, err)
	}
	return changed, nil
}

// MarkBounced records that the address does not exist and stops its course.
func (s *Store) MarkBounced(ctx context.Context, id int64) error {
	now := s.now()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// An erased subscriber stays a tombstone, and one who opted out
		// stays opted out, whatever their address's server says.
		res := tx.Model(&models.Subscriber{}).Where("id = ? AND status NOT IN ?", id,
			[]string{models.StatusErased, models.StatusBounced, models.StatusUnsubscribed}).
			Updates(map[string]any{"status": models.StatusBounced, "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 1 {
			if err := s.emitSubscriberEvent(tx, models.EventSubscriberBounced, id); err != nil {
				return err
			}
		}
		return tx.Model(&models.Enrollment{}).Where("subscriber_id = ?", id).
			Updates(map[string]any{"status": models.EnrollmentStopped, "next_send_at": nil, "updated_at": now}).Error
	})
	if err != nil {
		return fmt.Errorf("mark %d bounced: %w", id, err)
	}
	return nil
}

// RestoreBounced undoes MarkBounced, for an address refused by mistake: the
// subscriber is active again (pending, if they never confirmed their latest
// signup), their refused lessons and confirmation may be claimed again, and
// a stopped enrollment is due at once. It reports whether the subscriber
// was bounced. One who unsubscribed since their latest signup stays bounced.
func (s *Store) RestoreBounced(ctx context.Context, id int64) (bool, error) {
	now := s.now()
	restored := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&models.Subscriber{}).
			Where("id = ? AND status = ? AND (unsubscribed_at IS NULL OR unsubscribed_at < confirm_requested_at)", id, models.StatusBounced).
			Updates(map[string]any{
				"status": gorm.Expr("CASE WHEN confirmed_at IS NOT NULL AND confirmed_at >= confirm_requested_at THEN ? ELSE ? END",
					models.StatusActive, models.StatusPending),
				"updated_at": now,
			})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		restored = true
		err := tx.Model(&models.Delivery{}).
			Where("subscriber_id = ? AND kind IN ? AND state = ?", id, []models.Kind{models.KindLesson, models.KindConfirm}, models.DeliveryFailed).
			Updates(map[string]any{"state": models.DeliveryQueued, "updated_at": now}).Error
		if err != nil {
			return err
		}
		return tx.Model(&models.Enrollment{}).
			Where("subscriber_id = ? AND status = ? AND next_step <> ''", id, models.EnrollmentStopped).
			Updates(map[string]any{"status": models.EnrollmentActive, "next_send_at": now, "updated_at": now}).Error
	})
	if err != nil {
		return false, fmt.Errorf("restore bounced %d: %w", id, err)
	}
	return restored, nil
}

// Consents lists a subscriber's consent records, oldest first.
func (s *Store) Consents(ctx context.Context, id int64) ([]models.Consent, error) {
	var cs []models.Consent
	if err := s.db.WithContext(ctx).Where("subscriber_id = ?", id).Order("id").Find(&cs).Error; err != nil {
		return nil, fmt.Errorf("list consents: %w", err)
	}
	return cs, nil
}

// UnsentConfirmations lists pending subscribers whose current confirmation
// round has no delivery that finished, requested after since.
func (s *Store) UnsentConfirmations(ctx context.Context, since time.Time, limit int) ([]models.PendingConfirmation, error) {
	var out []models.PendingConfirmation
	err := s.db.WithContext(ctx).Model(&models.Subscriber{}).
		Select("subscribers.id AS subscriber_id, subscribers.confirm_round AS round").
		Where("subscribers.status = ? AND subscribers.confirm_requested_at > ?", models.StatusPending, since).
		Where("NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.subscriber_id = subscribers.id AND d.kind = ? AND d.step = CAST(subscribers.confirm_round AS TEXT) AND d.state IN ?)",
			models.KindConfirm, []string{models.DeliverySent, models.DeliveryFailed}).
		Order("subscribers.id").Limit(limit).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list unsent confirmations: %w", err)
	}
	return out, nil
}

// UnenrolledSubscribers lists active subscribers confirmed between since
// and until who have no enrollment of that confirmation: none at all, or a
// returning subscriber's old one, stopped before they confirmed again. A
// confirmation cut off between its two writes (a crash, a lost connection)
// leaves one. It reads only confirmations of that window, through the index
// on confirmed_at.
func (s *Store) UnenrolledSubscribers(ctx context.Context, since, until time.Time, limit int) ([]int64, error) {
	var ids []int64
	err := s.read.WithContext(ctx).Model(&models.Subscriber{}).
		Where("subscribers.confirmed_at > ? AND subscribers.confirmed_at < ? AND subscribers.status = ?", since, until, models.StatusActive).
		Where("NOT EXISTS (SELECT 1 FROM enrollments e WHERE e.subscriber_id = subscribers.id AND e.updated_at >= subscribers.confirmed_at)").
		Order("subscribers.confirmed_at").Limit(limit).Pluck("subscribers.id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("list unenrolled subscribers: %w", err)
	}
	return ids, nil
}

// truncate cuts s to n characters, as PostgreSQL counts a column's width
// and the checks before it count text, never inside a character. PostgreSQL
// refuses text that is not UTF-8; a header or an error from a remote server
// may be anything, so that is mended first.
func truncate(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

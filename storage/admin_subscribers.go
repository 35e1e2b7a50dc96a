package storage

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dripbook/dripbook/address"
	"github.com/dripbook/dripbook/fault"
	"github.com/dripbook/dripbook/models"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// SubscriberFilter selects a page of subscribers for the console, newest
// first.
type SubscriberFilter struct {
	// Query matches the start of the address or of the name, in any case.
	Query  string
	Status string // empty: every status
	// After is the id the previous page ended at; 0 starts at the newest.
	After int64
	Limit int
}

// SearchSubscribers returns one page of subscribers matching f. The page is
// found by keyset (id below After), never by offset, and every filter is
// served by an index, so a page costs the same at any depth and size.
func (s *Store) SearchSubscribers(ctx context.Context, f SubscriberFilter) ([]models.Subscriber, error) {
	var subs []models.Subscriber
	if err := s.searchQuery(s.db.WithContext(ctx), f).Find(&subs).Error; err != nil {
		return nil, fmt.Errorf("search subscribers: %w", err)
	}
	return subs, nil
}

func (s *Store) searchQuery(db *gorm.DB, f SubscriberFilter) *gorm.DB {
	q := db.Model(&models.Subscriber{})
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.After > 0 {
		q = q.Where("id < ?", f.After)
	}
	if term := strings.ToLower(strings.TrimSpace(f.Query)); term != "" {
		if s.Dialect() == "postgres" {
			pattern := likeEscaper.Replace(term) + "%"
			q = q.Where("(email LIKE ? OR lower(name) LIKE ?)", pattern, pattern)
		} else {
			// SQLite's LIKE ignores case and so cannot use these indexes; a
			// range over the binary order is the same prefix match.
			end := term + "\U0010FFFF"
			q = q.Where("((email >= ? AND email < ?) OR (lower(name) >= ? AND lower(name) < ?))", term, end, term, end)
		}
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	return q.Order("id DESC").Limit(limit)
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// BookingsFor lists a subscriber's bookings, newest first.
func (s *Store) BookingsFor(ctx context.Context, subscriberID int64) ([]models.Booking, error) {
	var bs []models.Booking
	if err := s.db.WithContext(ctx).Where("subscriber_id = ?", subscriberID).Order("id DESC").Find(&bs).Error; err != nil {
		return nil, fmt.Errorf("list bookings: %w", err)
	}
	return bs, nil
}

// ErrConfirmQuota means the mailbox has had its ConfirmLimit of
// confirmation emails in the last ConfirmWindow.
var ErrConfirmQuota = fault.New(fault.TooMany, "confirm_quota",
	fmt.Sprintf("this mailbox has had %d confirmation emails in the last %v", ConfirmLimit, ConfirmWindow))

// NewConfirmRound starts another confirmation round for a pending
// subscriber, as the coach asks in the console; it reports the round, or 0
// when the subscriber is not pending. The round counts against the
// mailbox's quota as a signup's does: past it, ErrConfirmQuota.
func (s *Store) NewConfirmRound(ctx context.Context, id int64) (int, error) {
	now := s.now()
	round := 0
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		sub, err := take[models.Subscriber](tx.Where("id = ? AND status = ?", id, models.StatusPending), fmt.Sprintf("subscriber %d", id))
		if errors.Is(err, models.ErrNotFound) {
			return nil // not pending
		}
		if err != nil {
			return err
		}
		quota, err := lockConfirmQuota(tx, address.Mailbox(sub.Email), now)
		if err != nil {
			return err
		}
		switch full, err := quota.full(); {
		case err != nil:
			return err
		case full:
			return ErrConfirmQuota
		}
		res := tx.Model(&models.Subscriber{}).Where("id = ? AND status = ?", id, models.StatusPending).
			Updates(map[string]any{"confirm_round": gorm.Expr("confirm_round + 1"), "confirm_requested_at": now, "updated_at": now})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		if err := quota.take(id); err != nil {
			return err
		}
		return tx.Model(&models.Subscriber{}).Where("id = ?", id).Pluck("confirm_round", &round).Error
	})
	if err != nil {
		return 0, fmt.Errorf("new confirmation round for %d: %w", id, err)
	}
	return round, nil
}

// ErasedEmail is the address an erased subscriber's row is left with: it
// names nobody, and .invalid can never receive mail.
func ErasedEmail(id int64) string { return fmt.Sprintf("erased-%d@invalid", id) }

// Erase removes a subscriber's personal data from every table (GDPR Art.
// 17). What is left is anonymous: the subscriber row as a tombstone (status
// erased, the address replaced by ErasedEmail, no name or zone) with its
// dates, and the ids, kinds and dates of what was sent, clicked and
// booked, so the funnel's counts stay as they were. The address is free to
// sign up again as a new subscriber.
func (s *Store) Erase(ctx context.Context, id int64) error {
	now := s.now()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		sub, err := take[models.Subscriber](tx.Where("id = ?", id), fmt.Sprintf("subscriber %d", id))
		if err != nil {
			return err
		}
		if d := s.erasedDigest(sub.Email); d != "" && sub.Status != models.StatusErased {
			// The address's digest, and the key's mark, by which an import
			// in a process with another key knows it cannot tell.
			rows := []erasedAddress{{Digest: d, CreatedAt: now}, {Digest: s.keyMark(), CreatedAt: now}}
			if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&rows).Error; err != nil {
				return fmt.Errorf("remember the erased address: %w", err)
			}
		}
		steps := []*gorm.DB{
			tx.Model(&models.Subscriber{}).Where("id = ?", id).Updates(map[string]any{
				"email": ErasedEmail(id), "name": "", "timezone": "", "status": models.StatusErased, "updated_at": now,
			}),
			tx.Model(&models.Consent{}).Where("subscriber_id = ?", id).Updates(map[string]any{"ip": "", "user_agent": ""}),
			tx.Model(&models.Enrollment{}).Where("subscriber_id = ?", id).
				Updates(map[string]any{"status": models.EnrollmentStopped, "next_send_at": nil, "updated_at": now}),
			// An SMTP error often quotes the address it refused.
			tx.Model(&models.Delivery{}).Where("subscriber_id = ? AND last_error <> ''", id).Update("last_error", ""),
			tx.Model(&models.Booking{}).Where("subscriber_id = ?", id).
				// A call's own place is often the subscriber's phone or address.
				Updates(map[string]any{"answers": "", "timezone": "", "locale": "", "place_url": "", "place_text": "", "idempotency_key": nil}),
			// Nothing about their calls is announced any more, but that an
			// upcoming one is off: it is cancelled as a new version, which
			// the reconciler announces to the coach alone (no notice goes to
			// an address that is gone, and reminders only go to confirmed
			// calls), so it leaves the coach's calendar.
			tx.Model(&models.Booking{}).Where("subscriber_id = ?", id).
				Update("notified_sequence", gorm.Expr("sequence")),
			tx.Model(&models.Booking{}).Where("subscriber_id = ? AND status = ? AND starts_at > ?", id, models.BookingConfirmed, now).
				Updates(map[string]any{"status": models.BookingCancelled, "cancelled_at": now, "updated_at": now,
					"sequence": gorm.Expr("sequence + 1")}),
			// The confirmation quota names the mailbox; it only matters for a day.
			tx.Exec("DELETE FROM confirm_requests WHERE subscriber_id = ?", id),
			// Events name the subscriber: none is kept, or sent, after
			// they asked to be forgotten.
			tx.Exec("DELETE FROM webhook_events WHERE subscriber_id = ?", id),
			// Their self-ratings are theirs alone.
			tx.Exec("DELETE FROM scorecards WHERE subscriber_id = ?", id),
		}
		for _, st := range steps {
			if st.Error != nil {
				return st.Error
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("erase subscriber %d: %w", id, err)
	}
	return nil
}

// erasedAddress is the keyed digest of an erased subscriber's address.
type erasedAddress struct {
	Digest    string `gorm:"primaryKey"`
	CreatedAt time.Time
}

// SetSuppressionKey sets the key of the digests Erase keeps of erased
// addresses, which imports look up; without one none are kept.
func (s *Store) SetSuppressionKey(key []byte) { s.suppressKey = key }

// erasedDigest is the keyed digest of the inbox an address reaches (see
// address.Mailbox: every way of writing it is one), or "" without a key.
func (s *Store) erasedDigest(email string) string {
	if len(s.suppressKey) == 0 {
		return ""
	}
	return s.digest("dripbook erased address\x00" + address.Mailbox(email))
}

// keyMark is the digest of nothing but the key: present among the erased
// addresses, it says they were recorded with this key.
func (s *Store) keyMark() string { return s.digest("dripbook erased addresses key\x00") }

func (s *Store) digest(text string) string {
	m := hmac.New(sha256.New, s.suppressKey)
	m.Write([]byte(text))
	return hex.EncodeToString(m.Sum(nil))
}

// MarkSuppressionKey records that this process's key is the server's: a
// served dripbook (not a one-off command on another machine) calls it at
// start, so that after a new SECRET_KEY the server's own imports go on,
// the addresses erased under the old key forgotten.
func (s *Store) MarkSuppressionKey(ctx context.Context) error {
	if len(s.suppressKey) == 0 {
		return nil
	}
	row := erasedAddress{Digest: s.keyMark(), CreatedAt: s.now()}
	if err := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
		return fmt.Errorf("mark the erased addresses' key: %w", err)
	}
	return nil
}

// ErrOtherKey means the erased addresses were recorded with another
// SECRET_KEY than this process's, so an import cannot tell who they were.
var ErrOtherKey = errors.New("the erased subscribers were recorded with another SECRET_KEY: " +
	"run this with the SECRET_KEY the server uses, or it could bring them back")

// checkSuppressionKey refuses to go on when erased addresses exist and
// none were recorded with this process's key.
func (s *Store) checkSuppressionKey(tx *gorm.DB) error {
	var marks []string
	if err := tx.Model(&erasedAddress{}).Limit(1).Pluck("digest", &marks).Error; err != nil {
		return fmt.Errorf("look up erased addresses: %w", err)
	}
	if len(marks) == 0 {
		return nil // nobody erased yet
	}
	var n int64
	if err := tx.Model(&erasedAddress{}).Where("digest = ?", s.keyMark()).Count(&n).Error; err != nil {
		return fmt.Errorf("look up erased addresses: %w", err)
	}
	if n == 0 {
		return ErrOtherKey
	}
	return nil
}

// erasedAmong returns which of emails belong to erased subscribers.
func (s *Store) erasedAmong(tx *gorm.DB, emails []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(s.suppressKey) == 0 || len(emails) == 0 {
		return out, nil
	}
	byDigest := make(map[string][]string, len(emails)) // addresses of one inbox share a digest
	digests := make([]string, 0, len(emails))
	for _, e := range emails {
		d := s.erasedDigest(e)
		byDigest[d] = append(byDigest[d], e)
		digests = append(digests, d)
	}
	var found []string
	if err := tx.Model(&erasedAddress{}).Where("digest IN ?", digests).Pluck("digest", &found).Error; err != nil {
		return nil, fmt.Errorf("look up erased addresses: %w", err)
	}
	for _, d := range found {
		for _, e := range byDigest[d] {
			out[e] = true
		}
	}
	return out, nil
}

package storage

import (
	"fmt"
	"time"

	"gorm.io/gorm"
)

// At most ConfirmLimit confirmation emails go to one mailbox (see Mailbox)
// in any ConfirmWindow, however many addresses and signups lead there. A
// signup over the limit is answered as any other and stores nothing.
const (
	ConfirmLimit  = 3
	ConfirmWindow = 24 * time.Hour
)

// confirmRequest is one confirmation round asked for, by its mailbox.
type confirmRequest struct {
	ID           int64 `gorm:"primaryKey"`
	Mailbox      string
	SubscriberID int64
	CreatedAt    time.Time
}

// mailboxLock is the PostgreSQL advisory lock class for one mailbox's
// confirmations; the mailbox's hash is the other half of the key.
const mailboxLock = 0x6d626f78 // "mbox"

// confirmQuota is a mailbox's confirmations, locked for one transaction.
type confirmQuota struct {
	tx      *gorm.DB
	mailbox string
	now     time.Time
	// stale says whether full found rounds that no longer count, for take
	// to forget.
	stale bool
}

// lockConfirmQuota takes the mailbox's lock for the rest of tx, so the
// count and the insert below are one step however many processes sign the
// mailbox up at once. On SQLite the one connection already serialises
// transactions.
func lockConfirmQuota(tx *gorm.DB, mailbox string, now time.Time) (*confirmQuota, error) {
	if tx.Name() == "postgres" {
		if err := tx.Exec("SELECT pg_advisory_xact_lock(CAST(? AS integer), hashtext(?))", mailboxLock, mailbox).Error; err != nil {
			return nil, fmt.Errorf("lock mailbox: %w", err)
		}
	}
	return &confirmQuota{tx: tx, mailbox: mailbox, now: now}, nil
}

// full reports whether the mailbox has had its ConfirmLimit for now.
func (q *confirmQuota) full() (bool, error) {
	var n struct{ Recent, Stale int64 }
	err := q.tx.Model(&confirmRequest{}).
		Select("count(*) FILTER (WHERE created_at > ?) AS recent, count(*) FILTER (WHERE created_at <= ?) AS stale",
			q.now.Add(-ConfirmWindow), q.now.Add(-ConfirmWindow)).
		Where("mailbox = ?", q.mailbox).Scan(&n).Error
	if err != nil {
		return false, fmt.Errorf("count confirmations: %w", err)
	}
	q.stale = n.Stale > 0
	return n.Recent >= ConfirmLimit, nil
}

// take records one confirmation round for subscriberID and forgets the
// mailbox's rounds that no longer count, so the table stays small.
func (q *confirmQuota) take(subscriberID int64) error {
	if q.stale {
		if err := q.tx.Where("mailbox = ? AND created_at <= ?", q.mailbox, q.now.Add(-ConfirmWindow)).
			Delete(&confirmRequest{}).Error; err != nil {
			return fmt.Errorf("prune confirmations: %w", err)
		}
	}
	if err := q.tx.Create(&confirmRequest{Mailbox: q.mailbox, SubscriberID: subscriberID, CreatedAt: q.now}).Error; err != nil {
		return fmt.Errorf("record confirmation: %w", err)
	}
	return nil
}

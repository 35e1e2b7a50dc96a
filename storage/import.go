package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/dripbook/dripbook/address"
	"github.com/dripbook/dripbook/models"
	"gorm.io/gorm"
)

// ImportRow is one subscriber of an imported list, validated and
// normalised. Enrollment, when set, makes them active at once with that
// place in the course (the list's consent is their confirmation); nil makes
// them pending, to confirm by email like any signup.
type ImportRow struct {
	Email, Name, Timezone string
	Enrollment            *models.Enrollment
}

// ImportConsent is the consent an imported list was given.
type ImportConsent struct {
	TextVersion string // what the consent is recorded under
	Source      string // where the list's people agreed, as the coach says
	UserAgent   string
}

// Imported is one subscriber an import created.
type Imported struct {
	ID         int64
	Enrollment *models.Enrollment // with its SubscriberID; nil when pending
}

// ImportResult says what an import did.
type ImportResult struct {
	Created  []Imported // in file order
	Existing int        // addresses already on the list, left as they are
	// OverQuota counts new pending addresses not stored: their mailbox
	// already had ConfirmLimit confirmation emails in ConfirmWindow, as a
	// signup's would be refused. Importing the list again later adds them.
	OverQuota int
	// Erased counts addresses of subscribers who were erased: an old list
	// does not bring them back (only their own new signup does).
	Erased int
}

// importBatch is how many rows an import writes at a time.
const importBatch = 500

// ImportSubscribers adds a list in one transaction: all of it or, on any
// error, none. An address already on the list, in whatever state, is left
// alone, so an import never brings back someone who unsubscribed and
// running it again adds nothing. progress, if not nil, is told how many
// rows each batch handled.
func (s *Store) ImportSubscribers(ctx context.Context, rows []ImportRow, c ImportConsent, progress func(int)) (ImportResult, error) {
	var res ImportResult
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if len(s.suppressKey) > 0 {
			if err := s.checkSuppressionKey(tx); err != nil {
				return err
			}
		}
		for start := 0; start < len(rows); start += importBatch {
			batch := rows[start:min(start+importBatch, len(rows))]
			b, err := s.importBatch(tx, batch, c)
			if err != nil {
				return err
			}
			res.Created = append(res.Created, b.Created...)
			res.Existing += b.Existing
			res.OverQuota += b.OverQuota
			res.Erased += b.Erased
			if progress != nil {
				progress(len(batch))
			}
		}
		return nil
	})
	if err != nil {
		return ImportResult{}, fmt.Errorf("import subscribers: %w", err)
	}
	return res, nil
}

// importBatch adds one batch of a list, and says what it did as an
// ImportResult of its own.
func (s *Store) importBatch(tx *gorm.DB, batch []ImportRow, c ImportConsent) (ImportResult, error) {
	var res ImportResult
	now := s.now()
	emails := make([]string, len(batch))
	for i, r := range batch {
		emails[i] = r.Email
	}
	var taken []string
	if err := tx.Model(&models.Subscriber{}).Where("email IN ?", emails).Pluck("email", &taken).Error; err != nil {
		return ImportResult{}, err
	}
	known := make(map[string]bool, len(taken))
	for _, e := range taken {
		known[e] = true
	}
	erased, err := s.erasedAmong(tx, emails)
	if err != nil {
		return ImportResult{}, err
	}
	asked, err := recentConfirmations(tx, batch, now)
	if err != nil {
		return ImportResult{}, err
	}
	var subs []models.Subscriber
	var fresh []ImportRow
	for _, r := range batch {
		switch {
		case known[r.Email]:
			res.Existing++
			continue
		case erased[r.Email]:
			res.Erased++
			continue
		}
		if r.Enrollment == nil {
			mailbox := address.Mailbox(r.Email)
			if asked[mailbox] >= ConfirmLimit {
				res.OverQuota++
				continue
			}
			asked[mailbox]++
		}
		sub := models.Subscriber{Email: r.Email, Name: r.Name, Timezone: r.Timezone,
			Status: models.StatusPending, ConfirmRound: 1, ConfirmRequestedAt: now, CreatedAt: now, UpdatedAt: now}
		if r.Enrollment != nil {
			sub.Status, sub.ConfirmedAt = models.StatusActive, &now
		}
		subs, fresh = append(subs, sub), append(fresh, r)
	}
	if len(subs) == 0 {
		return res, nil
	}
	// A signup of the same address racing the import fails the whole
	// import, which can simply be run again.
	if err := tx.Create(&subs).Error; err != nil {
		return ImportResult{}, err
	}
	created := make([]Imported, len(subs))
	consents := make([]models.Consent, len(subs))
	var (
		requests   []confirmRequest
		enrolled   = make([]models.Enrollment, 0, len(subs)) // never grown: created points into it
		deliveries []models.Delivery
	)
	for i, sub := range subs {
		consents[i] = models.Consent{SubscriberID: sub.ID, TextVersion: c.TextVersion, Source: truncate(c.Source, 500),
			UserAgent: truncate(c.UserAgent, 512), CreatedAt: now}
		created[i] = Imported{ID: sub.ID}
		if e := fresh[i].Enrollment; e != nil {
			enr := *e
			enr.SubscriberID, enr.CreatedAt, enr.UpdatedAt = sub.ID, now, now
			enrolled = append(enrolled, enr)
			created[i].Enrollment = &enrolled[len(enrolled)-1]
			consents[i].ConfirmedAt = &now
			// As SaveEnrollment does: the next lesson is in the delivery
			// log, queued.
			if enr.Status == models.EnrollmentActive && enr.NextStep != "" {
				deliveries = append(deliveries, models.Delivery{SubscriberID: sub.ID, Kind: models.KindLesson, Step: enr.NextStep,
					State: models.DeliveryQueued, CreatedAt: now, UpdatedAt: now})
			}
			continue
		}
		// The confirmation email counts against the mailbox's daily quota
		// like a signup's, so a signup right after waits its turn.
		requests = append(requests, confirmRequest{Mailbox: address.Mailbox(sub.Email), SubscriberID: sub.ID, CreatedAt: now})
	}
	if err := tx.Create(&consents).Error; err != nil {
		return ImportResult{}, err
	}
	if err := createAll(tx, requests); err != nil {
		return ImportResult{}, err
	}
	if err := createAll(tx, enrolled); err != nil {
		return ImportResult{}, err
	}
	if err := createAll(tx, deliveries); err != nil {
		return ImportResult{}, err
	}
	res.Created = created
	return res, nil
}

// recentConfirmations counts the confirmation rounds each mailbox of the
// batch had in the last ConfirmWindow, this import's earlier batches
// included.
func recentConfirmations(tx *gorm.DB, batch []ImportRow, now time.Time) (map[string]int, error) {
	mailboxes := make([]string, 0, len(batch))
	for _, r := range batch {
		if r.Enrollment == nil {
			mailboxes = append(mailboxes, address.Mailbox(r.Email))
		}
	}
	out := make(map[string]int, len(mailboxes))
	if len(mailboxes) == 0 {
		return out, nil
	}
	var rows []struct {
		Mailbox string
		N       int
	}
	err := tx.Model(&confirmRequest{}).Select("mailbox, count(*) AS n").
		Where("mailbox IN ? AND created_at > ?", mailboxes, now.Add(-ConfirmWindow)).
		Group("mailbox").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("count confirmations: %w", err)
	}
	for _, r := range rows {
		out[r.Mailbox] = r.N
	}
	return out, nil
}

// createAll inserts rows in one statement, or does nothing when there are
// none (GORM refuses an empty batch).
func createAll[T any](tx *gorm.DB, rows []T) error {
	if len(rows) == 0 {
		return nil
	}
	return tx.Create(&rows).Error
}

package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// migrations are applied in order, each in a transaction, and recorded in the
// migrations table. Each one declares the tables as they were at that version,
// so later changes to the models never rewrite history.
var migrations = []*gormigrate.Migration{
	{
		ID: "0001_subscribers",
		Migrate: func(tx *gorm.DB) error {
			type subscriber struct {
				ID                 int64     `gorm:"primaryKey"`
				Email              string    `gorm:"size:320;not null;uniqueIndex:idx_subscribers_email"`
				Name               string    `gorm:"size:200;not null;default:''"`
				Timezone           string    `gorm:"size:64;not null;default:''"`
				Status             string    `gorm:"size:16;not null;index"`
				ConfirmRound       int       `gorm:"not null;default:1"`
				ConfirmRequestedAt time.Time `gorm:"not null"`
				ConfirmedAt        *time.Time
				UnsubscribedAt     *time.Time
				CreatedAt          time.Time `gorm:"not null"`
				UpdatedAt          time.Time `gorm:"not null"`
			}
			type consent struct {
				ID           int64  `gorm:"primaryKey"`
				SubscriberID int64  `gorm:"not null;index"`
				IP           string `gorm:"size:64;not null;default:''"`
				UserAgent    string `gorm:"size:512;not null;default:''"`
				TextVersion  string `gorm:"size:32;not null"`
				CreatedAt    time.Time
				ConfirmedAt  *time.Time
			}
			type enrollment struct {
				SubscriberID int64      `gorm:"primaryKey;autoIncrement:false"`
				Status       string     `gorm:"size:16;not null"`
				NextStep     string     `gorm:"size:100;not null;default:''"`
				NextSendAt   *time.Time `gorm:"index"`
				LastDay      int        `gorm:"not null;default:-1"`
				Anchor       time.Time  `gorm:"not null"`
				CreatedAt    time.Time
				UpdatedAt    time.Time
			}
			type delivery struct {
				ID           int64  `gorm:"primaryKey"`
				SubscriberID int64  `gorm:"not null;uniqueIndex:idx_deliveries_key,priority:1"`
				Kind         string `gorm:"size:32;not null;uniqueIndex:idx_deliveries_key,priority:2"`
				Step         string `gorm:"size:100;not null;uniqueIndex:idx_deliveries_key,priority:3"`
				State        string `gorm:"size:16;not null"`
				Attempts     int    `gorm:"not null;default:0"`
				LastError    string `gorm:"size:1000;not null;default:''"`
				SentAt       *time.Time
				CreatedAt    time.Time
				UpdatedAt    time.Time
			}
			return tx.Migrator().CreateTable(&subscriber{}, &consent{}, &enrollment{}, &delivery{})
		},
	},
	{
		ID: "0002_bookings",
		Migrate: func(tx *gorm.DB) error {
			type booking struct {
				ID               int64     `gorm:"primaryKey"`
				SubscriberID     int64     `gorm:"not null;index"`
				Start            time.Time `gorm:"column:starts_at;not null;index"`
				End              time.Time `gorm:"column:ends_at;not null"`
				Status           string    `gorm:"size:16;not null"`
				IdempotencyKey   *string   `gorm:"size:200;uniqueIndex:idx_bookings_idempotency_key"`
				UID              string    `gorm:"size:200;not null;uniqueIndex:idx_bookings_uid"`
				Sequence         int       `gorm:"not null;default:0"`
				NotifiedSequence int       `gorm:"not null;default:-1"`
				Answers          string    `gorm:"type:text;not null;default:''"`
				SourceLesson     string    `gorm:"size:100;not null;default:''"`
				Timezone         string    `gorm:"size:64;not null;default:''"`
				CancelledAt      *time.Time
				CreatedAt        time.Time
				UpdatedAt        time.Time
			}
			type click struct {
				ID           int64     `gorm:"primaryKey"`
				SubscriberID int64     `gorm:"not null;index"`
				Lesson       string    `gorm:"size:100;not null"`
				CreatedAt    time.Time `gorm:"not null"`
			}
			if err := tx.Migrator().CreateTable(&booking{}, &click{}); err != nil {
				return err
			}
			// Partial unique indexes, the same on SQLite and PostgreSQL: while a
			// booking is confirmed, no other confirmed booking may share its
			// start (no double booking) or its subscriber (one call each).
			return execAll(tx,
				"CREATE UNIQUE INDEX idx_bookings_confirmed_start ON bookings (starts_at) WHERE status = 'confirmed'",
				"CREATE UNIQUE INDEX idx_bookings_confirmed_subscriber ON bookings (subscriber_id) WHERE status = 'confirmed'",
			)
		},
	},
	{
		ID: "0003_confirm_requests",
		Migrate: func(tx *gorm.DB) error {
			// One row for each confirmation email asked for, by the mailbox
			// it goes to, so a day's count holds across plus-addresses.
			type confirmRequest struct {
				ID           int64     `gorm:"primaryKey"`
				Mailbox      string    `gorm:"size:320;not null;index:idx_confirm_requests_mailbox,priority:1"`
				SubscriberID int64     `gorm:"not null"`
				CreatedAt    time.Time `gorm:"not null;index:idx_confirm_requests_mailbox,priority:2"`
			}
			return tx.Migrator().CreateTable(&confirmRequest{})
		},
	},
	{
		ID: "0004_booking_changes",
		Migrate: func(tx *gorm.DB) error {
			// Every booking, move and cancellation, for the daily limit
			// on them and as the call's history.
			type bookingChange struct {
				ID           int64     `gorm:"primaryKey"`
				SubscriberID int64     `gorm:"not null;index:idx_booking_changes_subscriber,priority:1"`
				BookingID    int64     `gorm:"not null"`
				Event        string    `gorm:"size:16;not null"`
				CreatedAt    time.Time `gorm:"not null;index:idx_booking_changes_subscriber,priority:2"`
			}
			return tx.Migrator().CreateTable(&bookingChange{})
		},
	},
	{
		ID: "0005_clicks_once_a_minute",
		Migrate: func(tx *gorm.DB) error {
			// A click is recorded once per subscriber, lesson and minute: the
			// unique index drops the rest, however many requests race. Rows
			// from before get a minute of their own (minus their id), which
			// no real minute can clash with.
			return execAll(tx,
				"ALTER TABLE clicks ADD COLUMN at_minute BIGINT NOT NULL DEFAULT 0",
				"UPDATE clicks SET at_minute = -id",
				"CREATE UNIQUE INDEX idx_clicks_once_a_minute ON clicks (subscriber_id, lesson, at_minute)",
			)
		},
	},
	{
		ID: "0006_console",
		Migrate: func(tx *gorm.DB) error {
			// A call's outcome, which the coach marks in the console; and
			// the indexes the console's funnel and subscriber search use.
			stamp := "TIMESTAMP"
			if tx.Name() == "postgres" {
				stamp = "TIMESTAMPTZ"
			}
			stmts := []string{
				"ALTER TABLE bookings ADD COLUMN outcome VARCHAR(16) NOT NULL DEFAULT ''",
				"ALTER TABLE bookings ADD COLUMN outcome_at " + stamp,
				"CREATE INDEX idx_subscribers_created_at ON subscribers (created_at)",
				"CREATE INDEX idx_subscribers_status_id ON subscribers (status, id)",
			}
			if tx.Name() == "postgres" {
				// LIKE 'prefix%' uses a B-tree only under the C collation or
				// with the pattern operator class.
				stmts = append(stmts,
					"CREATE INDEX idx_subscribers_email_prefix ON subscribers (email text_pattern_ops)",
					"CREATE INDEX idx_subscribers_name_prefix ON subscribers (lower(name) text_pattern_ops)")
			} else {
				stmts = append(stmts, "CREATE INDEX idx_subscribers_name_prefix ON subscribers (lower(name))")
			}
			return execAll(tx, stmts...)
		},
	},
	{
		ID: "0007_consent_source",
		Migrate: func(tx *gorm.DB) error {
			// Where a consent was given when it was not on dripbook's own
			// form: the source the coach names when importing a list.
			return tx.Exec("ALTER TABLE consents ADD COLUMN source VARCHAR(500) NOT NULL DEFAULT ''").Error
		},
	},
	{
		ID: "0008_webhook_events",
		Migrate: func(tx *gorm.DB) error {
			// The webhook outbox: each event is written in the transaction
			// of its change, and stays undelivered until its endpoint
			// answers 2xx.
			type webhookEvent struct {
				ID           string    `gorm:"size:64;primaryKey"`
				Type         string    `gorm:"size:64;not null"`
				SubscriberID int64     `gorm:"not null;index"`
				Payload      string    `gorm:"type:text;not null"`
				CreatedAt    time.Time `gorm:"not null"`
				DeliveredAt  *time.Time
				Attempts     int    `gorm:"not null;default:0"`
				LastError    string `gorm:"size:1000;not null;default:''"`
			}
			if err := tx.Migrator().CreateTable(&webhookEvent{}); err != nil {
				return err
			}
			return tx.Exec("CREATE INDEX idx_webhook_events_undelivered ON webhook_events (created_at) WHERE delivered_at IS NULL").Error
		},
	},
	{
		ID: "0009_external_bookings",
		Migrate: func(tx *gorm.DB) error {
			// Calls booked on an external scheduler, known by the
			// scheduler's own id, once each; and the signed deliveries
			// already received from it, so a replay changes nothing. The
			// scheduler keeps its own calendar: its calls neither hold a
			// start nor count as a subscriber's one call here.
			type schedulerDelivery struct {
				ID         int64     `gorm:"primaryKey"`
				Scheduler  string    `gorm:"size:16;not null"`
				Digest     string    `gorm:"size:64;not null;uniqueIndex:idx_scheduler_deliveries_digest"`
				ReceivedAt time.Time `gorm:"not null;index"`
			}
			if err := tx.Migrator().CreateTable(&schedulerDelivery{}); err != nil {
				return err
			}
			return execAll(tx,
				"ALTER TABLE bookings ADD COLUMN scheduler VARCHAR(16) NOT NULL DEFAULT ''",
				"ALTER TABLE bookings ADD COLUMN external_id VARCHAR(500)",
				"CREATE UNIQUE INDEX idx_bookings_external ON bookings (scheduler, external_id)",
				"DROP INDEX idx_bookings_confirmed_start",
				"CREATE UNIQUE INDEX idx_bookings_confirmed_start ON bookings (starts_at) WHERE status = 'confirmed' AND external_id IS NULL",
				"DROP INDEX idx_bookings_confirmed_subscriber",
				"CREATE UNIQUE INDEX idx_bookings_confirmed_subscriber ON bookings (subscriber_id) WHERE status = 'confirmed' AND external_id IS NULL",
			)
		},
	},
	{
		ID: "0011_scorecards",
		Migrate: func(tx *gorm.DB) error {
			// One gap scorecard per subscriber: the answers as the
			// scorecard package stores them.
			type scorecard struct {
				ID           int64     `gorm:"primaryKey"`
				SubscriberID int64     `gorm:"not null;uniqueIndex:idx_scorecards_subscriber"`
				Answers      string    `gorm:"type:text;not null"`
				CreatedAt    time.Time `gorm:"not null"`
				UpdatedAt    time.Time `gorm:"not null"`
			}
			return tx.Migrator().CreateTable(&scorecard{})
		},
	},
	{
		ID: "0012_booking_locale",
		Migrate: func(tx *gorm.DB) error {
			// How the visitor reads dates and times, so that the emails
			// about the call write them as the booking page did.
			return tx.Exec("ALTER TABLE bookings ADD COLUMN locale VARCHAR(35) NOT NULL DEFAULT ''").Error
		},
	},
	{
		ID: "0013_booking_place",
		Migrate: func(tx *gorm.DB) error {
			// Where this one call happens, when the coach set it apart from
			// MEETING_URL and MEETING_LOCATION, and the sequence at which it
			// last changed, so the notice of that version says so.
			return execAll(tx,
				"ALTER TABLE bookings ADD COLUMN place_url VARCHAR(500) NOT NULL DEFAULT ''",
				"ALTER TABLE bookings ADD COLUMN place_text VARCHAR(500) NOT NULL DEFAULT ''",
				"ALTER TABLE bookings ADD COLUMN place_sequence INTEGER NOT NULL DEFAULT 0",
			)
		},
	},
	{
		ID: "0014_scheduler_former_ids",
		Migrate: func(tx *gorm.DB) error {
			// The ids a scheduler gave a call before it moved, so that a
			// late delivery about one of them is known for what it is and
			// books nothing.
			type schedulerFormerID struct {
				ID         int64     `gorm:"primaryKey"`
				Scheduler  string    `gorm:"size:16;not null;uniqueIndex:idx_scheduler_former_ids,priority:1"`
				ExternalID string    `gorm:"size:500;not null;uniqueIndex:idx_scheduler_former_ids,priority:2"`
				BookingID  int64     `gorm:"not null;index"`
				CreatedAt  time.Time `gorm:"not null"`
			}
			return tx.Migrator().CreateTable(&schedulerFormerID{})
		},
	},
	{
		ID: "0015_erased_addresses",
		Migrate: func(tx *gorm.DB) error {
			// Keyed digests of the addresses of erased subscribers, so that
			// an old list imported again does not bring them back. A
			// digest names nobody without the key.
			type erasedAddress struct {
				Digest    string    `gorm:"size:64;primaryKey"`
				CreatedAt time.Time `gorm:"not null"`
			}
			return tx.Migrator().CreateTable(&erasedAddress{})
		},
	},
	{
		ID: "0016_sqlite_unicode_lower",
		Migrate: func(tx *gorm.DB) error {
			// SQLite's lower() now folds all of Unicode (registerLower):
			// the name index is built again with it. PostgreSQL's always did.
			if tx.Name() == "postgres" {
				return nil
			}
			return tx.Exec("REINDEX idx_subscribers_name_prefix").Error
		},
	},
	{
		ID: "0017_subscribers_confirmed_at",
		Migrate: func(tx *gorm.DB) error {
			// The reconciler's look for confirmations cut off before they
			// enrolled reads the last days' confirmations only.
			return tx.Exec("CREATE INDEX idx_subscribers_confirmed_at ON subscribers (confirmed_at)").Error
		},
	},
}

// execAll runs a migration's statements in order.
func execAll(tx *gorm.DB, stmts ...string) error {
	for _, sql := range stmts {
		if err := tx.Exec(sql).Error; err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) migrator(ctx context.Context) *gormigrate.Gormigrate {
	opts := *gormigrate.DefaultOptions
	opts.UseTransaction = true
	return gormigrate.New(s.db.WithContext(ctx), &opts, migrations)
}

// Migrate applies every migration not yet applied.
func (s *Store) Migrate(ctx context.Context) error {
	if err := s.migrator(ctx).Migrate(); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// PendingMigrations counts the migrations not yet applied, so the api and
// worker modes can refuse to run against an old schema.
func (s *Store) PendingMigrations(ctx context.Context) (int, error) {
	db := s.db.WithContext(ctx)
	table := gormigrate.DefaultOptions.TableName
	if !db.Migrator().HasTable(table) {
		return len(migrations), nil
	}
	var applied []string
	if err := db.Table(table).Pluck(gormigrate.DefaultOptions.IDColumnName, &applied).Error; err != nil {
		return 0, fmt.Errorf("read migrations: %w", err)
	}
	done := make(map[string]bool, len(applied))
	for _, id := range applied {
		done[id] = true
	}
	pending := 0
	for _, m := range migrations {
		if !done[m.ID] {
			pending++
		}
	}
	return pending, nil
}

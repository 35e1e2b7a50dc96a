package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"unicode/utf8"

	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/storage"
)

// TextVersion is what an imported consent is recorded under; the source the
// coach gives says where it was actually given.
const TextVersion = "import"

// maxSource caps the consent source, in characters, as the column does.
const maxSource = 500

// Store adds the list; storage.Store implements it.
type Store interface {
	ImportSubscribers(ctx context.Context, rows []storage.ImportRow, c storage.ImportConsent, progress func(int)) (storage.ImportResult, error)
}

// Course starts the imported subscribers off; drip.Engine implements it.
type Course interface {
	// RequestConfirmation queues the double opt-in email, as for a signup.
	RequestConfirmation(ctx context.Context, subscriberID int64, round int) error
	// FirstEnrollment is where a subscriber confirmed now starts.
	FirstEnrollment(timezone string) models.Enrollment
	// QueueEnrollment queues a stored enrollment's next lesson.
	QueueEnrollment(ctx context.Context, enr models.Enrollment) error
}

// Progress is told how an import is going: a phase starts with its total,
// then work is added to it. The command line shows it as a bar.
type Progress interface {
	Phase(name string, total int)
	Add(n int)
}

// Options say how a list is imported.
type Options struct {
	// ConsentSource says where the list's people agreed to hear from the
	// coach; it is required and kept with each consent.
	ConsentSource string
	// Confirmed makes the subscribers active and enrolls them at once, the
	// list's consent standing for the double opt-in; otherwise each gets
	// the confirmation email and stays pending until they click it.
	Confirmed bool
	Progress  Progress     // nil: none shown
	Log       *slog.Logger // nil: slog's default
}

// Report says what an import did.
type Report struct {
	Rows       int // addresses in the file, after merging duplicates
	Duplicates int // rows merged into an earlier row of the same address
	Created    int // subscribers added
	Existing   int // addresses already on the list, left as they were
	// Unqueued counts subscribers whose first email could not be queued
	// now; the reconciler queues them from the database.
	Unqueued int
	// OverQuota counts new addresses not added because their mailbox had
	// its confirmation emails for the day; importing again later adds them.
	OverQuota int
	// Erased counts addresses of erased subscribers, left out: an old list
	// does not bring back someone who asked to be forgotten.
	Erased int
}

// ErrSourceTooLong is returned when the consent source is longer than its
// column holds.
var ErrSourceTooLong = fmt.Errorf("the consent source is longer than %d characters", maxSource)

// ErrNoSource is returned when no consent source is given.
var ErrNoSource = errors.New("a consent source is required: say where these people agreed to hear from you")

// Load reads, checks and imports a CSV file: the console's upload form and
// the command line both call it. A file with bad rows is a RowErrors error
// and imports nothing.
func Load(ctx context.Context, r io.Reader, store Store, course Course, opts Options) (Report, error) {
	if err := checkSource(opts.ConsentSource); err != nil {
		return Report{}, err
	}
	list, err := Parse(r)
	if err != nil {
		return Report{}, err
	}
	return Import(ctx, list, store, course, opts)
}

// Import stores a checked list in one transaction, then queues each new
// subscriber's first email. Queuing is not part of the transaction: what
// fails to queue, the reconciler queues from the rows.
func Import(ctx context.Context, list List, store Store, course Course, opts Options) (Report, error) {
	if err := checkSource(opts.ConsentSource); err != nil {
		return Report{}, err
	}
	log := opts.Log
	if log == nil {
		log = slog.Default()
	}
	progress := opts.Progress
	if progress == nil {
		progress = noProgress{}
	}
	rows := make([]storage.ImportRow, len(list.Rows))
	for i, r := range list.Rows {
		rows[i] = storage.ImportRow{Email: r.Email, Name: r.Name, Timezone: r.Timezone}
		if opts.Confirmed {
			enr := course.FirstEnrollment(r.Timezone)
			rows[i].Enrollment = &enr
		}
	}
	progress.Phase("storing", len(rows))
	res, err := store.ImportSubscribers(ctx, rows, storage.ImportConsent{
		TextVersion: TextVersion, Source: strings.TrimSpace(opts.ConsentSource), UserAgent: "dripbook import",
	}, progress.Add)
	if err != nil {
		return Report{}, err
	}
	rep := Report{Rows: len(list.Rows), Duplicates: list.Duplicates, Created: len(res.Created), Existing: res.Existing, OverQuota: res.OverQuota, Erased: res.Erased}

	progress.Phase("queueing", len(res.Created))
	for _, c := range res.Created {
		var err error
		if c.Enrollment != nil {
			err = course.QueueEnrollment(ctx, *c.Enrollment)
		} else {
			err = course.RequestConfirmation(ctx, c.ID, 1)
		}
		if err != nil {
			rep.Unqueued++
			log.WarnContext(ctx, "queue imported subscriber's first email; the reconciler will", "subscriber_id", c.ID, "error", err)
		}
		progress.Add(1)
	}
	log.InfoContext(ctx, "list imported", "rows", rep.Rows, "created", rep.Created, "existing", rep.Existing,
		"duplicates", rep.Duplicates, "confirmed", opts.Confirmed, "unqueued", rep.Unqueued, "over_quota", rep.OverQuota, "erased", rep.Erased)
	return rep, nil
}

func checkSource(source string) error {
	source = strings.TrimSpace(source)
	if source == "" {
		return ErrNoSource
	}
	if utf8.RuneCountInString(source) > maxSource {
		return ErrSourceTooLong
	}
	return nil
}

type noProgress struct{}

func (noProgress) Phase(string, int) {}
func (noProgress) Add(int)           {}

package importer_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/importer"
	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/storage"
	"github.com/dripbook/dripbook/testenv"
)

var importNow = time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)

// fakeCourse records what an import asks of the course.
type fakeCourse struct {
	mu            sync.Mutex
	confirmations []int64
	queued        []models.Enrollment
	queueErr      error
}

func (f *fakeCourse) RequestConfirmation(_ context.Context, id int64, round int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if round != 1 {
		return errors.New("imports start at round 1")
	}
	f.confirmations = append(f.confirmations, id)
	return f.queueErr
}

func (f *fakeCourse) FirstEnrollment(string) models.Enrollment {
	due := importNow
	return models.Enrollment{Status: models.EnrollmentActive, NextStep: "welcome", NextSendAt: &due, LastDay: -1, Anchor: importNow}
}

func (f *fakeCourse) QueueEnrollment(_ context.Context, enr models.Enrollment) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queued = append(f.queued, enr)
	return f.queueErr
}

func load(t *testing.T, store *storage.Store, course *fakeCourse, file string, confirmed bool) (importer.Report, error) {
	t.Helper()
	f, err := os.Open(file)
	require.NoError(t, err)
	defer func() { require.NoError(t, f.Close()) }()
	return importer.Load(context.Background(), f, store, course, importer.Options{ConsentSource: "Workshop sign-up sheet, Berlin, Oct 2026", Confirmed: confirmed})
}

func count(t *testing.T, store *storage.Store) int {
	t.Helper()
	n := 0
	require.NoError(t, store.EachSubscriber(context.Background(), func(models.Subscriber) error { n++; return nil }))
	return n
}

func TestBadRowsAreReportedByLineAndNothingIsImported(t *testing.T) {
	t.Parallel()
	store := testenv.Store(t)
	course := &fakeCourse{}
	_, err := load(t, store, course, "testdata/mixed.csv", false)
	var problems importer.RowErrors
	require.ErrorAs(t, err, &problems)
	var lines []int
	for _, p := range problems {
		lines = append(lines, p.Line)
	}
	require.Equal(t, []int{4, 8, 12}, lines, "%v", err)
	require.Equal(t, "email", problems[0].Field)
	require.Equal(t, "timezone", problems[1].Field)
	require.Equal(t, "row", problems[2].Field)
	require.Contains(t, err.Error(), "line 8: timezone")
	require.Contains(t, err.Error(), "nothing was imported")
	require.Zero(t, count(t, store), "nothing half-imported")
	require.Empty(t, course.confirmations)
}

func TestImportMergesDuplicatesAndRunsOnce(t *testing.T) {
	t.Parallel()
	store := testenv.Store(t)
	store.SetClock(func() time.Time { return importNow })
	ctx := context.Background()
	// Already on the list, and gone: an import must not bring them back.
	res, err := store.Subscribe(ctx, models.Signup{Email: "erin@example.com", TextVersion: "v1"})
	require.NoError(t, err)
	_, err = store.Unsubscribe(ctx, res.SubscriberID)
	require.NoError(t, err)

	course := &fakeCourse{}
	rep, err := load(t, store, course, "testdata/good.csv", false)
	require.NoError(t, err)
	require.Equal(t, importer.Report{Rows: 4, Duplicates: 2, Created: 3, Existing: 1}, rep)
	require.Equal(t, 4, count(t, store))
	require.Len(t, course.confirmations, 3, "each new subscriber gets the confirmation email")

	bob, err := store.SubscriberByEmail(ctx, "bob@example.com")
	require.NoError(t, err)
	require.Equal(t, models.StatusPending, bob.Status)
	require.Equal(t, "Bob", bob.Name, "the first row's name")
	require.Equal(t, "Asia/Tokyo", bob.Timezone, "a later row fills in the zone")
	consents, err := store.Consents(ctx, bob.ID)
	require.NoError(t, err)
	require.Len(t, consents, 1)
	require.Equal(t, importer.TextVersion, consents[0].TextVersion)
	require.Equal(t, "Workshop sign-up sheet, Berlin, Oct 2026", consents[0].Source)
	require.Nil(t, consents[0].ConfirmedAt)

	carol, err := store.SubscriberByEmail(ctx, "carol@example.com")
	require.NoError(t, err)
	require.Equal(t, "=cmd()", carol.Name, "stored as given; the export neutralises it")
	erin, err := store.SubscriberByEmail(ctx, "erin@example.com")
	require.NoError(t, err)
	require.Equal(t, models.StatusUnsubscribed, erin.Status, "an unsubscribe stands")

	again, err := load(t, store, course, "testdata/good.csv", false)
	require.NoError(t, err)
	require.Equal(t, importer.Report{Rows: 4, Duplicates: 2, Created: 0, Existing: 4}, again)
	require.Equal(t, 4, count(t, store), "a second run imports nothing")
	require.Len(t, course.confirmations, 3, "and sends nothing")
}

func TestConfirmedImportEnrollsAtOnce(t *testing.T) {
	t.Parallel()
	store := testenv.Store(t)
	store.SetClock(func() time.Time { return importNow })
	ctx := context.Background()
	course := &fakeCourse{}
	rep, err := load(t, store, course, "testdata/good.csv", true)
	require.NoError(t, err)
	require.Equal(t, 4, rep.Created)
	require.Empty(t, course.confirmations, "no double opt-in for a confirmed list")
	require.Len(t, course.queued, 4)

	ann, err := store.SubscriberByEmail(ctx, "ann@example.com")
	require.NoError(t, err)
	require.Equal(t, models.StatusActive, ann.Status)
	require.NotNil(t, ann.ConfirmedAt)
	enr, err := store.Enrollment(ctx, ann.ID)
	require.NoError(t, err)
	require.Equal(t, models.EnrollmentActive, enr.Status)
	require.Equal(t, "welcome", enr.NextStep)
	due, err := store.DueEnrollments(ctx, importNow, 10)
	require.NoError(t, err)
	require.Len(t, due, 4, "the reconciler finds them even if nothing was queued")
	consents, err := store.Consents(ctx, ann.ID)
	require.NoError(t, err)
	require.Len(t, consents, 1)
	require.NotNil(t, consents[0].ConfirmedAt)
	require.Equal(t, "Workshop sign-up sheet, Berlin, Oct 2026", consents[0].Source)
}

func TestAFailedQueueIsReportedNotFatal(t *testing.T) {
	t.Parallel()
	store := testenv.Store(t)
	course := &fakeCourse{queueErr: errors.New("redis down")}
	rep, err := load(t, store, course, "testdata/good.csv", false)
	require.NoError(t, err)
	require.Equal(t, 4, rep.Created)
	require.Equal(t, 4, rep.Unqueued)
}

func TestHeaderAndSourceAreChecked(t *testing.T) {
	t.Parallel()
	store := testenv.Store(t)
	course := &fakeCourse{}
	opts := importer.Options{ConsentSource: "a list"}
	for name, file := range map[string]string{
		"empty":       "",
		"no email":    "name,timezone\nAnn,UTC\n",
		"named twice": "email,Email\na@example.com,b@example.com\n",
		"bare quote":  "email\n\"a@example.com\n",
	} {
		_, err := importer.Load(context.Background(), strings.NewReader(file), store, course, opts)
		var problems importer.RowErrors
		require.ErrorAs(t, err, &problems, name)
	}
	_, err := importer.Load(context.Background(), strings.NewReader("email\na@example.com\n"), store, course, importer.Options{})
	require.ErrorIs(t, err, importer.ErrNoSource)

	_, err = importer.Load(context.Background(), strings.NewReader("email\na@example.com\n"), store, course,
		importer.Options{ConsentSource: strings.Repeat("é", 501)})
	require.ErrorIs(t, err, importer.ErrSourceTooLong)

	// A byte-order mark and any column order are fine, and so is a source
	// of 500 characters that takes more bytes.
	long := importer.Options{ConsentSource: strings.Repeat("é", 500)}
	rep, err := importer.Load(context.Background(), strings.NewReader("\ufefftimezone;x,EMAIL\nUTC;x,a@example.com\n"), store, course, long)
	require.NoError(t, err)
	require.Equal(t, 1, rep.Created)
	a, err := store.SubscriberByEmail(context.Background(), "a@example.com")
	require.NoError(t, err)
	consents, err := store.Consents(context.Background(), a.ID)
	require.NoError(t, err)
	require.Equal(t, long.ConsentSource, consents[0].Source, "kept whole: 500 characters, not 500 bytes")
	// A byte-order mark ahead of a quoted header too, as spreadsheets that
	// quote every field write it.
	rep, err = importer.Load(context.Background(), strings.NewReader("\ufeff\"email\",\"name\"\n\"b@example.com\",\"Bea\"\n"), store, course, opts)
	require.NoError(t, err)
	require.Equal(t, 1, rep.Created)
}

// An import keeps to the same three confirmation emails per mailbox a day
// as signups: the addresses past them are not added, and said so; a
// confirmed import sends no confirmation and adds them all; the same file
// a day later adds the rest.
func TestImportKeepsToTheMailboxQuota(t *testing.T) {
	t.Parallel()
	store := testenv.Store(t)
	now := importNow
	store.SetClock(func() time.Time { return now })
	ctx := context.Background()
	_, err := store.Subscribe(ctx, models.Signup{Email: "ann+signup@example.com", TextVersion: "v1"}) // one round already today
	require.NoError(t, err)
	var file strings.Builder
	file.WriteString("email\n")
	for i := range 5 {
		fmt.Fprintf(&file, "ann+%d@example.com\n", i)
	}
	file.WriteString("bea@example.com\n")
	opts := importer.Options{ConsentSource: "Workshop sheet"}
	course := &fakeCourse{}

	rep, err := importer.Load(ctx, strings.NewReader(file.String()), store, course, opts)
	require.NoError(t, err)
	require.Equal(t, 3, rep.Created, "two of ann's and bea")
	require.Equal(t, 3, rep.OverQuota)
	require.Len(t, course.confirmations, 3)

	now = now.Add(storage.ConfirmWindow + time.Minute)
	rep, err = importer.Load(ctx, strings.NewReader(file.String()), store, course, opts)
	require.NoError(t, err)
	require.Equal(t, 3, rep.Created, "the day after, the rest")
	require.Equal(t, 3, rep.Existing)
	require.Zero(t, rep.OverQuota)

	confirmed := importer.Options{ConsentSource: "Workshop sheet", Confirmed: true}
	rep, err = importer.Load(ctx, strings.NewReader("email\ncy+1@example.com\ncy+2@example.com\ncy+3@example.com\ncy+4@example.com\n"), store, course, confirmed)
	require.NoError(t, err)
	require.Equal(t, 4, rep.Created, "no confirmation email, no quota")
}

package storage_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	bookings "github.com/dripbook/dripbook/booking"
	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/storage"
	"github.com/dripbook/dripbook/testenv"
)

// dump is every row of every table, as text.
func dump(t *testing.T, s *storage.Store) string {
	t.Helper()
	db := s.DB()
	var tables []string
	q := "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
	if s.Dialect() == "postgres" {
		q = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
	}
	require.NoError(t, db.Raw(q).Scan(&tables).Error)
	require.Contains(t, tables, "subscribers")
	var b strings.Builder
	for _, table := range tables {
		rows, err := db.Raw("SELECT * FROM " + table).Rows()
		require.NoError(t, err)
		cols, err := rows.Columns()
		require.NoError(t, err)
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			require.NoError(t, rows.Scan(ptrs...))
			fmt.Fprintf(&b, "%s:", table)
			for _, v := range vals {
				if raw, ok := v.([]byte); ok {
					v = string(raw)
				}
				fmt.Fprintf(&b, " %v", v)
			}
			b.WriteString("\n")
		}
		require.NoError(t, rows.Err())
		require.NoError(t, rows.Close())
	}
	return b.String()
}

func TestEraseLeavesNoPersonalDataAndKeepsTheFunnel(t *testing.T) {
	t.Parallel()
	s := testenv.Store(t)
	s.SetWebhooks(true) // the events name the subscriber too
	ctx := context.Background()
	now := time.Now().UTC()
	const addr, name = "erin.erased+list@example.com", "Erinyes Quillfeather"
	in := signup(addr)
	in.Name, in.UserAgent = name, "Mozilla/5.0 ("+name+")"
	res, err := s.Subscribe(ctx, in)
	require.NoError(t, err)
	id := res.SubscriberID
	other := newSubscribers(t, s, 1)[0]
	_, err = s.Confirm(ctx, id)
	require.NoError(t, err)
	for _, slug := range []string{"gaps", "close"} {
		key := models.DeliveryKey{SubscriberID: id, Kind: models.KindLesson, Step: slug}
		require.NoError(t, s.ClaimDelivery(ctx, key, time.Minute))
		require.NoError(t, s.MarkSent(ctx, key))
	}
	bad := models.DeliveryKey{SubscriberID: id, Kind: models.KindReminder, Step: "1"}
	require.NoError(t, s.ClaimDelivery(ctx, bad, time.Minute))
	require.NoError(t, s.MarkRetry(ctx, bad, errors.New("450 mailbox <"+addr+"> busy")))
	require.NoError(t, s.RecordClick(ctx, id, "close"))
	start := now.Add(-2 * time.Hour).Truncate(time.Minute)
	key := "idem-" + addr
	b, _, err := s.CreateBooking(ctx, models.Booking{SubscriberID: id, Start: start, End: start.Add(30 * time.Minute),
		UID: testenv.Random(16), Status: models.BookingConfirmed, IdempotencyKey: &key,
		Answers: `{"role":"PM","gap":"I am ` + name + `","notes":"write to ` + addr + `"}`, Timezone: "Europe/Berlin",
		PlaceText: "Call Erin on +44 20 7946 0018", PlaceURL: "https://meet.example/erin-quillfeather", PlaceSequence: 0})
	require.NoError(t, err)
	require.NoError(t, s.RecordChange(ctx, bookings.Change{SubscriberID: id, BookingID: b.ID, Event: bookings.EventBooked, At: now}))
	require.NoError(t, s.MarkOutcome(ctx, b.ID, models.OutcomeAttended))

	from, to := now.Add(-24*time.Hour), now.Add(24*time.Hour)
	before, err := s.Funnel(ctx, from, to)
	require.NoError(t, err)
	require.Equal(t, storage.Funnel{SignedUp: 2, Confirmed: 1, Sent: map[string]int64{"gaps": 1, "close": 1},
		Clicked: map[string]int64{"close": 1}, Booked: 1, Attended: 1}, before)
	all := dump(t, s)
	require.Contains(t, all, addr, "the dump sees the data before the erasure")
	require.Contains(t, all, name)
	require.Contains(t, all, `"type":"subscriber.confirmed"`, "the dump sees the events")

	require.NoError(t, s.Erase(ctx, id))

	held, err := s.Booking(ctx, b.ID)
	require.NoError(t, err)
	require.Equal(t, models.BookingConfirmed, held.Status, "a call that took place stays in the record")

	all = dump(t, s)
	for _, secret := range []string{addr, "erin.erased", name, "Quillfeather", "7946 0018"} {
		require.NotContains(t, strings.ToLower(all), strings.ToLower(secret))
	}
	after, err := s.Funnel(ctx, from, to)
	require.NoError(t, err)
	require.Equal(t, before, after, "the funnel counts the anonymous rows")
	sub, err := s.Subscriber(ctx, id)
	require.NoError(t, err)
	require.Equal(t, models.StatusErased, sub.Status)
	require.Equal(t, storage.ErasedEmail(id), sub.Email)
	kept, err := s.Subscriber(ctx, other)
	require.NoError(t, err)
	require.Equal(t, "Ada", kept.Name, "other subscribers are untouched")

	require.NoError(t, s.MarkBounced(ctx, id))
	sub, err = s.Subscriber(ctx, id)
	require.NoError(t, err)
	require.Equal(t, models.StatusErased, sub.Status, "a late bounce does not bring the row back")

	again, err := s.Subscribe(ctx, signup(addr))
	require.NoError(t, err)
	require.NotZero(t, again.Round, "the address may sign up again")
	require.NotEqual(t, id, again.SubscriberID)
}

func TestMarkOutcome(t *testing.T) {
	t.Parallel()
	s := testenv.Store(t)
	ctx := context.Background()
	subs := newSubscribers(t, s, 2)
	now := time.Now().UTC().Truncate(time.Minute)
	past, _, err := s.CreateBooking(ctx, booking(subs[0], now.Add(-time.Hour)))
	require.NoError(t, err)
	future, _, err := s.CreateBooking(ctx, booking(subs[1], now.Add(time.Hour)))
	require.NoError(t, err)
	require.ErrorIs(t, s.MarkOutcome(ctx, future.ID, models.OutcomeAttended), storage.ErrNotYetHeld)
	require.ErrorIs(t, s.MarkOutcome(ctx, past.ID, "maybe"), storage.ErrBadOutcome)
	require.NoError(t, s.MarkOutcome(ctx, past.ID, models.OutcomeNoShow))
	require.NoError(t, s.MarkOutcome(ctx, past.ID, models.OutcomeAttended), "a mark can be corrected")
	got, err := s.Booking(ctx, past.ID)
	require.NoError(t, err)
	require.Equal(t, models.OutcomeAttended, got.Outcome)
	require.NotNil(t, got.OutcomeAt)
}

func TestSearchSubscribers(t *testing.T) {
	t.Parallel()
	bothStores(t, testSearchSubscribers)
}

func testSearchSubscribers(t *testing.T, s *storage.Store) {
	ctx := context.Background()
	for _, p := range [][2]string{{"ann@example.com", "Ann Lee"}, {"bob@example.com", "Annika Bo"}, {"carl@example.com", "Carl"}, {"an_x@example.com", "X"}, {"e@example.com", "Élodie Ørsted"}} {
		in := signup(p[0])
		in.Name = p[1]
		_, err := s.Subscribe(ctx, in)
		require.NoError(t, err)
	}
	emails := func(f storage.SubscriberFilter) []string {
		subs, err := s.SearchSubscribers(ctx, f)
		require.NoError(t, err)
		var out []string
		for _, sub := range subs {
			out = append(out, sub.Email)
		}
		return out
	}
	require.Equal(t, []string{"bob@example.com", "ann@example.com"}, emails(storage.SubscriberFilter{Query: "ANN"}), "name or address, any case")
	require.Equal(t, []string{"an_x@example.com"}, emails(storage.SubscriberFilter{Query: "an_"}), "a LIKE wildcard is a plain character")
	require.Equal(t, []string{"carl@example.com"}, emails(storage.SubscriberFilter{Query: "car"}))
	require.Equal(t, []string{"e@example.com"}, emails(storage.SubscriberFilter{Query: "élodie"}), "any case beyond ASCII too")
	require.Equal(t, []string{"e@example.com"}, emails(storage.SubscriberFilter{Query: "ÉLO"}))
	page := emails(storage.SubscriberFilter{Limit: 3})
	require.Equal(t, []string{"e@example.com", "an_x@example.com", "carl@example.com"}, page)
	last, err := s.SubscriberByEmail(ctx, "carl@example.com")
	require.NoError(t, err)
	require.Equal(t, []string{"bob@example.com", "ann@example.com"}, emails(storage.SubscriberFilter{After: last.ID, Limit: 2}), "the next keyset page")
	require.Empty(t, emails(storage.SubscriberFilter{Status: models.StatusActive}))
	require.Len(t, emails(storage.SubscriberFilter{Status: models.StatusPending}), 5)
}

func TestSignupsPerDayAndTheFunnelPeriod(t *testing.T) {
	t.Parallel()
	s := testenv.Store(t)
	ctx := context.Background()
	day := time.Date(2026, 3, 29, 0, 0, 0, 0, time.UTC)
	for i, at := range []time.Time{day.Add(time.Minute), day.Add(23 * time.Hour), day.Add(25 * time.Hour), day.Add(72 * time.Hour)} {
		s.SetClock(func() time.Time { return at })
		_, err := s.Subscribe(ctx, signup(fmt.Sprintf("d%d@example.com", i)))
		require.NoError(t, err)
	}
	got, err := s.SignupsPerDay(ctx, day, day.AddDate(0, 0, 3))
	require.NoError(t, err)
	require.Equal(t, []storage.DayCount{{Day: "2026-03-29", Count: 2}, {Day: "2026-03-30", Count: 1}}, got)
	f, err := s.Funnel(ctx, day.Add(24*time.Hour), day.AddDate(0, 0, 4))
	require.NoError(t, err)
	require.Equal(t, int64(2), f.SignedUp, "the period is [from, to)")
}

func TestEraseCallsOffAnUpcomingCall(t *testing.T) {
	t.Parallel()
	s := testenv.Store(t)
	ctx := context.Background()
	id := newSubscribers(t, s, 1)[0]
	past, _, err := s.CreateBooking(ctx, booking(id, time.Now().UTC().Add(-48*time.Hour)))
	require.NoError(t, err)
	_, err = s.CancelBooking(ctx, past.ID) // a change not yet announced when they asked to be forgotten
	require.NoError(t, err)
	upcoming, _, err := s.CreateBooking(ctx, booking(id, time.Now().UTC().Add(48*time.Hour)))
	require.NoError(t, err)
	require.NoError(t, s.Erase(ctx, id))
	off, err := s.Booking(ctx, upcoming.ID)
	require.NoError(t, err)
	require.Equal(t, models.BookingCancelled, off.Status, "the call is off")
	require.Equal(t, upcoming.Sequence+1, off.Sequence, "as a version of its own")
	unannounced, err := s.UnannouncedBookings(ctx, 10)
	require.NoError(t, err)
	var ids []int64
	for _, b := range unannounced {
		ids = append(ids, b.ID)
	}
	require.Contains(t, ids, upcoming.ID, "the reconciler announces it (to the coach: the engine mails nobody erased)")
	require.NotContains(t, ids, past.ID, "nothing else about their calls is announced")
}

// A call marked attended is kept by the updates themselves, so a mark that
// lands while a cancel or a move is being decided still holds.
func TestAnAttendedCallIsKeptByTheUpdate(t *testing.T) {
	t.Parallel()
	s := testenv.Store(t)
	ctx := context.Background()
	id := newSubscribers(t, s, 1)[0]
	now := time.Now().UTC().Truncate(time.Minute)
	b, _, err := s.CreateBooking(ctx, booking(id, now.Add(-time.Hour)))
	require.NoError(t, err)
	require.NoError(t, s.MarkOutcome(ctx, b.ID, models.OutcomeAttended))

	_, err = s.CancelBooking(ctx, b.ID)
	require.ErrorIs(t, err, bookings.ErrCallAttended)
	_, err = s.RescheduleBooking(ctx, b.ID, now.Add(time.Hour), now.Add(90*time.Minute))
	require.ErrorIs(t, err, bookings.ErrCallAttended)
	got, err := s.Booking(ctx, b.ID)
	require.NoError(t, err)
	require.Equal(t, models.BookingConfirmed, got.Status)
	require.Equal(t, models.OutcomeAttended, got.Outcome)
	require.Equal(t, b.Sequence, got.Sequence)
}

// An erased subscriber's address is remembered only as a keyed digest, and
// an old list imported again leaves it out, confirmed or not; their own new
// signup still starts afresh. Without a key nothing is remembered.
func TestAnImportDoesNotBringBackTheErased(t *testing.T) {
	t.Parallel()
	s := testenv.Store(t)
	s.SetSuppressionKey([]byte("a test secret key, 32 bytes long"))
	ctx := context.Background()
	res, err := s.Subscribe(ctx, signup("Forget.Me@example.com"))
	require.NoError(t, err)
	require.NoError(t, s.Erase(ctx, res.SubscriberID))
	require.NotContains(t, strings.ToLower(dump(t, s)), "forget.me", "the digest names nobody")

	consent := storage.ImportConsent{TextVersion: "v1", Source: "old list"}
	for _, confirmed := range []bool{false, true} {
		// The same inbox, however the old list wrote it.
		rows := []storage.ImportRow{{Email: "forget.me@example.com", Name: "Forgotten"}, {Email: "forget.me+news@example.com"}, {Email: "kept@example.com"}}
		if confirmed {
			for i := range rows {
				rows[i].Enrollment = &models.Enrollment{Status: models.EnrollmentActive, NextStep: "welcome", LastDay: -1}
			}
		}
		got, err := s.ImportSubscribers(ctx, rows, consent, nil)
		require.NoError(t, err)
		require.Equal(t, 2, got.Erased, "confirmed=%v", confirmed)
		for _, e := range []string{"forget.me@example.com", "forget.me+news@example.com"} {
			_, err = s.SubscriberByEmail(ctx, e)
			require.ErrorIs(t, err, models.ErrNotFound, e)
		}
	}
	again, err := s.Subscribe(ctx, signup("forget.me@example.com"))
	require.NoError(t, err)
	sub, err := s.Subscriber(ctx, again.SubscriberID)
	require.NoError(t, err)
	require.Equal(t, models.StatusPending, sub.Status, "their own signup starts afresh")

	// A process with another key cannot tell who was erased, and says so
	// rather than bring them back.
	other := s.WithSuppressionKey([]byte("another key, another process...."))
	_, err = other.ImportSubscribers(ctx, []storage.ImportRow{{Email: "someone@example.com"}}, consent, nil)
	require.ErrorIs(t, err, storage.ErrOtherKey)
	// Once the server runs with that key (a new SECRET_KEY), imports go on,
	// those erased under the old one forgotten.
	require.NoError(t, other.MarkSuppressionKey(ctx))
	got, err := other.ImportSubscribers(ctx, []storage.ImportRow{{Email: "someone@example.com"}}, consent, nil)
	require.NoError(t, err)
	require.Len(t, got.Created, 1)

	keyless := testenv.Store(t)
	res, err = keyless.Subscribe(ctx, signup("other@example.com"))
	require.NoError(t, err)
	require.NoError(t, keyless.Erase(ctx, res.SubscriberID))
	got, err = keyless.ImportSubscribers(ctx, []storage.ImportRow{{Email: "other@example.com"}}, consent, nil)
	require.NoError(t, err)
	require.Zero(t, got.Erased)
	require.Len(t, got.Created, 1, "without a key, nothing was remembered")
}

// On SQLite an erasure leaves nothing of the address in the file either:
// what a delete or an update frees is overwritten, not left for a backup
// of DATA_DIR to keep.
func TestErasureLeavesNoBytesInTheSQLiteFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "erase.db")
	s, err := storage.Open("sqlite://" + path)
	require.NoError(t, err)
	require.NoError(t, s.Migrate(context.Background()))
	ctx := context.Background()
	in := signup("zelda.unique@example.com")
	in.Name, in.IP, in.UserAgent = "Zelda Quintessa", "203.0.113.77", "ZeldaBrowser/9.9"
	res, err := s.Subscribe(ctx, in)
	require.NoError(t, err)
	require.NoError(t, s.Erase(ctx, res.SubscriberID))
	require.NoError(t, s.Close())

	files, err := filepath.Glob(path + "*") // the database, and a write-ahead log if one is left
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, personal := range []string{"zelda.unique", "Zelda Quintessa", "203.0.113.77", "ZeldaBrowser"} {
			require.NotContains(t, string(data), personal, "%s holds %q after the erasure", filepath.Base(f), personal)
		}
	}
}

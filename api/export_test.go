package api

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/testenv"
)

// newDataEnv is a test server with the console's data routes under /admin
// and no sign-in, which the console's own tests cover.
func newDataEnv(tb testing.TB, change func(*Deps)) *testEnv {
	tb.Helper()
	var deps Deps
	env := newTestEnv(tb, func(d *Deps) {
		if change != nil {
			change(d)
		}
		deps = *d
	})
	s := &server{Deps: deps}
	s.adminDataRoutes(env.e.Group("/admin"))
	return env
}

// mustCSV parses an export back, header row first.
func mustCSV(tb testing.TB, rec *httptest.ResponseRecorder) [][]string {
	tb.Helper()
	require.Equal(tb, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(tb, "text/csv; charset=utf-8", rec.Header().Get(echo.HeaderContentType))
	require.Contains(tb, rec.Header().Get(echo.HeaderContentDisposition), "attachment")
	r := csv.NewReader(strings.NewReader(rec.Body.String()))
	rows, err := r.ReadAll()
	require.NoError(tb, err)
	return rows
}

func TestExportSubscribersCSV(t *testing.T) {
	t.Parallel()
	env := newDataEnv(t, nil)
	ctx := context.Background()
	ann := mustActiveSubscriber(t, env, "ann@example.com")
	_, err := env.store.Subscribe(ctx, models.Signup{Email: "evil@example.com", Name: "=cmd()", Timezone: "Europe/Berlin", TextVersion: testConsentVersion})
	require.NoError(t, err)
	_, err = env.store.Subscribe(ctx, models.Signup{Email: "quote@example.com", Name: "O\"Brien, \"Jr\"\nsecond line", TextVersion: testConsentVersion})
	require.NoError(t, err)

	rec := env.get("/admin/export/subscribers.csv")
	rows := mustCSV(t, rec)
	require.Equal(t, subscriberColumns, rows[0])
	require.Len(t, rows, 4)
	require.True(t, strings.HasSuffix(rec.Body.String(), "\r\n"), "RFC 4180 lines end in CRLF")

	require.Equal(t, strconv.FormatInt(ann, 10), rows[1][0])
	require.Equal(t, "ann@example.com", rows[1][1])
	require.Equal(t, models.StatusActive, rows[1][4])
	require.Equal(t, testNow.Format("2006-01-02T15:04:05Z07:00"), rows[1][6], "confirmed_at")

	require.Equal(t, "evil@example.com", rows[2][1])
	require.Equal(t, "'=cmd()", rows[2][2], "a formula is neutralised")
	require.Equal(t, "Europe/Berlin", rows[2][3])
	require.Equal(t, models.StatusPending, rows[2][4])
	require.Empty(t, rows[2][6])

	require.Equal(t, "O\"Brien, \"Jr\"\nsecond line", rows[3][2], "quotes, commas and newlines survive")
}

func TestExportBookingsCSV(t *testing.T) {
	t.Parallel()
	env := newDataEnv(t, nil)
	sub := mustActiveSubscriber(t, env, "bob@example.com")
	b := env.mustBook(t, sub, firstSlot)

	rows := mustCSV(t, env.get("/admin/export/bookings.csv"))
	require.Equal(t, bookingColumns, rows[0])
	require.Len(t, rows, 2)
	got := map[string]string{}
	for i, col := range rows[0] {
		got[col] = rows[1][i]
	}
	require.Equal(t, strconv.FormatInt(b.ID, 10), got["id"])
	require.Equal(t, strconv.FormatInt(sub, 10), got["subscriber_id"])
	require.Equal(t, "bob@example.com", got["email"])
	require.Equal(t, firstSlot.Format("2006-01-02T15:04:05Z07:00"), got["starts_at"])
	require.Equal(t, models.BookingConfirmed, got["status"])
	require.Equal(t, "Europe/Berlin", got["timezone"])
	require.Empty(t, got["cancelled_at"])
}

func TestNeutralise(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"=cmd()": "'=cmd()", "+1": "'+1", "-1": "'-1", "@SUM(A1)": "'@SUM(A1)",
		"\tx": "'\tx", "\rx": "'\rx", "": "", "Ann": "Ann", "a=b": "a=b",
		// A ";" list separator makes each part a cell of its own.
		"Ann;=cmd|' /C calc'!A0": "Ann;'=cmd|' /C calc'!A0", "a; +1;b": "a; '+1;b", "a;b=c": "a;b=c", "=a;-b": "'=a;'-b",
	} {
		require.Equal(t, want, neutralise(in), "%q", in)
	}
}

// flushRecorder counts what an export writes between flushes and samples
// the live heap at each flush.
type flushRecorder struct {
	header   http.Header
	status   int
	bytes    int
	chunk    int
	maxChunk int
	flushes  int
	lines    int
	peakHeap uint64
}

func (f *flushRecorder) Header() http.Header  { return f.header }
func (f *flushRecorder) WriteHeader(code int) { f.status = code }
func (f *flushRecorder) Write(p []byte) (int, error) {
	f.bytes += len(p)
	f.chunk += len(p)
	f.lines += bytes.Count(p, []byte("\n")) // a CRLF may be split between two writes
	return len(p), nil
}

// Flush samples the live heap: after a collection, so that garbage the
// collector has not reached yet does not count.
func (f *flushRecorder) Flush() {
	f.flushes++
	f.maxChunk = max(f.maxChunk, f.chunk)
	f.chunk = 0
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	f.peakHeap = max(f.peakHeap, ms.HeapAlloc)
}

// TestExportStreamsLargeList runs alone (no t.Parallel) so that the heap it
// samples is its own.
func TestExportStreamsLargeList(t *testing.T) {
	const n = 50_000
	env := newDataEnv(t, nil)
	require.NoError(t, env.store.SeedSubscribers(context.Background(), "bulk", n))

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	rec := &flushRecorder{header: http.Header{}}
	env.e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/admin/export/subscribers.csv", nil))

	require.Equal(t, http.StatusOK, rec.status)
	require.Equal(t, n+1, rec.lines, "a header row and one row per subscriber")
	require.GreaterOrEqual(t, rec.flushes, n/exportFlushRows, "written as it is read, not at the end")
	require.Less(t, rec.maxChunk, 256<<10, "no more than a batch between flushes")
	// The whole export is several MiB, and the rows as structs more: holding
	// either would show in the live heap.
	grown := int64(rec.peakHeap) - int64(before.HeapAlloc)
	require.Less(t, grown, int64(4<<20), "heap grew by %d bytes while exporting %d bytes", grown, rec.bytes)
	t.Logf("exported %d bytes in %d flushes; heap grew at most %d bytes", rec.bytes, rec.flushes, grown)
}

// TestExportOutlastsTheServerWriteTimeout serves an export from a server
// whose WriteTimeout has passed before the first row is written: each
// batch moves the deadline on, so the whole file still arrives.
func TestExportOutlastsTheServerWriteTimeout(t *testing.T) {
	t.Parallel()
	const n = 5000
	env := newDataEnv(t, nil)
	require.NoError(t, env.store.SeedSubscribers(context.Background(), "slow", n))
	srv := httptest.NewUnstartedServer(env.e)
	srv.Config.WriteTimeout = time.Millisecond
	srv.Start()
	t.Cleanup(srv.Close)

	resp, err := http.Get(srv.URL + "/admin/export/subscribers.csv")
	require.NoError(t, err)
	defer func() { require.NoError(t, resp.Body.Close()) }()
	rows, err := csv.NewReader(resp.Body).ReadAll()
	require.NoError(t, err, "the download was not cut short")
	require.Len(t, rows, n+1)
}

// An export that fails after its first rows are out is logged and broken
// off: the coach's download fails, rather than end cleanly and pass for
// the whole list.
func TestAnExportThatFailsIsBrokenOff(t *testing.T) {
	t.Parallel()
	var logs testenv.Buffer
	env := newDataEnv(t, func(d *Deps) { d.Log = slog.New(slog.NewJSONHandler(&logs, nil)) })
	require.NoError(t, env.store.SeedSubscribers(context.Background(), "gone", 10))
	require.NoError(t, env.store.Close()) // the database goes away
	srv := httptest.NewServer(env.e)
	t.Cleanup(srv.Close)

	resp, err := http.Get(srv.URL + "/admin/export/subscribers.csv")
	if err == nil {
		// The status and the header row may be out already.
		_, err = io.ReadAll(resp.Body)
		require.NoError(t, resp.Body.Close())
	}
	require.Error(t, err, "the download fails where it stopped")
	require.Contains(t, logs.String(), "export failed after it began")
}

package api

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/token"
)

// The webhook secrets the test server checks.
const (
	testCalcomSecret   = "calcom-test-secret"
	testCalendlySecret = "calendly-test-signing-key"
)

// newHookEnv is a booking server with Cal.com at BOOKING_URL, both
// schedulers' webhooks on and the webhook outbox written.
func newHookEnv(tb testing.TB) *testEnv {
	tb.Helper()
	env := newBookingEnv(tb, func(d *Deps) {
		d.BookingURL = "https://cal.com/dana/discovery"
		d.Scheduler = Scheduler{
			NameParam: "name", EmailParam: "email", RefParam: "metadata[dripbook_ref]",
			CalcomSecret: testCalcomSecret, CalendlySecret: testCalendlySecret,
		}
	})
	env.store.SetWebhooks(true)
	return env
}

// schedulerRef is the signed reference the personal link gives the
// scheduler for a subscriber.
func (env *testEnv) schedulerRef(subID int64) string {
	return env.signer.Sign(token.SchedulerRef, subID, testNow)
}

// fixture reads a payload from testdata with each old string in pairs
// replaced by the new one after it; each must be there.
func fixture(tb testing.TB, name string, pairs ...string) []byte {
	tb.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(tb, err)
	s := string(raw)
	for i := 0; i < len(pairs); i += 2 {
		require.Contains(tb, s, pairs[i], "%s has no %q", name, pairs[i])
		s = strings.ReplaceAll(s, pairs[i], pairs[i+1])
	}
	return []byte(s)
}

// calcomBody is a recorded Cal.com delivery sent at sent, by attendee, with
// ref (when set) in the booking's metadata, as the personal link's
// metadata[dripbook_ref] parameter puts it there.
func calcomBody(tb testing.TB, name string, sent time.Time, attendee, ref string) []byte {
	tb.Helper()
	metadata := "{}"
	if ref != "" {
		metadata = `{"dripbook_ref": "` + ref + `"}`
	}
	return fixture(tb, name,
		`"createdAt": "2023-05-24T09:30:00.538Z"`, `"createdAt": "`+sent.UTC().Format("2006-01-02T15:04:05.000Z")+`"`,
		"john.doe@example.com", attendee,
		`"metadata": {}`, `"metadata": `+metadata)
}

// hexHMAC is the hex HMAC-SHA256 of msg under secret.
func hexHMAC(secret, msg string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil))
}

// calcomSignature is X-Cal-Signature-256 for body.
func calcomSignature(body []byte) string { return hexHMAC(testCalcomSecret, string(body)) }

// postHook serves a scheduler's delivery with one signature header.
func (env *testEnv) postHook(path string, body []byte, header, sig string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	if sig != "" {
		req.Header.Set(header, sig)
	}
	return env.do(req)
}

// postCalcom serves a Cal.com delivery with its signature.
func (env *testEnv) postCalcom(body []byte, sig string) *httptest.ResponseRecorder {
	return env.postHook("/hooks/calcom", body, "X-Cal-Signature-256", sig)
}

// calendlyBody is a recorded Calendly delivery by attendee, with ref (when
// set) in the invitee's tracking, as the personal link's utm_content
// parameter puts it there.
func calendlyBody(tb testing.TB, name, attendee, ref string) []byte {
	tb.Helper()
	pairs := []string{`"email": "test@example.com"`, `"email": "` + attendee + `"`}
	if ref != "" {
		pairs = append(pairs, `"utm_content": null`, `"utm_content": "`+ref+`"`)
	}
	return fixture(tb, name, pairs...)
}

// calendlySignatureAt is Calendly-Webhook-Signature for body signed at t.
func calendlySignatureAt(body []byte, t time.Time) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hexHMAC(testCalendlySecret, ts+"."+string(body))
}

// postCalendly serves a Calendly delivery with its signature header.
func (env *testEnv) postCalendly(body []byte, sig string) *httptest.ResponseRecorder {
	return env.postHook("/hooks/calendly", body, "Calendly-Webhook-Signature", sig)
}

// bookingsOf lists a subscriber's bookings, newest first.
func (env *testEnv) bookingsOf(tb testing.TB, subID int64) []models.Booking {
	tb.Helper()
	bs, err := env.store.BookingsFor(context.Background(), subID)
	require.NoError(tb, err)
	return bs
}

// bookingEvents lists the types of the booking.* events in the webhook
// outbox, sorted: under the tests' fixed clock they all have one time.
func (env *testEnv) bookingEvents(tb testing.TB) []string {
	tb.Helper()
	ctx := context.Background()
	ids, err := env.store.UndeliveredWebhookEvents(ctx, 1000)
	require.NoError(tb, err)
	var types []string
	for _, id := range ids {
		ev, err := env.store.WebhookEvent(ctx, id)
		require.NoError(tb, err)
		if strings.HasPrefix(ev.Type, "booking.") {
			types = append(types, ev.Type)
		}
	}
	slices.Sort(types)
	return types
}

// hookState is everything a delivery could change, to show that a refused
// one changed nothing.
type hookState struct {
	Bookings  []models.Booking
	Events    []string
	Notices   []notice
	Replanned []int64
}

func (env *testEnv) hookState(tb testing.TB, subs ...int64) hookState {
	tb.Helper()
	st := hookState{Events: env.bookingEvents(tb), Notices: env.notifier.Notices(), Replanned: env.replanner.IDs()}
	for _, id := range subs {
		st.Bookings = append(st.Bookings, env.bookingsOf(tb, id)...)
	}
	return st
}

// IDs are the subscribers re-planned so far, in order.
func (f *fakeReplanner) IDs() []int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]int64(nil), f.ids...)
}

// mustCalcom serves a Cal.com delivery with its signature and returns the
// 200 answer.
func (env *testEnv) mustCalcom(tb testing.TB, body []byte) hookAnswer {
	tb.Helper()
	return mustAccepted(tb, env.postCalcom(body, calcomSignature(body)))
}

// mustCalendly serves a Calendly delivery signed at t and returns the 200
// answer.
func (env *testEnv) mustCalendly(tb testing.TB, body []byte, t time.Time) hookAnswer {
	tb.Helper()
	return mustAccepted(tb, env.postCalendly(body, calendlySignatureAt(body, t)))
}

// mustAccepted decodes a 200 answer to a scheduler.
func mustAccepted(tb testing.TB, rec *httptest.ResponseRecorder) hookAnswer {
	tb.Helper()
	require.Equal(tb, http.StatusOK, rec.Code, rec.Body.String())
	var a hookAnswer
	require.NoError(tb, json.Unmarshal(rec.Body.Bytes(), &a), rec.Body.String())
	return a
}

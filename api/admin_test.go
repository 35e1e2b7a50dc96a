package api

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/storage"
	"github.com/dripbook/dripbook/testenv"
)

const testAdminPassword = "correct horse battery staple"

// newAdminEnv is a test server with the console on, over testenv's store:
// the console's queries run on PostgreSQL too when TEST_DATABASE_URL is set.
func newAdminEnv(tb testing.TB, change func(*Deps)) *testEnv {
	tb.Helper()
	return newTestEnvOn(tb, testenv.Store(tb), func(d *Deps) {
		d.AdminPassword = testAdminPassword
		d.Lessons = []string{"gaps", "close"}
		if change != nil {
			change(d)
		}
	})
}

// adminClient carries the console's cookies between requests.
type adminClient struct {
	env     *testEnv
	cookies map[string]*http.Cookie
	csrf    string
}

var csrfValue = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func (a *adminClient) do(req *http.Request) *httptest.ResponseRecorder {
	for _, ck := range a.cookies {
		req.AddCookie(ck)
	}
	rec := a.env.do(req)
	for _, ck := range rec.Result().Cookies() {
		if ck.MaxAge < 0 {
			delete(a.cookies, ck.Name)
		} else {
			a.cookies[ck.Name] = ck
		}
	}
	if m := csrfValue.FindStringSubmatch(rec.Body.String()); m != nil {
		a.csrf = m[1]
	}
	return rec
}

func (a *adminClient) get(path string) *httptest.ResponseRecorder {
	return a.do(httptest.NewRequest(http.MethodGet, path, nil))
}

// post sends form with the CSRF token the last page carried, unless form
// sets one itself.
func (a *adminClient) post(path string, form url.Values) *httptest.ResponseRecorder {
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["_csrf"]; !ok {
		form.Set("_csrf", a.csrf)
	}
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return a.do(req)
}

// signIn returns a client signed in to env's console.
func signIn(t *testing.T, env *testEnv) *adminClient {
	t.Helper()
	a := &adminClient{env: env, cookies: map[string]*http.Cookie{}}
	require.Equal(t, http.StatusOK, a.get("/admin/login").Code)
	rec := a.post("/admin/login", url.Values{"password": {testAdminPassword}})
	require.Equal(t, http.StatusSeeOther, rec.Code, rec.Body.String())
	require.Equal(t, "/admin", rec.Header().Get("Location"))
	return a
}

func TestAdminNeedsSignIn(t *testing.T) {
	t.Parallel()
	env := newAdminEnv(t, nil)
	for _, path := range []string{"/admin", "/admin/subscribers", "/admin/subscribers/1", "/admin/bookings"} {
		rec := env.get(path)
		require.Equal(t, http.StatusSeeOther, rec.Code, path)
		require.Equal(t, "/admin/login", rec.Header().Get("Location"), path)
	}
	require.Equal(t, http.StatusNotFound, newTestEnv(t, nil).get("/admin/login").Code, "no password, no console")
}

func TestAdminSignInSetsASafeCookie(t *testing.T) {
	t.Parallel()
	env := newAdminEnv(t, func(d *Deps) { d.BaseURL = "https://coach.example" })
	a := signIn(t, env)
	ck := a.cookies[sessionCookie]
	require.NotNil(t, ck)
	require.True(t, ck.HttpOnly)
	require.True(t, ck.Secure, "Secure when BASE_URL is https")
	require.Equal(t, http.SameSiteLaxMode, ck.SameSite)
	require.Equal(t, int(sessionLength/time.Second), ck.MaxAge)
	require.Equal(t, http.StatusOK, a.get("/admin").Code)
	require.Equal(t, "/admin", a.get("/admin/login").Header().Get("Location"), "signed in already")

	rec := a.post("/admin/logout", nil)
	require.Equal(t, http.StatusSeeOther, rec.Code)
	require.NotContains(t, a.cookies, sessionCookie)
	require.Equal(t, http.StatusSeeOther, a.get("/admin").Code, "signed out")

	other := newAdminEnv(t, func(d *Deps) { d.AdminPassword = "another password" })
	req := httptest.NewRequest(http.MethodGet, "/admin", nil)
	req.AddCookie(ck)
	require.Equal(t, http.StatusSeeOther, other.do(req).Code, "a new password ends the sessions of the old")
}

func TestAdminWrongPasswordIsRefusedAlike(t *testing.T) {
	t.Parallel()
	env := newAdminEnv(t, nil)
	var bodies []string
	for _, pw := range []string{"", "x", testAdminPassword[:len(testAdminPassword)-1], testAdminPassword + " ", strings.ToUpper(testAdminPassword)} {
		a := &adminClient{env: env, cookies: map[string]*http.Cookie{}}
		a.get("/admin/login")
		rec := a.post("/admin/login", url.Values{"password": {pw}})
		require.Equal(t, http.StatusUnauthorized, rec.Code)
		require.Contains(t, rec.Body.String(), "That password is not right.")
		require.NotContains(t, a.cookies, sessionCookie)
		bodies = append(bodies, csrfValue.ReplaceAllString(rec.Body.String(), ""))
	}
	for _, b := range bodies[1:] {
		require.Equal(t, bodies[0], b, "the answer does not depend on how close the password was")
	}
}

func TestAdminSignInIsRateLimited(t *testing.T) {
	t.Parallel()
	env := newAdminEnv(t, func(d *Deps) {
		d.Limits = Limits{Redis: testenv.Redis(t), Prefix: "test:" + testenv.Random(8) + ":", LoginPerIP: Rate{N: 3, Per: time.Hour}}
	})
	a := &adminClient{env: env, cookies: map[string]*http.Cookie{}}
	a.get("/admin/login")
	for range 3 {
		require.Equal(t, http.StatusUnauthorized, a.post("/admin/login", url.Values{"password": {"guess"}}).Code)
	}
	rec := a.post("/admin/login", url.Values{"password": {testAdminPassword}})
	require.Equal(t, http.StatusTooManyRequests, rec.Code, "even the right password waits once the limit is reached")
	require.NotEmpty(t, rec.Header().Get("Retry-After"))
}

func TestAdminPostWithoutCSRFTokenIsRefused(t *testing.T) {
	t.Parallel()
	env := newAdminEnv(t, nil)
	sub := mustSubscriberIn(t, env, "ann@example.com", "Ann", "")
	a := signIn(t, env)
	path := "/admin/subscribers/" + itoa(sub) + "/unsubscribe"
	require.Equal(t, http.StatusBadRequest, a.post(path, url.Values{"_csrf": nil}).Code, "missing token")
	require.Equal(t, http.StatusForbidden, a.post(path, url.Values{"_csrf": {"forged"}}).Code, "wrong token")
	got, err := env.store.Subscriber(t.Context(), sub)
	require.NoError(t, err)
	require.Equal(t, models.StatusActive, got.Status)

	// Without its token, not even the sign-in form is taken.
	fresh := &adminClient{env: env, cookies: map[string]*http.Cookie{}}
	fresh.get("/admin/login")
	require.Equal(t, http.StatusBadRequest, fresh.post("/admin/login", url.Values{"password": {testAdminPassword}, "_csrf": nil}).Code)

	// A sibling subdomain can plant the token's cookie and send the same
	// value in the form: the browser says where the POST came from.
	for _, site := range []string{"same-site", "cross-site"} {
		form := url.Values{"_csrf": {a.csrf}}
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", site)
		require.Equal(t, http.StatusForbidden, a.do(req).Code, site)
	}
	got, err = env.store.Subscriber(t.Context(), sub)
	require.NoError(t, err)
	require.Equal(t, models.StatusActive, got.Status)

	a.get("/admin/subscribers/" + itoa(sub))
	require.Equal(t, http.StatusSeeOther, a.post(path, nil).Code, "with the token it works")
	got, err = env.store.Subscriber(t.Context(), sub)
	require.NoError(t, err)
	require.Equal(t, models.StatusUnsubscribed, got.Status)
}

func TestAdminExportHasEverything(t *testing.T) {
	t.Parallel()
	env := newAdminEnv(t, nil)
	env.store.SetWebhooks(true)
	sub := mustSubscriberIn(t, env, "ann@example.com", "Ann", "")
	require.NoError(t, env.store.RecordClick(context.Background(), sub, "close"))
	b := env.mustBook(t, sub, firstSlot)
	_, err := env.bookings.Cancel(context.Background(), b.ID)
	require.NoError(t, err)
	a := signIn(t, env)
	a.get("/admin/subscribers/" + itoa(sub))
	rec := a.post("/admin/subscribers/"+itoa(sub)+"/export", nil)
	require.Equal(t, http.StatusOK, rec.Code)
	require.Contains(t, rec.Header().Get("Content-Disposition"), "attachment")
	body := rec.Body.String()
	for _, want := range []string{`"subscriber"`, `"consents"`, `"emails"`, `"clicks"`, `"bookings"`, "ann@example.com", `"close"`} {
		require.Contains(t, body, want)
	}
	// And what is held about them elsewhere: the events written about them,
	// the confirmation rounds counted against their mailbox.
	var got struct {
		Events []struct {
			Type    string `json:"Type"`
			Payload string `json:"Payload"`
		} `json:"webhook_events"`
		Changes []struct {
			BookingID int64     `json:"booking_id"`
			Event     string    `json:"event"`
			At        time.Time `json:"at"`
		} `json:"booking_changes"`
		Requests []struct {
			Mailbox string `json:"mailbox"`
		} `json:"confirmation_requests"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got))
	require.Len(t, got.Changes, 2, "the booking and its cancellation")
	for i, event := range []string{"booked", "cancelled"} {
		require.Equal(t, b.ID, got.Changes[i].BookingID)
		require.Equal(t, event, got.Changes[i].Event)
		require.True(t, got.Changes[i].At.Equal(testNow), "at %v", got.Changes[i].At)
	}
	require.Len(t, got.Requests, 1)
	require.Equal(t, "ann@example.com", got.Requests[0].Mailbox)
	var types []string
	for _, ev := range got.Events {
		types = append(types, ev.Type)
		require.Contains(t, ev.Payload, "ann@example.com", "the event as it was signed and sent")
	}
	require.Contains(t, types, models.EventLinkClicked)
}

type pausedSender struct{ until time.Time }

func (p pausedSender) Paused() (bool, time.Time) { return !p.until.IsZero(), p.until }

type archivedTasks int

func (a archivedTasks) ArchivedTasks(context.Context) (int, error) { return int(a), nil }
func (archivedTasks) CancelSubscriber(context.Context, int64, int, []string) error {
	return nil
}

func TestAdminDashboardWarnsOfPausedSendingAndArchivedTasks(t *testing.T) {
	t.Parallel()
	env := newAdminEnv(t, func(d *Deps) {
		d.Sending = pausedSender{until: testNow.Add(5 * time.Minute)}
		d.Tasks = archivedTasks(3)
	})
	body := signIn(t, env).get("/admin").Body.String()
	require.Contains(t, body, "Sending is paused")
	require.Contains(t, body, "2026-11-02 10:05 UTC")
	require.Contains(t, body, "3 queued tasks ran out of retries")

	calm := newAdminEnv(t, func(d *Deps) { d.Sending = pausedSender{}; d.Tasks = archivedTasks(0) })
	body = signIn(t, calm).get("/admin").Body.String()
	require.NotContains(t, body, "Sending is paused")
	require.NotContains(t, body, "ran out of retries")
}

func TestAdminDashboardPeriod(t *testing.T) {
	t.Parallel()
	env := newAdminEnv(t, nil)
	mustSubscriberIn(t, env, "ann@example.com", "Ann", "")
	a := signIn(t, env)
	body := a.get("/admin").Body.String()
	require.Contains(t, body, `value="2026-10-04"`, "the last 30 days by default")
	require.Contains(t, body, `data-step="Signed up">1<`)
	body = a.get("/admin?from=2026-11-03&to=2026-11-10").Body.String()
	require.Contains(t, body, `data-step="Signed up">0<`)
	for _, q := range []string{"from=yesterday", "from=2026-11-10&to=2026-11-01"} {
		require.Equal(t, http.StatusBadRequest, a.get("/admin?"+q).Code, q)
	}
}

func TestFunnelStepsConvertFromTheMainStepBefore(t *testing.T) {
	t.Parallel()
	s := &server{Deps: Deps{Lessons: []string{"gaps", "close"}}}
	steps := s.funnelSteps(storage.Funnel{SignedUp: 10, Confirmed: 8, Sent: map[string]int64{"gaps": 8, "close": 4, "old": 1},
		Clicked: map[string]int64{"gaps": 2}, Booked: 2, Attended: 0})
	var got []string
	for _, st := range steps {
		got = append(got, fmt.Sprintf("%s=%d %s of %s", st.Name, st.Count, st.Rate, st.Of))
	}
	require.Equal(t, []string{
		"Signed up=10  of ", "Confirmed=8 80% of Signed up", "Lesson sent: gaps=8 100% of Confirmed",
		"Booking link clicked: gaps=2 25% of Lesson sent: gaps", "Lesson sent: close=4 50% of Lesson sent: gaps",
		"Lesson sent: old=1 25% of Lesson sent: close", "Booked a call=2 25% of Confirmed", "Attended=0 0% of Booked a call",
	}, got)
}

// cancelRecorder records the console's requests to cancel tasks.
type cancelRecorder struct {
	archivedTasks
	calls []string
}

func (c *cancelRecorder) CancelSubscriber(_ context.Context, id int64, rounds int, lessons []string) error {
	c.calls = append(c.calls, fmt.Sprintf("%d:%d:%s", id, rounds, strings.Join(lessons, ",")))
	return nil
}

type bounceRecorder struct{ restored []int64 }

func (b *bounceRecorder) RestoreBounced(_ context.Context, id int64) error {
	b.restored = append(b.restored, id)
	return nil
}

func TestAdminSubscriberActions(t *testing.T) {
	t.Parallel()
	tasks, bounces := &cancelRecorder{}, &bounceRecorder{}
	env := newAdminEnv(t, func(d *Deps) { d.Tasks, d.Bounces = tasks, bounces })
	ctx := context.Background()
	active := mustSubscriberIn(t, env, "ann@example.com", "Ann", "")
	res, err := env.store.Subscribe(ctx, models.Signup{Email: "pat@example.com", Name: "Pat", TextVersion: testConsentVersion})
	require.NoError(t, err)
	pending := res.SubscriberID
	bounced := mustSubscriberIn(t, env, "bo@example.com", "Bo", "")
	require.NoError(t, env.store.MarkBounced(ctx, bounced))
	a := signIn(t, env)
	act := func(id int64, action string, form url.Values) *httptest.ResponseRecorder {
		a.get("/admin/subscribers/" + itoa(id))
		return a.post("/admin/subscribers/"+itoa(id)+"/"+action, form)
	}

	rec := act(pending, "resend", nil)
	require.Equal(t, http.StatusSeeOther, rec.Code)
	require.Contains(t, a.get(rec.Header().Get("Location")).Body.String(), "A new confirmation email is on its way.")
	require.Equal(t, []confirmation{{pending, 2}}, env.course.Confirmations(), "a new round, so a new email")
	require.Equal(t, http.StatusConflict, act(active, "resend", nil).Code, "only a pending subscriber is asked again")

	require.Equal(t, http.StatusSeeOther, act(bounced, "restore", nil).Code)
	require.Equal(t, []int64{bounced}, bounces.restored)
	require.Equal(t, http.StatusConflict, act(active, "restore", nil).Code)

	require.Equal(t, http.StatusBadRequest, act(active, "erase", nil).Code, "the box must be ticked")
	require.Equal(t, http.StatusSeeOther, act(active, "erase", url.Values{"confirm": {"yes"}}).Code)
	require.Equal(t, []string{itoa(active) + ":1:gaps,close"}, tasks.calls)
	page := a.get("/admin/subscribers/" + itoa(active)).Body.String()
	require.NotContains(t, page, "ann@example.com")
	require.NotContains(t, page, `action="/admin/subscribers/`+itoa(active)+`/erase"`, "nothing left to act on")

	require.Equal(t, http.StatusNotFound, act(active, "delete", nil).Code)
	require.Equal(t, http.StatusNotFound, a.get("/admin/subscribers/999999").Code)
}

// With Redis down nothing counts the guesses, so nobody may guess.
func TestAdminSignInIsRefusedWhenTheLimitCannotBeCounted(t *testing.T) {
	t.Parallel()
	dead := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialerRetries: 1})
	t.Cleanup(func() { _ = dead.Close() })
	env := newAdminEnv(t, func(d *Deps) {
		d.Limits = Limits{Redis: dead, LoginPerIP: Rate{N: 3, Per: time.Hour}}
		d.Log = slog.New(slog.DiscardHandler)
	})
	a := &adminClient{env: env, cookies: map[string]*http.Cookie{}}
	a.get("/admin/login")
	rec := a.post("/admin/login", url.Values{"password": {testAdminPassword}})
	require.Equal(t, http.StatusTooManyRequests, rec.Code)
	require.NotContains(t, a.cookies, sessionCookie)
}

// The size limit comes before the CSRF check, which reads the body: a
// stranger's huge upload is cut off, not spooled to disk.
func TestAdminBodyLimitComesFirst(t *testing.T) {
	t.Parallel()
	env := newAdminEnv(t, nil)
	big := strings.NewReader("password=" + strings.Repeat("x", 200<<10))
	req := httptest.NewRequest(http.MethodPost, "/admin/login", big)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	require.Equal(t, http.StatusRequestEntityTooLarge, env.do(req).Code)
}

// Resend keeps to the mailbox's three confirmation emails a day: past
// them the console answers 429 and says why, and no round starts.
func TestAdminResendKeepsToTheMailboxQuota(t *testing.T) {
	t.Parallel()
	env := newAdminEnv(t, nil)
	res, err := env.store.Subscribe(t.Context(), models.Signup{Email: "pending@example.com", TextVersion: testConsentVersion})
	require.NoError(t, err)
	a := signIn(t, env)
	path := "/admin/subscribers/" + itoa(res.SubscriberID)
	for range storage.ConfirmLimit - 1 {
		a.get(path)
		require.Equal(t, http.StatusSeeOther, a.post(path+"/resend", nil).Code)
	}
	a.get(path)
	rec := a.post(path+"/resend", nil)
	require.Equal(t, http.StatusTooManyRequests, rec.Code, rec.Body.String())
	require.Contains(t, rec.Body.String(), "Enough confirmation emails for today")
	sub, err := env.store.Subscriber(t.Context(), res.SubscriberID)
	require.NoError(t, err)
	require.Equal(t, storage.ConfirmLimit, sub.ConfirmRound, "no round past the limit")
}

package api

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hibiken/asynqmon"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/storage"
	"github.com/dripbook/dripbook/testenv"
	"github.com/dripbook/dripbook/token"
)

// countingObserver counts signups as the metrics package would.
type countingObserver struct{ signups prometheus.Counter }

func (o countingObserver) Signup() { o.signups.Inc() }

// newMetricsEnv serves /metrics from a registry of its own, with token as
// METRICS_TOKEN.
func newMetricsEnv(t *testing.T, token string) *testEnv {
	t.Helper()
	reg := prometheus.NewRegistry()
	signups := prometheus.NewCounter(prometheus.CounterOpts{Name: "dripbook_signups_total", Help: "signups"})
	reg.MustRegister(signups)
	return newDataEnv(t, func(d *Deps) {
		d.Data = DataDeps{Metrics: reg, Registerer: reg, MetricsToken: token, Observer: countingObserver{signups}}
	})
}

func getMetrics(env *testEnv, auth string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	return env.do(req)
}

func TestMetricsCountSignupsAndRequestsByRoute(t *testing.T) {
	t.Parallel()
	env := newMetricsEnv(t, "")
	require.Equal(t, http.StatusAccepted, env.postJSON(`{"email":"ann@example.com"}`).Code)
	require.Equal(t, http.StatusBadRequest, env.postJSON(`{"email":"not an address"}`).Code)
	require.Equal(t, http.StatusNotFound, env.get("/no/such/page/secret-token").Code)
	tok := env.signer.Sign(token.Confirm, 1, testNow)
	require.Equal(t, http.StatusOK, env.get("/confirm/"+tok).Code)

	rec := getMetrics(env, "")
	require.Equal(t, http.StatusOK, rec.Code)
	body := rec.Body.String()
	require.NotContains(t, body, tok, "a URL's token never becomes a label")
	got := testenv.ParseMetrics(t, strings.NewReader(body))
	require.Equal(t, 1.0, got.Value("dripbook_signups_total", nil))
	require.Equal(t, 1.0, got.Value("dripbook_http_requests_total", map[string]string{"url": "/api/v1/subscriptions", "code": "202", "method": "POST"}))
	require.Equal(t, 1.0, got.Value("dripbook_http_requests_total", map[string]string{"url": "/confirm/:token"}))
	require.Equal(t, 1.0, got.Value("dripbook_http_requests_total", map[string]string{"url": "/api/v1/subscriptions", "code": "400"}),
		"an error is counted with the status it was answered with")
	require.Equal(t, 1.0, got.Value("dripbook_http_requests_total", map[string]string{"code": "404"}))
	require.NotContains(t, body, "secret-token", "nor a path that matched no route")
}

func TestMetricsTokenIsRequiredWhenSet(t *testing.T) {
	t.Parallel()
	env := newMetricsEnv(t, "s3cret-token")
	for _, auth := range []string{"", "Bearer wrong", "s3cret-token", "Basic czNjcmV0LXRva2Vu", "Bearer s3cret-token "} {
		rec := getMetrics(env, auth)
		require.Equal(t, http.StatusUnauthorized, rec.Code, "Authorization %q", auth)
		require.Contains(t, rec.Header().Get("WWW-Authenticate"), "Bearer")
		require.NotContains(t, rec.Body.String(), "dripbook_signups_total")
		require.Contains(t, rec.Header().Get("Content-Type"), "application/json", "a scraper is a machine")
		require.Contains(t, rec.Body.String(), `{"error":{`)
	}
	rec := getMetrics(env, "Bearer s3cret-token")
	require.Equal(t, http.StatusOK, rec.Code)
	require.Contains(t, rec.Body.String(), "dripbook_signups_total")
}

func TestMetricsAbsentWithoutRegistry(t *testing.T) {
	t.Parallel()
	env := newDataEnv(t, nil)
	require.Equal(t, http.StatusNotFound, getMetrics(env, "").Code)
}

// sharedRedis hands asynqmon a client the test already has.
type sharedRedis struct{ rdb redis.UniversalClient }

func (s sharedRedis) MakeRedisClient() any { return s.rdb }

func TestQueuesUIIsServedUnderTheGroup(t *testing.T) {
	t.Parallel()
	// A database of its own: listing every queue on a Redis shared with
	// tests that delete theirs would race them.
	ui := asynqmon.New(asynqmon.Options{RootPath: "/admin/queues", RedisConnOpt: sharedRedis{testenv.Isolated(t)}})
	env := newDataEnv(t, func(d *Deps) { d.Data.Queues = ui })

	rec := env.get("/admin/queues/")
	require.Equal(t, http.StatusOK, rec.Code)
	require.Contains(t, rec.Body.String(), "/admin/queues", "the UI knows where it is mounted")
	require.Contains(t, rec.Header().Get("Content-Security-Policy"), "style-src 'self' 'unsafe-inline'", "its styles are set from script")

	rec = env.get("/admin/queues/api/queues")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Contains(t, rec.Body.String(), "queues")
}

// A signup the database does not store (a new address of a mailbox whose
// confirmations are used up) is not counted as one.
func TestMetricsCountOnlyStoredSignups(t *testing.T) {
	t.Parallel()
	env := newMetricsEnv(t, "")
	for i := range storage.ConfirmLimit + 2 {
		require.Equal(t, http.StatusAccepted, env.postJSON(fmt.Sprintf(`{"email":"quota+%d@example.com"}`, i)).Code)
	}
	got := testenv.ParseMetrics(t, strings.NewReader(getMetrics(env, "").Body.String()))
	require.Equal(t, float64(storage.ConfirmLimit), got.Value("dripbook_signups_total", nil))
}

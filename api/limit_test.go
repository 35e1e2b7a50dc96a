package api

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/storage"
	"github.com/dripbook/dripbook/testenv"
)

// defaultLimits are the signup and booking limits dripbook ships with.
var defaultLimits = Limits{
	SignupPerIP:      Rate{N: 20, Per: time.Hour},
	SignupPerMailbox: Rate{N: 5, Per: time.Hour},
	SignupTotal:      Rate{N: 1000, Per: time.Hour},
	BookingPerIP:     Rate{N: 30, Per: time.Hour},
}

// withLimits counts l in Redis (TEST_REDIS_URL, or an in-process one) under
// keys of the test's own.
func withLimits(tb testing.TB, l Limits) func(*Deps) {
	tb.Helper()
	l.Redis = testenv.Redis(tb)
	l.Prefix = "test:" + testenv.Random(12) + ":"
	return func(d *Deps) { d.Limits = l }
}

// signupJSON is a JSON signup of email from the client at remote.
func signupJSON(email, remote string) *http.Request {
	req := httptest.NewRequest(http.MethodPost, "/api/v1/subscriptions", strings.NewReader(`{"email":"`+email+`","name":"Eve"}`))
	req.Header.Set("Content-Type", "application/json")
	req.RemoteAddr = remote
	return req
}

// requireRetryAfter checks a 429 says when to come back.
func requireRetryAfter(tb testing.TB, rec *httptest.ResponseRecorder) {
	tb.Helper()
	require.Equal(tb, http.StatusTooManyRequests, rec.Code, rec.Body.String())
	secs, err := strconv.Atoi(rec.Header().Get("Retry-After"))
	require.NoError(tb, err, "Retry-After is whole seconds: %q", rec.Header().Get("Retry-After"))
	require.Positive(tb, secs)
}

func TestPlusAddressedFloodFromOneIPSendsAHandful(t *testing.T) {
	t.Parallel()
	env := newBookingEnv(t, withLimits(t, defaultLimits))

	// 500 signups of one inbox from one client, eight at a time.
	recs := make([]*httptest.ResponseRecorder, 500)
	var wg sync.WaitGroup
	next := make(chan int)
	for range 8 {
		wg.Go(func() {
			for i := range next {
				recs[i] = env.do(signupJSON(fmt.Sprintf("victim+%d@example.com", i), "198.51.100.7:4000"))
			}
		})
	}
	for i := range recs {
		next <- i
	}
	close(next)
	wg.Wait()

	accepted, limited := 0, 0
	var limitedBody string
	for i, rec := range recs {
		switch rec.Code {
		case http.StatusAccepted:
			accepted++
		case http.StatusTooManyRequests:
			limited++
			requireRetryAfter(t, rec)
			if limitedBody == "" {
				limitedBody = rec.Body.String()
			}
			require.Equal(t, limitedBody, rec.Body.String(), "every refusal reads the same")
		default:
			t.Fatalf("signup %d: status %d: %s", i, rec.Code, rec.Body.String())
		}
	}
	require.LessOrEqual(t, accepted, 5, "the per-mailbox limit")
	require.GreaterOrEqual(t, limited, 495)
	require.LessOrEqual(t, len(env.course.Confirmations()), storage.ConfirmLimit, "at most a handful of confirmation emails")
	require.Contains(t, limitedBody, `"code":"rate_limited"`)
	require.NotContains(t, limitedBody, "victim")
}

func TestConfirmationCapHoldsWithTheRedisLimitsOff(t *testing.T) {
	t.Parallel()
	// An operator may turn the per-IP and total limits off; even with no Redis
	// limit at all, the database caps the mail one inbox gets.
	env := newBookingEnv(t, nil)
	for i := range 50 {
		rec := env.do(signupJSON(fmt.Sprintf("Victim+%d@Example.com", i), "198.51.100.7:4000"))
		require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	}
	require.Len(t, env.course.Confirmations(), storage.ConfirmLimit)
}

func TestTwoServersShareTheLimits(t *testing.T) {
	t.Parallel()
	store := testenv.Store(t)
	limits := withLimits(t, Limits{SignupPerIP: Rate{N: 10, Per: time.Hour}})
	a, b := newTestEnvOn(t, store, limits), newTestEnvOn(t, store, limits)

	accepted := 0
	for i := range 30 {
		env := a
		if i%2 == 1 {
			env = b
		}
		rec := env.do(signupJSON(fmt.Sprintf("person%d@example.com", i), "203.0.113.9:5000"))
		if rec.Code == http.StatusAccepted {
			accepted++
			continue
		}
		requireRetryAfter(t, rec)
	}
	require.Equal(t, 10, accepted, "ten in all, not ten on each server")

	rec := b.do(signupJSON("someone@example.com", "203.0.113.10:5000"))
	require.Equal(t, http.StatusAccepted, rec.Code, "another client has its own allowance")
}

func TestSignupTotalLimit(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, withLimits(t, Limits{SignupTotal: Rate{N: 3, Per: time.Hour}}))
	for i := range 3 {
		rec := env.do(signupJSON(fmt.Sprintf("p%d@example.com", i), fmt.Sprintf("192.0.2.%d:1", i+1)))
		require.Equal(t, http.StatusAccepted, rec.Code)
	}
	requireRetryAfter(t, env.do(signupJSON("p9@example.com", "192.0.2.99:1")))
}

func TestFormOverTheLimitGetsAFriendlyPage(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, withLimits(t, Limits{SignupPerIP: Rate{N: 1, Per: time.Hour}}))
	rec := env.postForm("/subscribe", "email=known%40example.com")
	require.Equal(t, http.StatusOK, rec.Code)

	pages := map[string]string{}
	for _, email := range []string{"known%40example.com", "stranger%40example.com"} {
		rec := env.postForm("/subscribe", "email="+email)
		requireRetryAfter(t, rec)
		require.Contains(t, rec.Header().Get("Content-Type"), "text/html")
		require.Contains(t, rec.Body.String(), "try again")
		pages[email] = rec.Body.String()
	}
	require.Equal(t, pages["known%40example.com"], pages["stranger%40example.com"],
		"the page is the same whether the address is on the list or not")
	require.NotContains(t, pages["known%40example.com"], "known@example.com")
}

func TestHoneypotStoresAndSendsNothing(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, nil)
	rec := env.postForm("/subscribe", "email=bot%40example.com&name=Bot&website=http%3A%2F%2Fspam.example")
	require.Equal(t, http.StatusOK, rec.Code)
	require.Contains(t, rec.Body.String(), "Check your inbox")
	_, err := env.store.SubscriberByEmail(context.Background(), "bot@example.com")
	require.Error(t, err, "nothing stored")
	require.Empty(t, env.course.Confirmations(), "nothing sent")

	page := env.get("/").Body.String()
	require.Contains(t, page, `name="website"`)
	require.Contains(t, page, `tabindex="-1"`)
	require.Contains(t, page, `autocomplete="off"`)
	require.Contains(t, page, `aria-hidden="true"`)
}

func TestRedisKeysNameNoAddress(t *testing.T) {
	t.Parallel()
	l := Limits{SignupPerMailbox: Rate{N: 5, Per: time.Hour}, Redis: testenv.Redis(t), Prefix: "test:" + testenv.Random(12) + ":"}
	env := newTestEnv(t, func(d *Deps) { d.Limits = l })
	require.Equal(t, http.StatusAccepted, env.do(signupJSON("private.person@example.com", "192.0.2.1:1")).Code)
	keys, err := l.Redis.Keys(context.Background(), "*"+l.Prefix+"*").Result()
	require.NoError(t, err)
	require.Len(t, keys, 1)
	require.NotContains(t, keys[0], "private")
}

func TestLimitsLetSignupsThroughWhenRedisFails(t *testing.T) {
	t.Parallel()
	dead := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialerRetries: 1})
	t.Cleanup(func() { _ = dead.Close() })
	var logs bytes.Buffer
	env := newTestEnv(t, func(d *Deps) {
		d.Limits = Limits{Redis: dead, SignupPerIP: Rate{N: 1, Per: time.Hour}}
		d.Log = slog.New(slog.NewTextHandler(&logs, nil))
	})
	for i := range 3 {
		rec := env.do(signupJSON(fmt.Sprintf("p%d@example.com", i), "192.0.2.1:1"))
		require.Equal(t, http.StatusAccepted, rec.Code)
	}
	require.Contains(t, logs.String(), "rate limit not checked")
}

func TestClientKey(t *testing.T) {
	t.Parallel()
	require.Equal(t, "192.0.2.1", clientKey("192.0.2.1"))
	require.Equal(t, "192.0.2.1", clientKey("::ffff:192.0.2.1"))
	require.Equal(t, "2001:db8:1:2::/64", clientKey("2001:db8:1:2:aaaa:bbbb:cccc:dddd"))
	require.Equal(t, clientKey("2001:db8:1:2::1"), clientKey("2001:db8:1:2:ffff::9"), "one /64 is one client")
	require.NotEqual(t, clientKey("2001:db8:1:2::1"), clientKey("2001:db8:1:3::1"))
	require.Equal(t, "garbage", clientKey("garbage"))
}

func TestSignupOverOneLimitSpendsNoneAfterIt(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, withLimits(t, Limits{SignupPerIP: Rate{N: 2, Per: time.Hour}, SignupTotal: Rate{N: 3, Per: time.Hour}}))
	for i := range 5 {
		rec := env.do(signupJSON(fmt.Sprintf("noisy%d@example.com", i), "192.0.2.1:1"))
		if i < 2 {
			require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
		} else {
			requireRetryAfter(t, rec)
		}
	}
	// The noisy client's refused signups took nothing from the total.
	require.Equal(t, http.StatusAccepted, env.do(signupJSON("quiet@example.com", "192.0.2.2:1")).Code)
	requireRetryAfter(t, env.do(signupJSON("late@example.com", "192.0.2.3:1")))
}

package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/redis/go-redis/v9"

	"github.com/dripbook/dripbook/fault"
)

// Rate is at most N requests per Per for one key. The zero Rate is no limit.
type Rate struct {
	N   int
	Per time.Duration
}

// Limits cap signups per client IP, per mailbox and in total, and bookings
// per client IP. The counts live in Redis, so every api process on one
// Redis shares them.
type Limits struct {
	// Redis holds the counts; it is needed when any rate is set.
	Redis redis.UniversalClient
	// Prefix starts every key, so deployments and tests sharing a Redis
	// keep apart.
	Prefix string

	SignupPerIP      Rate
	SignupPerMailbox Rate
	SignupTotal      Rate
	BookingPerIP     Rate
	// LoginPerIP caps sign-in attempts at the console.
	LoginPerIP Rate
}

func (l Limits) anyOn() bool {
	return l.SignupPerIP.N > 0 || l.SignupPerMailbox.N > 0 || l.SignupTotal.N > 0 || l.BookingPerIP.N > 0 || l.LoginPerIP.N > 0
}

// errRateLimited is every answer over a rate limit. It reads the same
// whichever limit it was and whatever address was sent, so it tells nobody
// who is on the list.
var errRateLimited = fault.New(fault.TooMany, "rate_limited", "too many requests; try again later")

// limiter applies Limits with the generic cell rate algorithm: a rate of
// N/Per lets a burst of N through, then one more every Per/N. Every count
// a request needs is taken in one round trip.
type limiter struct {
	rdb    redis.UniversalClient
	prefix string
	log    *slog.Logger
}

func newLimiter(l Limits, log *slog.Logger) *limiter {
	if !l.anyOn() {
		return &limiter{}
	}
	if l.Redis == nil {
		panic("api: Limits sets a rate but no Redis to count in")
	}
	return &limiter{rdb: l.Redis, prefix: l.Prefix, log: log}
}

// limitCheck is one count a request takes: against the limit name, for
// subject (a client, a mailbox), under rate.
type limitCheck struct {
	name, subject string
	rate          Rate
}

// allow counts one request against the limit name for subject under r.
// Over the limit it is errRateLimited with the wait. When Redis cannot be
// asked, the request is let through and logged: a visitor is not turned
// away for our outage, and the database still caps the confirmation emails
// per mailbox.
func (l *limiter) allow(ctx context.Context, name, subject string, r Rate) error {
	return l.allowAll(ctx, limitCheck{name, subject, r})
}

// allowStrict is allow for a limit that guards a secret: when Redis cannot
// count, the request is refused rather than let through uncounted.
func (l *limiter) allowStrict(ctx context.Context, name, subject string, r Rate) error {
	return l.check(ctx, true, []limitCheck{{name, subject, r}})
}

// allowAll is allow for several limits at once, in one round trip to
// Redis. They are counted in order and the first one over its limit stops
// the count: the limits after it are not spent.
func (l *limiter) allowAll(ctx context.Context, checks ...limitCheck) error {
	return l.check(ctx, false, checks)
}

func (l *limiter) check(ctx context.Context, strict bool, checks []limitCheck) error {
	if l.rdb == nil {
		return nil
	}
	keys := make([]string, 0, len(checks))
	args := make([]any, 0, 3*len(checks))
	for _, c := range checks {
		if c.rate.N <= 0 {
			continue
		}
		keys = append(keys, rateKeyPrefix+l.prefix+c.name+":"+c.subject)
		args = append(args, c.rate.N, c.rate.N, c.rate.Per.Seconds())
	}
	if len(keys) == 0 {
		return nil
	}
	res, err := gcra.Run(ctx, l.rdb, keys, args...).Slice()
	if err == nil && len(res) != 2 {
		err = fmt.Errorf("rate limit script answered %v", res)
	}
	if err != nil {
		l.log.WarnContext(ctx, "rate limit not checked: Redis failed", "error", err, "limits", len(keys), "refused", strict)
		if strict {
			return fault.RetryAfter(errRateLimited, time.Minute)
		}
		return nil
	}
	if over, _ := res[0].(int64); over > 0 {
		secs, _ := strconv.ParseFloat(fmt.Sprint(res[1]), 64)
		return fault.RetryAfter(errRateLimited, time.Duration(secs*float64(time.Second)))
	}
	return nil
}

// rateKeyPrefix starts every limit's key.
const rateKeyPrefix = "rate:"

// gcra counts one request against each key (KEYS) under its burst, rate
// and period in seconds (three ARGV each), in order, with the generic cell
// rate algorithm. It answers {0, "0"} when every count was taken, or the
// 1-based index of the first limit that refused and the seconds until it
// would allow one more; the keys after that one are left alone.
var gcra = redis.NewScript(`
redis.replicate_commands()
-- seconds since 2017 keep the float precise, as in redis_rate
local t = redis.call("TIME")
local now = (t[1] - 1483228800) + (t[2] / 1000000)
for i, key in ipairs(KEYS) do
  local burst = tonumber(ARGV[3 * i - 2])
  local rate = tonumber(ARGV[3 * i - 1])
  local period = tonumber(ARGV[3 * i])
  local interval = period / rate
  local tat = tonumber(redis.call("GET", key) or now)
  tat = math.max(tat, now)
  local new_tat = tat + interval
  local diff = now - (new_tat - interval * burst)
  if diff < 0 then
    return {i, tostring(-diff)}
  end
  redis.call("SET", key, new_tat, "EX", math.ceil(new_tat - now))
end
return {0, "0"}
`)

// perClient is route middleware that limits each client to r.
func (s *server) perClient(name string, r Rate) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if err := s.limiter.allow(c.Request().Context(), name, clientKey(c.RealIP()), r); err != nil {
				return err
			}
			return next(c)
		}
	}
}

// clientKey names the client behind ip for a limit. An IPv6 user is given
// a whole /64, so the key is the /64: counting single addresses would give
// them billions of allowances.
func clientKey(ip string) string {
	parsed := net.ParseIP(ip)
	switch {
	case parsed == nil:
		return ip
	case parsed.To4() != nil:
		return parsed.To4().String()
	default:
		return parsed.Mask(net.CIDRMask(64, 128)).String() + "/64"
	}
}

// hashKey keeps addresses out of Redis: a key names a mailbox by a digest.
func hashKey(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:16])
}

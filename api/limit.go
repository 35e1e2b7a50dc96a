package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net"
	"time"

	"github.com/go-redis/redis_rate/v10"
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
// N/Per lets a burst of N through, then one more every Per/N.
type limiter struct {
	rl     *redis_rate.Limiter
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
	return &limiter{rl: redis_rate.NewLimiter(l.Redis), prefix: l.Prefix, log: log}
}

// allow counts one request against the limit name for subject (a client,
// a mailbox) under r. Over the limit it is errRateLimited with the wait.
// When Redis cannot be asked, the request is let through and logged: a
// visitor is not turned away for our outage, and the database still caps
// the confirmation emails per mailbox.
func (l *limiter) allow(ctx context.Context, name, subject string, r Rate) error {
	return l.check(ctx, name, subject, r, false)
}

// allowStrict is allow for a limit that guards a secret: when Redis cannot
// count, the request is refused rather than let through uncounted.
func (l *limiter) allowStrict(ctx context.Context, name, subject string, r Rate) error {
	return l.check(ctx, name, subject, r, true)
}

func (l *limiter) check(ctx context.Context, name, subject string, r Rate, strict bool) error {
	if r.N <= 0 || l.rl == nil {
		return nil
	}
	res, err := l.rl.Allow(ctx, l.prefix+name+":"+subject, redis_rate.Limit{Rate: r.N, Burst: r.N, Period: r.Per})
	if err != nil {
		l.log.WarnContext(ctx, "rate limit not checked: Redis failed", "error", err, "limit", name, "refused", strict)
		if strict {
			return fault.RetryAfter(errRateLimited, time.Minute)
		}
		return nil
	}
	if res.Allowed == 0 {
		return fault.RetryAfter(errRateLimited, res.RetryAfter)
	}
	return nil
}

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

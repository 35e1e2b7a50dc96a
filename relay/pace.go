package relay

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// SharedPacer spaces the sends of every process on one Redis out to one
// rate, so that a relay's limit holds however many workers send: each
// send reserves the next free turn under key and waits for it.
type SharedPacer struct {
	rdb      redis.UniversalClient
	key      string
	interval time.Duration
	log      *slog.Logger
	// alone paces this process's sends while Redis cannot be asked.
	alone *rateLimiter
}

// NewSharedPacer returns a pacer of perSecond sends (> 0) under key.
func NewSharedPacer(rdb redis.UniversalClient, key string, perSecond float64, log *slog.Logger) *SharedPacer {
	if log == nil {
		log = slog.Default()
	}
	return &SharedPacer{rdb: rdb, key: key, interval: time.Duration(float64(time.Second) / perSecond), log: log,
		alone: newRateLimiter(perSecond)}
}

// Wait returns at the caller's turn, or when ctx ends. A turn given up
// by a cancelled caller is not handed to another: sends go slower then,
// never faster. While Redis fails, this process keeps to the rate alone.
func (p *SharedPacer) Wait(ctx context.Context) error {
	d, err := p.reserve(ctx)
	if err != nil {
		p.log.WarnContext(ctx, "SMTP_RATE kept by this process alone: Redis failed", "error", err)
		return p.alone.Wait(ctx)
	}
	return sleep(ctx, d)
}

// reserve takes the next free turn and says how long until it comes.
func (p *SharedPacer) reserve(ctx context.Context) (time.Duration, error) {
	res, err := nextTurn.Run(ctx, p.rdb, []string{p.key}, p.interval.Seconds()).Text()
	if err != nil {
		return 0, err
	}
	secs, err := strconv.ParseFloat(res, 64)
	if err != nil {
		return 0, fmt.Errorf("pace script answered %q", res)
	}
	return time.Duration(secs * float64(time.Second)), nil
}

// nextTurn reserves the turn after the last one taken under KEYS[1], one
// interval (ARGV[1], in seconds) apart and never in the past, and answers
// the seconds until it, as text (Redis would cut a number to an integer).
// Time is Redis's own, so every process counts on one clock.
var nextTurn = redis.NewScript(`
redis.replicate_commands()
-- seconds since 2017 keep the float precise, as the rate limits do
local t = redis.call("TIME")
local now = (t[1] - 1483228800) + (t[2] / 1000000)
local turn = tonumber(redis.call("GET", KEYS[1]) or now)
if turn < now then turn = now end
local after = turn + tonumber(ARGV[1])
redis.call("SET", KEYS[1], string.format("%.6f", after), "PX", math.ceil((after - now) * 1000) + 1000)
return string.format("%.6f", turn - now)
`)

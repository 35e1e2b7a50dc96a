package worker

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Pauser reports whether a sender holds mail back while its relay fails;
// relay.Sender implements it.
type Pauser interface {
	Paused() (bool, time.Time)
}

// PauseBoard shares a pause across processes through Redis: each worker
// posts its sender's pause while it lasts, and the console, in whatever
// process it runs, reads the latest one. The relay's pause is per process;
// the coach needs to see it wherever the console is.
type PauseBoard struct {
	rdb   redis.UniversalClient
	key   string
	local Pauser // this process's sender; nil when it sends nothing
	now   func() time.Time
	log   *slog.Logger
}

// NewPauseBoard returns a board under key. local may be nil.
func NewPauseBoard(rdb redis.UniversalClient, key string, local Pauser, log *slog.Logger) *PauseBoard {
	if log == nil {
		log = slog.Default()
	}
	return &PauseBoard{rdb: rdb, key: key, local: local, now: time.Now, log: log}
}

// Run posts the local sender's pause every tick until ctx is done.
func (b *PauseBoard) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := b.post(ctx); err != nil && ctx.Err() == nil {
			b.log.Warn("post the sending pause", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// post records the local pause, if there is one, until it ends.
func (b *PauseBoard) post(ctx context.Context) error {
	if b.local == nil {
		return nil
	}
	paused, until := b.local.Paused()
	left := until.Sub(b.now())
	if !paused || left <= 0 {
		return nil
	}
	return b.rdb.Set(ctx, b.key, strconv.FormatInt(until.UnixNano(), 10), left).Err()
}

// Paused reports a pause of this process's sender or one any worker posted
// that has not ended. A Redis that cannot answer shows no pause.
func (b *PauseBoard) Paused() (bool, time.Time) {
	if b.local != nil {
		if paused, until := b.local.Paused(); paused {
			return true, until
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	raw, err := b.rdb.Get(ctx, b.key).Result()
	if err != nil {
		return false, time.Time{}
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return false, time.Time{}
	}
	until := time.Unix(0, n)
	return until.After(b.now()), until
}

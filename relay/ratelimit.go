package relay

import (
	"context"
	"sync"
	"time"
)

// rateLimiter spaces events evenly, one per interval. Relays count messages
// per second, so bursts are what gets a sender throttled.
type rateLimiter struct {
	mu       sync.Mutex
	interval time.Duration
	next     time.Time
}

// Pacer spaces sends out: Wait returns at the caller's turn to send, or
// with ctx's error.
type Pacer interface {
	Wait(ctx context.Context) error
}

// newRateLimiter returns nil, which never waits, for perSecond <= 0.
func newRateLimiter(perSecond float64) *rateLimiter {
	if perSecond <= 0 {
		return nil
	}
	return &rateLimiter{interval: time.Duration(float64(time.Second) / perSecond)}
}

// Wait blocks until the caller's turn or until ctx ends.
func (l *rateLimiter) Wait(ctx context.Context) error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	now := time.Now()
	at := l.next
	if at.Before(now) {
		at = now
	}
	l.next = at.Add(l.interval)
	l.mu.Unlock()

	return sleep(ctx, time.Until(at))
}

// sleep waits d, or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

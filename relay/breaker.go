package relay

import (
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/dripbook/dripbook/message"
)

// BreakerOptions say when the relay itself, rather than one address, is taken
// to be failing. When Recipients different recipients fail within Window,
// with no message accepted in between, sending pauses for Pause; then one
// message goes out as a probe: if it is accepted sending resumes, if not the
// pause starts again. A single bad address, however often retried, counts
// once; a busy list with a few bad addresses among good ones never pauses.
type BreakerOptions struct {
	Recipients int           // default 5
	Window     time.Duration // default 30s
	Pause      time.Duration // default 1m
}

const (
	defaultBreakerRecipients = 5
	defaultBreakerWindow     = 30 * time.Second
	defaultBreakerPause      = time.Minute
	// maxProbeWait bounds how long sends wait while a probe is out, so that
	// a probe that succeeds is followed quickly by the rest.
	maxProbeWait = 5 * time.Second
)

// outcome is how a send the breaker let through went.
type outcome int

const (
	accepted outcome = iota // the relay took the message
	failed                  // the relay failed or refused it
	unknown                 // cancelled or never tried: says nothing about the relay
)

// breaker decides whether sends may go out. It is closed (sending) until
// enough different recipients fail; then open (paused) until its time is up;
// then half-open: exactly one probe goes out while the others keep waiting.
type breaker struct {
	opts BreakerOptions
	now  func() time.Time
	log  *slog.Logger

	mu      sync.Mutex
	failing map[string]time.Time // recipient → last failure since the last accepted message
	open    bool
	until   time.Time // while open: when the next probe may go
	probing bool      // a probe is out
	opened  time.Time // when the current pause began
}

func newBreaker(o BreakerOptions, now func() time.Time, log *slog.Logger) *breaker {
	return &breaker{opts: o, now: now, log: log, failing: map[string]time.Time{}}
}

// allow returns nil when a send may go ahead, and whether it is the probe;
// the caller must then report how it went, once. Otherwise it returns a
// *message.PausedError saying when to try again.
func (b *breaker) allow() (probe bool, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.open {
		return false, nil
	}
	now := b.now()
	switch {
	case now.Before(b.until):
		return false, &message.PausedError{Until: b.until}
	case b.probing:
		return false, &message.PausedError{Until: now.Add(min(b.opts.Pause, maxProbeWait))}
	}
	b.probing = true
	return true, nil
}

// report records how a send to rcpt that allow let through went; cause is
// the error of a failed send, for the log.
func (b *breaker) report(probe bool, rcpt string, o outcome, cause error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if probe {
		b.probing = false
	}
	now := b.now()
	switch {
	case o == unknown:
		return
	case o == accepted:
		clear(b.failing)
		if b.open {
			b.open = false
			b.log.Info("relay accepts mail again: sending resumed", "paused_for", now.Sub(b.opened).Round(time.Millisecond).String())
		}
		return
	case b.open:
		if probe {
			b.until = now.Add(b.opts.Pause)
			b.log.Warn("relay still failing: sending paused again", "until", b.until, "error", cause)
		}
		return // a send that started before the pause says nothing new
	}
	b.failing[strings.ToLower(rcpt)] = now
	for r, at := range b.failing {
		if now.Sub(at) > b.opts.Window {
			delete(b.failing, r)
		}
	}
	if len(b.failing) < b.opts.Recipients {
		return
	}
	clear(b.failing)
	b.open, b.opened, b.until = true, now, now.Add(b.opts.Pause)
	b.log.Error("relay is failing for many recipients: sending paused",
		"recipients", b.opts.Recipients, "within", b.opts.Window.String(), "until", b.until, "last_error", cause)
}

// paused reports whether sending is paused and when the next probe may go
// out (in the past when one is due but has not been tried yet).
func (b *breaker) paused() (bool, time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.open, b.until
}

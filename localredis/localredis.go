// Package localredis runs an in-process Redis for single-machine use: the
// default when REDIS_URL is unset, and in tests without a Redis server.
package localredis

import (
	"fmt"
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2"
)

// tick is how often key expiry catches up with the wall clock.
const tick = 50 * time.Millisecond

// Server is an in-process Redis whose keys expire in real time.
type Server struct {
	m    *miniredis.Miniredis
	stop chan struct{}
	done sync.WaitGroup
}

// Start listens on a free loopback port.
func Start() (*Server, error) {
	m, err := miniredis.Run()
	if err != nil {
		return nil, fmt.Errorf("start in-process Redis: %w", err)
	}
	s := &Server{m: m, stop: make(chan struct{})}
	s.done.Add(1)
	go s.expire()
	return s, nil
}

// expire moves the embedded server's clock along with the real one: left to
// itself it never expires a key, and locks with a TTL would be held forever.
func (s *Server) expire() {
	defer s.done.Done()
	t := time.NewTicker(tick)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-s.stop:
			return
		case now := <-t.C:
			s.m.FastForward(now.Sub(last))
			last = now
		}
	}
}

// Addr is host:port.
func (s *Server) Addr() string { return s.m.Addr() }

// URL is the redis:// URL of the server.
func (s *Server) URL() string { return "redis://" + s.m.Addr() }

// Close stops the server; everything in it is gone.
func (s *Server) Close() {
	close(s.stop)
	s.done.Wait()
	s.m.Close()
}

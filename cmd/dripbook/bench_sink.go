package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// sink is the benchmark's SMTP server: it accepts every message on the
// loopback interface, counts it and throws it away, so the figures measure
// the sender, not the receiver.
type sink struct {
	srv *smtp.Server
	ln  net.Listener

	mu      sync.Mutex
	n       int
	arrived chan struct{} // closed and replaced whenever a message arrives
}

func startSink() (*sink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("SMTP sink: %w", err)
	}
	s := &sink{ln: ln, arrived: make(chan struct{})}
	s.srv = smtp.NewServer(sinkBackend{s})
	s.srv.Domain = "sink.localhost"
	s.srv.ReadTimeout, s.srv.WriteTimeout = time.Minute, time.Minute
	s.srv.MaxMessageBytes = 10 << 20
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

func (s *sink) url() string { return "smtp://" + s.ln.Addr().String() + "?tls=none" }

func (s *sink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// waitFor waits until n messages in all have arrived.
func (s *sink) waitFor(ctx context.Context, n int) error {
	for {
		s.mu.Lock()
		got, ch := s.n, s.arrived
		s.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("SMTP sink: %d of %d messages arrived: %w", got, n, ctx.Err())
		}
	}
}

func (s *sink) close() error { return s.srv.Close() }

func (s *sink) received() {
	s.mu.Lock()
	s.n++
	close(s.arrived)
	s.arrived = make(chan struct{})
	s.mu.Unlock()
}

type sinkBackend struct{ s *sink }

func (b sinkBackend) NewSession(*smtp.Conn) (smtp.Session, error) { return sinkSession(b), nil }

type sinkSession struct{ s *sink }

func (sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (sinkSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (sinkSession) Reset()                               {}
func (sinkSession) Logout() error                        { return nil }

func (ss sinkSession) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	ss.s.received()
	return nil
}

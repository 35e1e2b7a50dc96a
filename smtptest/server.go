// Package smtptest runs a real SMTP server on the loopback interface for
// tests, with knobs to make it fail the way relays do.
package smtptest

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Server is an SMTP server listening on 127.0.0.1 on a free port.
type Server struct {
	srv *smtp.Server
	ln  *trackingListener

	mu          sync.Mutex
	messages    []Received
	failLeft    int
	failCode    int
	failMsg     string
	rcpt        rcptReplies // replies.go
	username    string
	password    string
	dataDelay   time.Duration
	arrived     chan struct{}  // closed and replaced whenever a message arrives
	roots       *x509.CertPool // trusts a StartTLS server's certificate
	refuseHello bool
}

// Received is one message the server accepted.
type Received struct {
	From string
	To   []string
	Data []byte
}

// Start runs a server until the test ends.
func Start(tb testing.TB) *Server {
	tb.Helper()
	return start(tb, func(l net.Listener) net.Listener { return l })
}

// start runs a server on the listener wrap makes of a tracked one.
func start(tb testing.TB, wrap func(net.Listener) net.Listener) *Server {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("smtptest: listen: %v", err)
	}
	s := &Server{
		ln:      &trackingListener{Listener: l, conns: map[net.Conn]struct{}{}},
		arrived: make(chan struct{}),
	}
	s.srv = smtp.NewServer(backend{s})
	s.srv.Domain = "smtptest.localhost"
	s.srv.AllowInsecureAuth = true
	s.srv.ReadTimeout = 30 * time.Second
	s.srv.WriteTimeout = 30 * time.Second
	s.srv.MaxMessageBytes = 10 << 20
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.srv.Serve(wrap(s.ln))
	}()
	tb.Cleanup(func() {
		// Closing the listener ourselves covers a test so short that Serve
		// had not registered it with the server yet.
		_ = s.ln.Close()
		_ = s.srv.Close()
		s.ln.closeAll()
		<-done
	})
	return s
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// URL is an SMTP_URL for the server: smtps:// for a StartTLS server,
// else without TLS.
func (s *Server) URL() string {
	if s.roots != nil {
		return "smtps://" + s.Addr()
	}
	return "smtp://" + s.Addr() + "?tls=none"
}

// Messages returns a copy of every message accepted so far.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.messages...)
}

// MessagesTo returns a copy of every message accepted so far for addr alone,
// in the order they arrived.
func (s *Server) MessagesTo(addr string) []Received {
	var out []Received
	for _, r := range s.Messages() {
		if len(r.To) == 1 && strings.EqualFold(r.To[0], addr) {
			out = append(out, r)
		}
	}
	return out
}

// WaitFor waits until at least n messages have arrived and returns them; it
// fails the test, saying how many did arrive, when timeout passes first.
func (s *Server) WaitFor(tb testing.TB, n int, timeout time.Duration) []Received {
	tb.Helper()
	got, ok := s.wait(n, timeout, s.Messages)
	if !ok {
		tb.Fatalf("smtptest: waited %s for %d messages, %d arrived", timeout, n, len(got))
	}
	return got
}

// WaitTo waits until at least n messages for addr alone have arrived and
// returns them; it fails the test, naming the subjects that did arrive, when
// timeout passes first.
func (s *Server) WaitTo(tb testing.TB, addr string, n int, timeout time.Duration) []Received {
	tb.Helper()
	got, ok := s.wait(n, timeout, func() []Received { return s.MessagesTo(addr) })
	if !ok {
		tb.Fatalf("smtptest: waited %s for %d messages to %s, %d arrived: %q", timeout, n, addr, len(got), Subjects(got))
	}
	return got
}

// wait waits, without polling, until list returns n messages or more.
func (s *Server) wait(n int, timeout time.Duration, list func() []Received) ([]Received, bool) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		arrived := s.arrived
		s.mu.Unlock()
		// Listing after taking the channel: a message that lands in between
		// closes the channel taken, so it is never missed.
		if got := list(); len(got) >= n {
			return got, true
		}
		select {
		case <-arrived:
		case <-deadline.C:
			return list(), false
		}
	}
}

// Subjects returns the decoded Subject header of each message, for failure
// messages.
func Subjects(rs []Received) []string {
	out := make([]string, 0, len(rs))
	dec := new(mime.WordDecoder)
	for _, r := range rs {
		subject := "(unreadable)"
		if m, err := mail.ReadMessage(bytes.NewReader(r.Data)); err == nil {
			subject = m.Header.Get("Subject")
			if d, err := dec.DecodeHeader(subject); err == nil {
				subject = d
			}
		}
		out = append(out, subject)
	}
	return out
}

// FailNext answers the next n DATA commands with code and msg, as a relay
// does when it is overloaded (4xx) or refuses the content (5xx).
func (s *Server) FailNext(n, code int, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failLeft, s.failCode, s.failMsg = n, code, msg
}

// Slow makes the server take d to answer each DATA, as a busy relay does, so
// a test can catch a send in flight.
func (s *Server) Slow(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dataDelay = d
}

func (s *Server) delay() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dataDelay
}

// RejectRecipient answers RCPT TO for addr with code (enhanced status
// x.0.0), every time: RefuseRecipient with a plain reply.
func (s *Server) RejectRecipient(addr string, code int) {
	s.RefuseRecipient(addr, Reply{Code: code, Enhanced: fmt.Sprintf("%d.0.0", code/100), Text: "smtptest: recipient rejected as asked"})
}

// RequireAuth makes the server demand AUTH PLAIN with these credentials
// before MAIL FROM.
func (s *Server) RequireAuth(username, password string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.username, s.password = username, password
}

// RefuseHello answers EHLO and HELO with 451 from now on: a relay that
// takes the connection and then no mail.
func (s *Server) RefuseHello() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuseHello = true
}

// Connections counts the connections accepted so far, to prove that a
// client reuses them.
func (s *Server) Connections() int {
	return s.ln.accepted()
}

// DropIdle closes every open client connection, as a relay does with idle
// ones, to prove that a client reconnects.
func (s *Server) DropIdle() {
	s.ln.closeAll()
}

func (s *Server) received(r Received) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages = append(s.messages, r)
	close(s.arrived)
	s.arrived = make(chan struct{})
}

// takeFailure returns the error the next DATA must get, if any.
func (s *Server) takeFailure() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failLeft <= 0 {
		return nil
	}
	s.failLeft--
	return replyError(s.failCode, s.failMsg)
}

func replyError(code int, msg string) error {
	if msg == "" {
		msg = fmt.Sprintf("smtptest: failing with %d as asked", code)
	}
	return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{code / 100, 0, 0}, Message: msg}
}

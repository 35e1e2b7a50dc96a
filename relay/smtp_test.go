package relay

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/message"
	"github.com/dripbook/dripbook/smtptest"
)

// MustSender returns a sender to srv, closed when the test ends.
func MustSender(tb testing.TB, srv *smtptest.Server, change func(*Options)) *Sender {
	tb.Helper()
	o, err := ParseURL(srv.URL())
	require.NoError(tb, err)
	o.Timeout = 5 * time.Second
	o.Log = slog.New(slog.DiscardHandler)
	if change != nil {
		change(&o)
	}
	s, err := NewSender(o)
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

func TestSMTPDeliversBothParts(t *testing.T) {
	srv := smtptest.Start(t)
	s := MustSender(t, srv, nil)
	m := smtptest.Message(1)
	require.NoError(t, s.Send(t.Context(), m))

	got := srv.WaitFor(t, 1, 5*time.Second)
	require.Equal(t, "coach@example.test", got[0].From)
	require.Equal(t, []string{"sam1@example.test"}, got[0].To)

	p, err := message.ParseMessage(got[0].Data)
	require.NoError(t, err)
	require.Equal(t, m.Subject, p.Subject)
	require.Equal(t, m.Text, p.Text)
	require.Equal(t, m.HTML, p.HTML)
	require.Equal(t, "<lesson.1.welcome@example.test>", p.Header.Get("Message-ID"))
	from, err := p.Header.AddressList("From")
	require.NoError(t, err)
	require.Equal(t, "Alex Rivera", from[0].Name)
	require.Equal(t, "coach@example.test", from[0].Address)
	to, err := p.Header.AddressList("To")
	require.NoError(t, err)
	require.Equal(t, "Sam Ünal", to[0].Name)
	date, err := p.Header.Date()
	require.NoError(t, err)
	require.WithinDuration(t, time.Now(), date, time.Minute)
	require.Equal(t, "<https://example.test/unsubscribe/tok>", p.Header.Get("List-Unsubscribe"))
	require.Equal(t, "List-Unsubscribe=One-Click", p.Header.Get("List-Unsubscribe-Post"))
	require.True(t, strings.HasPrefix(p.Header.Get("Content-Type"), "multipart/alternative"), p.Header.Get("Content-Type"))
	require.Empty(t, p.Calendar)
}

func TestSMTPCalendarInvite(t *testing.T) {
	srv := smtptest.Start(t)
	s := MustSender(t, srv, nil)
	ics := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:booking-7@example.test\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	m := smtptest.Message(2)
	m.Calendar = &message.Calendar{Method: "REQUEST", Data: []byte(ics)}
	require.NoError(t, s.Send(t.Context(), m))

	raw := srv.WaitFor(t, 1, 5*time.Second)[0].Data
	p, err := message.ParseMessage(raw)
	require.NoError(t, err)
	require.Equal(t, m.Text, p.Text)
	require.Equal(t, m.HTML, p.HTML)
	require.Equal(t, ics, p.Calendar)
	require.Equal(t, "REQUEST", p.CalendarMethod)
	require.True(t, strings.HasPrefix(p.Header.Get("Content-Type"), "multipart/mixed"))
	require.Contains(t, string(raw), "Content-Type: text/calendar; method=REQUEST; charset=UTF-8")
	require.Contains(t, string(raw), `Content-Type: application/ics; name="invite.ics"`)
	require.Contains(t, string(raw), `Content-Disposition: attachment; filename="invite.ics"`)
}

func TestSMTPPoolReusesConnections(t *testing.T) {
	srv := smtptest.Start(t)
	s := MustSender(t, srv, func(o *Options) { o.PoolSize = 2 })

	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for i := range 10 {
		wg.Go(func() { errs <- s.Send(t.Context(), smtptest.Message(i)) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Len(t, srv.WaitFor(t, 10, 5*time.Second), 10)
	require.LessOrEqual(t, srv.Connections(), 2, "a pool of 2 opens at most 2 connections")

	for i := range 5 {
		require.NoError(t, s.Send(t.Context(), smtptest.Message(20+i)))
	}
	require.LessOrEqual(t, srv.Connections(), 2, "sequential sends reuse the pooled connections")
}

func TestSMTPTemporaryFailure(t *testing.T) {
	srv := smtptest.Start(t)
	s := MustSender(t, srv, nil)
	srv.FailNext(1, 451, "try again later")

	err := s.Send(t.Context(), smtptest.Message(1))
	require.Error(t, err)
	require.False(t, errors.Is(err, message.ErrPermanent), "451 is temporary: %v", err)
	require.Contains(t, err.Error(), "451")

	require.NoError(t, s.Send(t.Context(), smtptest.Message(2)), "the next send works")
	got := srv.WaitFor(t, 1, 5*time.Second)
	require.Equal(t, []string{"sam2@example.test"}, got[0].To)
}

func TestSMTPPermanentFailure(t *testing.T) {
	srv := smtptest.Start(t)
	// Five refusals in a row would pause sending; this test is about each one.
	s := MustSender(t, srv, func(o *Options) { o.Breaker.Recipients = 10 })

	srv.RefuseRecipient("sam1@example.test", smtptest.Reply{Code: 550, Enhanced: "5.1.1", Text: "no such user"})
	err := s.Send(t.Context(), smtptest.Message(1))
	require.ErrorIs(t, err, message.ErrPermanent)
	require.Contains(t, err.Error(), "550")
	require.Contains(t, err.Error(), "5.1.1")

	srv.RejectRecipient("sam2@example.test", 550)
	require.ErrorIs(t, s.Send(t.Context(), smtptest.Message(2)), message.ErrPermanent, "550 to RCPT with no detail")

	srv.RejectRecipient("sam3@example.test", 450)
	srv.RefuseRecipient("sam4@example.test", smtptest.Reply{Code: 554, Enhanced: "5.7.1", Text: "relay access denied"})
	srv.FailNext(1, 550, "content rejected")
	for i := 3; i <= 5; i++ {
		err = s.Send(t.Context(), smtptest.Message(i))
		require.Error(t, err)
		require.False(t, errors.Is(err, message.ErrPermanent), "not the address's fault: %v", err)
	}

	require.NoError(t, s.Send(t.Context(), smtptest.Message(6)))
	require.Len(t, srv.Messages(), 1)
}

func TestSMTPInvalidMessageIsUnbuildableNotPermanent(t *testing.T) {
	srv := smtptest.Start(t)
	s := MustSender(t, srv, nil)
	m := smtptest.Message(1)
	m.To = "not an address"
	err := s.Send(t.Context(), m)
	require.ErrorIs(t, err, message.ErrUnbuildable)
	require.False(t, errors.Is(err, message.ErrPermanent), "a message dripbook cannot build is no reason to bounce anyone")
	require.Equal(t, 0, srv.Connections(), "nothing is dialled for a message that cannot be built")
}

// A connection the server dropped while it sat in the pool is redialled,
// whether the next message finds that out at NOOP (a connection idle for a
// while) or at MAIL FROM (one used a moment ago, sent on unchecked).
func TestSMTPReconnectsAfterServerDropsIdleConnection(t *testing.T) {
	for name, checkAfter := range map[string]time.Duration{"checked with NOOP": 0, "used a moment ago": time.Hour} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := smtptest.Start(t)
			s := MustSender(t, srv, func(o *Options) { o.PoolSize = 1 })
			s.checkAfter = checkAfter
			require.NoError(t, s.Send(t.Context(), smtptest.Message(1)))
			require.Equal(t, 1, srv.Connections())

			srv.DropIdle()
			require.NoError(t, s.Send(t.Context(), smtptest.Message(2)), "a dropped idle connection is redialled transparently")
			require.Equal(t, 2, srv.Connections())
			require.Len(t, srv.WaitFor(t, 2, 5*time.Second), 2)
		})
	}
}

func TestSMTPConnectionRefusedIsTemporary(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr, ok := l.Addr().(*net.TCPAddr)
	require.True(t, ok)
	require.NoError(t, l.Close())

	s, err := NewSender(Options{Host: "127.0.0.1", Port: addr.Port, TLS: "none", Timeout: 5 * time.Second})
	require.NoError(t, err)
	defer func() { _ = s.Close() }()
	start := time.Now()
	err = s.Send(t.Context(), smtptest.Message(1))
	require.Error(t, err)
	require.False(t, errors.Is(err, message.ErrPermanent), "refused connections are temporary: %v", err)
	require.Less(t, time.Since(start), 3*time.Second)
}

// A server that accepts the connection and then says nothing must not hold a
// sender forever: the dial and every command have a deadline.
func TestSMTPSilentServerTimesOut(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan struct{})
	go func() {
		// Hold every connection open without a greeting, then let go of them
		// once the listener is closed.
		defer close(done)
		var held []net.Conn
		for {
			c, err := l.Accept()
			if err != nil {
				for _, c := range held {
					_ = c.Close()
				}
				return
			}
			held = append(held, c)
		}
	}()
	defer func() { _ = l.Close(); <-done }()

	addr, ok := l.Addr().(*net.TCPAddr)
	require.True(t, ok)
	s, err := NewSender(Options{Host: "127.0.0.1", Port: addr.Port, TLS: "none", Timeout: 300 * time.Millisecond})
	require.NoError(t, err)
	defer func() { _ = s.Close() }()
	start := time.Now()
	err = s.Send(t.Context(), smtptest.Message(1))
	require.Error(t, err)
	require.False(t, errors.Is(err, message.ErrPermanent), "a timeout is temporary: %v", err)
	require.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond, "it waited for the greeting: %v", err)
	require.Less(t, time.Since(start), 5*time.Second, "the send gave up on its deadline")
}

func TestSMTPContextCancelled(t *testing.T) {
	srv := smtptest.Start(t)
	s := MustSender(t, srv, nil)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := s.Send(ctx, smtptest.Message(1))
	require.ErrorIs(t, err, context.Canceled)
	require.False(t, errors.Is(err, message.ErrPermanent))
}

func TestSMTPAuth(t *testing.T) {
	srv := smtptest.Start(t)
	srv.RequireAuth("coach", "s3cret")
	ok := MustSender(t, srv, func(o *Options) { o.Username, o.Password = "coach", "s3cret" })
	require.NoError(t, ok.Send(t.Context(), smtptest.Message(1)))

	bad := MustSender(t, srv, func(o *Options) { o.Username, o.Password = "coach", "wrong" })
	err := bad.Send(t.Context(), smtptest.Message(2))
	require.Error(t, err)
	require.False(t, errors.Is(err, message.ErrPermanent), "a login failure is the relay's setup, not the subscriber's address: %v", err)

	none := MustSender(t, srv, nil)
	err = none.Send(t.Context(), smtptest.Message(3))
	require.Error(t, err)
	require.Contains(t, err.Error(), "authenticate")
	require.False(t, errors.Is(err, message.ErrPermanent), "a 5xx to MAIL FROM is the sender's setup: %v", err)
	require.Len(t, srv.Messages(), 1)
}

// Over implicit TLS (smtps), AUTH PLAIN goes through on the line dripbook
// dials itself, and a dial that fails after the handshake (the relay
// refuses EHLO) closes its connection at once rather than leave it to the
// garbage collector.
func TestSMTPImplicitTLSAuth(t *testing.T) {
	srv := smtptest.StartTLS(t)
	srv.RequireAuth("coach", "s3cret")
	trusting := func(user, pass string) func(*Options) {
		return func(o *Options) { o.Username, o.Password, o.rootCAs = user, pass, srv.RootCAs() }
	}
	ok := MustSender(t, srv, trusting("coach", "s3cret"))
	require.Equal(t, tlsImplicit, ok.opts.TLS)
	require.NoError(t, ok.Send(t.Context(), smtptest.Message(1)))
	srv.WaitFor(t, 1, 5*time.Second)
	require.NoError(t, ok.Close())
	require.Eventually(t, func() bool { return srv.Open() == 0 }, 10*time.Second, 10*time.Millisecond,
		"Close says QUIT on the idle connection")

	srv.RefuseHello()
	refused := MustSender(t, srv, trusting("coach", "s3cret"))
	require.ErrorContains(t, refused.Send(t.Context(), smtptest.Message(2)), "not taking mail")
	require.Eventually(t, func() bool { return srv.Open() == 0 }, 10*time.Second, 10*time.Millisecond,
		"the dial the relay refused left its connection open")
	require.Len(t, srv.Messages(), 1)

	untrusting := MustSender(t, srv, func(o *Options) { o.Username, o.Password = "coach", "s3cret" })
	err := untrusting.Send(t.Context(), smtptest.Message(3))
	require.ErrorContains(t, err, "certificate", "a relay whose certificate nobody vouches for gets no password")
}

func TestSMTPRateLimit(t *testing.T) {
	srv := smtptest.Start(t)
	s := MustSender(t, srv, func(o *Options) { o.MaxPerSecond = 20 })
	start := time.Now()
	for i := range 5 {
		require.NoError(t, s.Send(t.Context(), smtptest.Message(i)))
	}
	// Five sends at 20 a second are spaced 50ms apart: at least 200ms.
	require.GreaterOrEqual(t, time.Since(start), 190*time.Millisecond)
}

// countingPacer counts the turns it gives.
type countingPacer struct{ turns atomic.Int32 }

func (p *countingPacer) Wait(context.Context) error { p.turns.Add(1); return nil }

// A Pacer given in the options paces every send in place of the Sender's
// own count, and only when there is a rate to keep.
func TestSMTPPacerTakesTheSendersPlace(t *testing.T) {
	srv := smtptest.Start(t)
	shared := &countingPacer{}
	s := MustSender(t, srv, func(o *Options) { o.MaxPerSecond, o.Pacer = 1, shared })
	require.Same(t, shared, s.limit, "the Sender's own pace of 1 a second does not wait as well")
	for i := range 3 {
		require.NoError(t, s.Send(t.Context(), smtptest.Message(i)))
	}
	require.Equal(t, int32(3), shared.turns.Load())

	unpaced := &countingPacer{}
	u := MustSender(t, srv, func(o *Options) { o.Pacer = unpaced })
	require.NoError(t, u.Send(t.Context(), smtptest.Message(9)))
	require.Zero(t, unpaced.turns.Load(), "no rate, no pace")
	srv.WaitFor(t, 4, 5*time.Second)
}

func TestSMTPSenderClose(t *testing.T) {
	srv := smtptest.Start(t)
	s := MustSender(t, srv, nil)
	require.NoError(t, s.Send(t.Context(), smtptest.Message(1)))
	require.NoError(t, s.Close())
	err := s.Send(t.Context(), smtptest.Message(2))
	require.Error(t, err)
	require.False(t, errors.Is(err, message.ErrPermanent))
}

func TestNewSMTPSenderValidates(t *testing.T) {
	for _, o := range []Options{
		{},
		{Host: "h", Port: 70000},
		{Host: "h", TLS: "ssl"},
		{Host: "h", PoolSize: -1},
		{Host: "h", Timeout: -time.Second},
		{Host: "h", MaxPerSecond: -1},
		{Host: "h", Password: "p"},
	} {
		_, err := NewSender(o)
		require.Error(t, err, "%+v", o)
	}
	_, err := NewSender(Options{Host: "localhost"})
	require.NoError(t, err, "defaults fill the rest")
}

// A dial that fails after the connection is made (here: STARTTLS is
// required and the server has none) closes that connection at once,
// rather than leaving it open until the garbage collector finds it.
func TestSMTPFailedDialClosesItsConnection(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer func() { _ = l.Close() }()
	closed := make(chan struct{}, 8)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer func() { _ = c.Close() }()
				r := bufio.NewReader(c)
				_, _ = io.WriteString(c, "220 fake ESMTP\r\n")
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						closed <- struct{}{} // the client hung up
						return
					}
					if strings.HasPrefix(strings.ToUpper(line), "QUIT") {
						_, _ = io.WriteString(c, "221 bye\r\n")
						continue
					}
					_, _ = io.WriteString(c, "250 fake\r\n") // no STARTTLS on offer
				}
			}()
		}
	}()
	addr, ok := l.Addr().(*net.TCPAddr)
	require.True(t, ok)
	s, err := NewSender(Options{Host: "127.0.0.1", Port: addr.Port, TLS: "starttls", Timeout: 5 * time.Second})
	require.NoError(t, err)
	defer func() { _ = s.Close() }()

	err = s.Send(t.Context(), smtptest.Message(1))
	require.ErrorContains(t, err, "STARTTLS")
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the failed dial left its connection open")
	}
}

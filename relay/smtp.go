package relay

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"strconv"
	"sync"
	"time"

	"github.com/dripbook/dripbook/message"
	"github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// Sender sends through an SMTP relay over a small pool of connections
// that stay open between messages, so a course going out to many
// subscribers does not pay a TCP+TLS+AUTH handshake per email. When the
// relay fails for many recipients at once it pauses (see BreakerOptions).
type Sender struct {
	opts   Options
	addr   string
	client *mail.Client // holds the settings; connections live in idle
	slots  chan struct{}
	idle   chan idleConn
	// checkAfter is how long a connection may have waited in the pool
	// before it is checked with NOOP; see transact.
	checkAfter time.Duration
	limit      Pacer
	signer     *signer // nil: no DKIM
	breaker    *breaker

	mu     sync.Mutex
	closed bool
}

// NewSender checks the options and prepares the pool. It does not dial:
// the relay may come up after dripbook does.
func NewSender(o Options) (*Sender, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("smtp: %w", err)
	}
	tlsConf := &tls.Config{ServerName: o.Host, MinVersion: tls.VersionTLS12, RootCAs: o.rootCAs}
	opts := []mail.Option{mail.WithPort(o.Port), mail.WithTimeout(o.Timeout), mail.WithTLSConfig(tlsConf)}
	switch o.TLS {
	case tlsImplicit:
		opts = append(opts, mail.WithSSL())
	case tlsNone:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	if o.HELO != "" {
		opts = append(opts, mail.WithHELO(o.HELO))
	}
	dial := trackedDial(nil)
	if o.TLS == tlsImplicit {
		dial = trackedDial(tlsConf)
	}
	opts = append(opts, mail.WithDialContextFunc(dial))
	if o.Username != "" {
		switch o.TLS {
		case tlsNone:
			// The operator chose a plain connection on purpose (a relay on
			// the same host or private network); without this, discovery
			// refuses PLAIN and LOGIN on it.
			opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthPlainNoEnc))
		case tlsImplicit:
			// go-mail's discovery takes a line it did not dial itself for
			// a plain one and refuses PLAIN and LOGIN on it; this line is
			// TLS from its first byte, so the encrypted choice is made
			// here, strongest first, as discovery makes it.
			opts = append(opts, mail.WithOpportunisticSMTPAuth(implicitTLSAuth...))
		default:
			opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover))
		}
		opts = append(opts, mail.WithUsername(o.Username), mail.WithPassword(o.Password))
	}
	var sig *signer
	if o.DKIM != nil {
		if sig, err = newSigner(o.DKIM); err != nil {
			return nil, fmt.Errorf("smtp: %w", err)
		}
	}
	client, err := mail.NewClient(o.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("smtp: %w", err)
	}
	return &Sender{
		opts:       o,
		addr:       net.JoinHostPort(o.Host, strconv.Itoa(o.Port)),
		client:     client,
		slots:      make(chan struct{}, o.PoolSize),
		idle:       make(chan idleConn, o.PoolSize),
		checkAfter: checkIdleAfter,
		limit:      pacer(o),
		signer:     sig,
		breaker:    newBreaker(o.Breaker, o.now, o.Log),
	}, nil
}

// pacer is o's Pacer when there is a rate to keep, else this Sender's own.
func pacer(o Options) Pacer {
	if o.Pacer != nil && o.MaxPerSecond > 0 {
		return o.Pacer
	}
	return newRateLimiter(o.MaxPerSecond)
}

// Paused reports whether sending is paused because the relay has been
// failing for many recipients, and when the next probe may go out.
func (s *Sender) Paused() (bool, time.Time) {
	return s.breaker.paused()
}

// Send delivers m. The error wraps message.ErrPermanent when the relay
// refused the recipient for good, and is a *message.PausedError when
// sending is paused; any other error is temporary.
func (s *Sender) Send(ctx context.Context, m *message.Message) error {
	env, raw, err := wire(m)
	if err != nil {
		return fmt.Errorf("smtp send: %w: %w", message.ErrUnbuildable, err)
	}
	if s.signer != nil {
		// A signature that fails is dripbook's problem, never the address's.
		if raw, err = s.signer.sign(raw); err != nil {
			return fmt.Errorf("smtp send: %w", err)
		}
	}
	probe, err := s.breaker.allow()
	if err != nil {
		return fmt.Errorf("smtp send: %w", err)
	}
	err = s.send(ctx, env, raw)
	switch {
	case err == nil:
		s.breaker.report(probe, m.To, accepted, nil)
	case ctx.Err() != nil || errors.Is(err, errClosed):
		s.breaker.report(probe, m.To, unknown, err)
	default:
		s.breaker.report(probe, m.To, failed, err)
	}
	return err
}

// envelope is the SMTP envelope of one message.
type envelope struct {
	from string
	to   []string
}

// wire builds m into its envelope and the bytes to send.
func wire(m *message.Message) (envelope, []byte, error) {
	msg, err := Build(m)
	if err != nil {
		return envelope{}, nil, err
	}
	var env envelope
	if env.from, err = msg.GetSender(false); err != nil {
		return env, nil, fmt.Errorf("envelope sender: %w", err)
	}
	if env.to, err = msg.GetRecipients(); err != nil {
		return env, nil, fmt.Errorf("envelope recipients: %w", err)
	}
	var buf bytes.Buffer
	if _, err := msg.WriteTo(&buf); err != nil {
		return env, nil, fmt.Errorf("write message: %w", err)
	}
	return env, buf.Bytes(), nil
}

// errClosed is a send after Close.
var errClosed = errors.New("sender is closed")

// send takes its turn and a connection and sends one message.
func (s *Sender) send(ctx context.Context, env envelope, raw []byte) error {
	if err := s.limit.Wait(ctx); err != nil {
		return fmt.Errorf("smtp send: %w", err)
	}
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("smtp send: waiting for a connection: %w", ctx.Err())
	}
	defer func() { <-s.slots }()

	conn, reused, check, err := s.take(ctx)
	if err != nil {
		return fmt.Errorf("smtp send: connect to %s: %w", s.addr, err)
	}
	err = s.sendOn(ctx, conn, check, env, raw)
	if err != nil && reused && staleConn(err) {
		// The server closed the idle connection (timeouts of a few minutes
		// are common): dial once more before calling the send failed.
		_ = conn.Close()
		if conn, err = s.dial(ctx); err != nil {
			return fmt.Errorf("smtp send: reconnect to %s: %w", s.addr, err)
		}
		err = s.sendOn(ctx, conn, false, env, raw)
	}
	if err != nil {
		// The session may be mid-transaction; a fresh one is cheaper than
		// working out its state.
		_ = conn.Close()
		return classify(err)
	}
	s.put(conn)
	return nil
}

// sendOn sends one message over conn, aborting the connection if ctx ends
// first.
func (s *Sender) sendOn(ctx context.Context, conn *smtp.Client, check bool, env envelope, raw []byte) error {
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	// An idle connection's deadline ran out while it waited in the pool.
	if err := conn.UpdateDeadline(s.opts.Timeout); err != nil {
		return err
	}
	err := transact(conn, check, env, raw)
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("%w (%w)", ctx.Err(), err)
	}
	return err
}

// transact runs one mail transaction. With check, the connection is checked
// with NOOP first, so a dead one is found before anything was sent on it.
func transact(conn *smtp.Client, check bool, env envelope, raw []byte) error {
	if check {
		if err := conn.Noop(); err != nil {
			return &commandError{cmd: cmdNoop, err: err}
		}
	}
	if err := conn.Mail(env.from); err != nil {
		return &commandError{cmd: cmdMail, err: err}
	}
	for _, to := range env.to {
		if err := conn.Rcpt(to); err != nil {
			return &commandError{cmd: cmdRcpt, err: err}
		}
	}
	w, err := conn.Data()
	if err != nil {
		return &commandError{cmd: cmdData, err: err}
	}
	if _, err := w.Write(raw); err != nil {
		_ = w.Close()
		return &commandError{cmd: cmdData, err: err}
	}
	if err := w.Close(); err != nil {
		return &commandError{cmd: cmdData, err: err}
	}
	return nil
}

// idleConn is a connection waiting in the pool, and since when.
type idleConn struct {
	conn  *smtp.Client
	since time.Time
}

// checkIdleAfter is how long a pooled connection may wait before its next
// message checks it with NOOP. Relays close idle sessions after minutes,
// not seconds, so while a course goes out each message saves the round
// trip; a connection that died meanwhile all the same fails at MAIL
// without a reply, and is redialled just as one that failed NOOP.
const checkIdleAfter = 2 * time.Second

// take returns an idle connection, or dials a new one, and whether the
// connection was reused and is to be checked before use (see
// checkIdleAfter). The caller holds a slot, so at most PoolSize
// connections exist.
func (s *Sender) take(ctx context.Context) (conn *smtp.Client, reused, check bool, err error) {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return nil, false, false, errClosed
	}
	select {
	case c := <-s.idle:
		return c.conn, true, time.Since(c.since) >= s.checkAfter, nil
	default:
	}
	conn, err = s.dial(ctx)
	return conn, false, false, err
}

func (s *Sender) dial(ctx context.Context) (*smtp.Client, error) {
	// go-mail applies Timeout to the dial and the greeting, EHLO, STARTTLS
	// and AUTH that follow it. When one of those fails it returns without
	// closing the connection it made, which would stay open until the
	// garbage collector found it: the dial closes it here.
	d := &dialed{}
	conn, err := s.client.DialToSMTPClientWithContext(context.WithValue(ctx, dialedKey{}, d))
	if err != nil && d.conn != nil {
		_ = d.conn.Close()
	}
	return conn, err
}

// dialedKey carries a dial's *dialed in its context.
type dialedKey struct{}

// dialed is the connection one dial made.
type dialed struct{ conn net.Conn }

// trackedDial returns a dial as go-mail's own, over TLS when conf is set,
// that notes the connection in the context's *dialed.
func trackedDial(conf *tls.Config) mail.DialContextFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		var conn net.Conn
		var err error
		if conf != nil {
			conn, err = (&tls.Dialer{Config: conf}).DialContext(ctx, network, addr)
		} else {
			conn, err = (&net.Dialer{}).DialContext(ctx, network, addr)
		}
		if h, ok := ctx.Value(dialedKey{}).(*dialed); ok && err == nil {
			h.conn = conn
		}
		return conn, err
	}
}

// implicitTLSAuth is go-mail's discovery order on an encrypted line.
var implicitTLSAuth = []mail.SMTPAuthType{
	mail.SMTPAuthSCRAMSHA256PLUS, mail.SMTPAuthSCRAMSHA256, mail.SMTPAuthSCRAMSHA1PLUS, mail.SMTPAuthSCRAMSHA1,
	mail.SMTPAuthNTLM, mail.SMTPAuthCramMD5, mail.SMTPAuthPlain, mail.SMTPAuthLogin,
}

// put returns a healthy connection to the pool. It runs before the caller
// gives up its slot, which is what keeps the pool within PoolSize.
func (s *Sender) put(conn *smtp.Client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		_ = s.client.CloseWithSMTPClient(conn)
		return
	}
	select {
	case s.idle <- idleConn{conn: conn, since: time.Now()}:
	default:
		_ = s.client.CloseWithSMTPClient(conn)
	}
}

// Close says QUIT on every idle connection. Sends still in flight close
// their connection when they finish.
func (s *Sender) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	var errs []error
	for {
		select {
		case c := <-s.idle:
			conn := c.conn
			if err := conn.UpdateDeadline(s.opts.Timeout); err != nil {
				_ = conn.Close()
				continue
			}
			if err := s.client.CloseWithSMTPClient(conn); err != nil {
				_ = conn.Close()
				errs = append(errs, err)
			}
		default:
			if err := errors.Join(errs...); err != nil {
				return fmt.Errorf("smtp close: %w", err)
			}
			return nil
		}
	}
}

// staleConn tells whether err means the connection was dead before the
// message started, so sending again on a new one cannot duplicate it.
func staleConn(err error) bool {
	var ce *commandError
	if !errors.As(err, &ce) {
		return false
	}
	var reply *textproto.Error
	return ce.cmd == cmdNoop || (ce.cmd == cmdMail && !errors.As(ce.err, &reply))
}

package relay

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"

	"github.com/dripbook/dripbook/message"
	"github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// Sender sends through an SMTP relay over a small pool of connections
// that stay open between messages, so a course going out to many
// subscribers does not pay a TCP+TLS+AUTH handshake per email.
type Sender struct {
	opts   Options
	addr   string
	client *mail.Client // holds the settings; connections live in idle
	slots  chan struct{}
	idle   chan *smtp.Client
	limit  *rateLimiter

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
	opts := []mail.Option{mail.WithPort(o.Port), mail.WithTimeout(o.Timeout)}
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
	if o.Username != "" {
		auth := mail.SMTPAuthAutoDiscover
		if o.TLS == tlsNone {
			// The operator chose a plain connection on purpose (a relay on
			// the same host or private network); without this, discovery
			// refuses PLAIN and LOGIN on it.
			auth = mail.SMTPAuthPlainNoEnc
		}
		opts = append(opts, mail.WithSMTPAuth(auth), mail.WithUsername(o.Username), mail.WithPassword(o.Password))
	}
	if d := o.DKIM; d != nil {
		key, err := mail.PrivKeyFromPEM(d.PrivateKeyPEM)
		if err != nil {
			return nil, fmt.Errorf("smtp: DKIM private key: %w", err)
		}
		opts = append(opts, mail.WithAlwaysDKIMSign(mail.NewDKIMSigner(d.Domain, d.Selector, key)))
	}
	client, err := mail.NewClient(o.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("smtp: %w", err)
	}
	return &Sender{
		opts:   o,
		addr:   net.JoinHostPort(o.Host, strconv.Itoa(o.Port)),
		client: client,
		slots:  make(chan struct{}, o.PoolSize),
		idle:   make(chan *smtp.Client, o.PoolSize),
		limit:  newRateLimiter(o.MaxPerSecond),
	}, nil
}

// Send delivers m. The error wraps message.ErrPermanent when the server refused the
// message for good; any other error is temporary.
func (s *Sender) Send(ctx context.Context, m *message.Message) error {
	msg, err := Build(m)
	if err != nil {
		return fmt.Errorf("smtp send: %w: %w", message.ErrPermanent, err)
	}
	if err := s.limit.wait(ctx); err != nil {
		return fmt.Errorf("smtp send: %w", err)
	}
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("smtp send: waiting for a connection: %w", ctx.Err())
	}
	defer func() { <-s.slots }()

	conn, reused, err := s.take(ctx)
	if err != nil {
		return fmt.Errorf("smtp send: connect to %s: %w", s.addr, err)
	}
	err = s.sendOn(ctx, conn, msg)
	if err != nil && reused && staleConn(err) {
		// The server closed the idle connection (timeouts of a few minutes
		// are common): dial once more before calling the send failed.
		_ = conn.Close()
		if conn, err = s.dial(ctx); err != nil {
			return fmt.Errorf("smtp send: reconnect to %s: %w", s.addr, err)
		}
		err = s.sendOn(ctx, conn, msg)
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

// sendOn sends msg over conn, aborting the connection if ctx ends first.
func (s *Sender) sendOn(ctx context.Context, conn *smtp.Client, msg *mail.Msg) error {
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	// An idle connection's deadline ran out while it waited in the pool;
	// go-mail only extends it after its NOOP check, which would then fail.
	if err := conn.UpdateDeadline(s.opts.Timeout); err != nil {
		return err
	}
	err := s.client.SendWithSMTPClient(conn, msg)
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("%w (%w)", ctx.Err(), err)
	}
	return err
}

// take returns an idle connection, or dials a new one. The caller holds a
// slot, so at most PoolSize connections exist.
func (s *Sender) take(ctx context.Context) (conn *smtp.Client, reused bool, err error) {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return nil, false, errors.New("sender is closed")
	}
	select {
	case conn := <-s.idle:
		return conn, true, nil
	default:
	}
	conn, err = s.dial(ctx)
	return conn, false, err
}

func (s *Sender) dial(ctx context.Context) (*smtp.Client, error) {
	// go-mail applies Timeout to the dial and the greeting, EHLO, STARTTLS
	// and AUTH that follow it.
	return s.client.DialToSMTPClientWithContext(ctx)
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
	case s.idle <- conn:
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
		case conn := <-s.idle:
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
	var se *mail.SendError
	if !errors.As(err, &se) {
		return false
	}
	return se.Reason == mail.ErrConnCheck || (se.Reason == mail.ErrSMTPMailFrom && se.ErrorCode() == 0)
}

// classify wraps 5xx replies to RCPT TO and DATA, and message faults go-mail
// finds before any reply, in message.ErrPermanent; everything else stays temporary.
// A 5xx to MAIL FROM (or to AUTH while dialling) is about the sender's setup,
// never the subscriber's address, so it must not mark anyone bounced.
func classify(err error) error {
	var se *mail.SendError
	if errors.As(err, &se) {
		code := se.ErrorCode()
		permanent := code >= 500 && code < 600 && se.Reason != mail.ErrSMTPMailFrom
		switch se.Reason {
		case mail.ErrGetSender, mail.ErrGetRcpts, mail.ErrNoUnencoded:
			permanent = true
		}
		if permanent {
			return fmt.Errorf("smtp send: %w: %w", message.ErrPermanent, err)
		}
	}
	return fmt.Errorf("smtp send: %w", err)
}

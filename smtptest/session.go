package smtptest

import (
	"errors"
	"io"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

type backend struct{ s *Server }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	if b.s.refuseHello {
		return nil, errors.New("smtptest: not taking mail, as asked")
	}
	return &session{s: b.s}, nil
}

// session is one SMTP conversation; it implements smtp.AuthSession so that
// RequireAuth can be tested.
type session struct {
	s      *Server
	authed bool
	from   string
	to     []string
}

func (ss *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *session) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(_, username, password string) error {
		ss.s.mu.Lock()
		ok := username == ss.s.username && password == ss.s.password
		ss.s.mu.Unlock()
		if !ok {
			return errors.New("invalid credentials")
		}
		ss.authed = true
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	ss.s.mu.Lock()
	needAuth := ss.s.username != ""
	ss.s.mu.Unlock()
	if needAuth && !ss.authed {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if err := ss.s.rcpt.refusal(to); err != nil {
		return err
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if err := ss.s.takeFailure(); err != nil {
		return err
	}
	time.Sleep(ss.s.delay())
	ss.s.received(Received{From: ss.from, To: append([]string(nil), ss.to...), Data: data})
	return nil
}

func (ss *session) Reset() {
	ss.from, ss.to = "", nil
}

func (ss *session) Logout() error { return nil }

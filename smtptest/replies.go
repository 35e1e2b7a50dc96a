package smtptest

import (
	"strconv"
	"strings"
	"sync"

	"github.com/emersion/go-smtp"
)

// Reply is an SMTP reply for the server to give, such as
// Reply{Code: 550, Enhanced: "5.1.1"} for "no such user" or
// Reply{Code: 554} for a relay refusing everything. An empty Enhanced sends
// the basic code alone, as relays without ENHANCEDSTATUSCODES do.
type Reply struct {
	Code     int
	Enhanced string // "5.1.1"
	Text     string
}

// rcptReplies are the RCPT TO answers set with RefuseRecipient and
// RefuseEveryRecipient; the zero value refuses nobody.
type rcptReplies struct {
	mu      sync.Mutex
	byAddr  map[string]Reply
	every   *Reply
	refused int
}

// RefuseRecipient answers RCPT TO for addr with r, every time.
func (s *Server) RefuseRecipient(addr string, r Reply) {
	s.rcpt.mu.Lock()
	defer s.rcpt.mu.Unlock()
	if s.rcpt.byAddr == nil {
		s.rcpt.byAddr = map[string]Reply{}
	}
	s.rcpt.byAddr[strings.ToLower(addr)] = r
}

// AcceptRecipient ends RefuseRecipient for addr.
func (s *Server) AcceptRecipient(addr string) {
	s.rcpt.mu.Lock()
	defer s.rcpt.mu.Unlock()
	delete(s.rcpt.byAddr, strings.ToLower(addr))
}

// RefuseEveryRecipient answers every RCPT TO with r, as a relay that lost
// its upstream does, until AcceptEveryRecipient.
func (s *Server) RefuseEveryRecipient(r Reply) {
	s.rcpt.mu.Lock()
	defer s.rcpt.mu.Unlock()
	s.rcpt.every = &r
}

// AcceptEveryRecipient ends RefuseEveryRecipient; addresses refused one by
// one stay refused.
func (s *Server) AcceptEveryRecipient() {
	s.rcpt.mu.Lock()
	defer s.rcpt.mu.Unlock()
	s.rcpt.every = nil
}

// RefusedRecipients counts the RCPT TO commands refused through Reply rules
// so far, to show how hard a client kept trying.
func (s *Server) RefusedRecipients() int {
	s.rcpt.mu.Lock()
	defer s.rcpt.mu.Unlock()
	return s.rcpt.refused
}

// refusal returns the error for RCPT TO addr, or nil to go on.
func (r *rcptReplies) refusal(addr string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	reply, ok := r.byAddr[strings.ToLower(addr)]
	if !ok && r.every != nil {
		reply, ok = *r.every, true
	}
	if !ok {
		return nil
	}
	r.refused++
	return reply.err()
}

func (r Reply) err() error {
	text := r.Text
	if text == "" {
		text = "smtptest: refused as asked"
	}
	code := smtp.NoEnhancedCode
	if parts := strings.Split(r.Enhanced, "."); len(parts) == 3 {
		for i, p := range parts {
			code[i], _ = strconv.Atoi(p)
		}
	}
	return &smtp.SMTPError{Code: r.Code, EnhancedCode: code, Message: text}
}

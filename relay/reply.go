package relay

import (
	"errors"
	"fmt"
	"net/textproto"
	"strconv"
	"strings"

	"github.com/dripbook/dripbook/message"
)

// command names the SMTP command a transaction failed at.
type command string

const (
	cmdNoop command = "NOOP"
	cmdMail command = "MAIL FROM"
	cmdRcpt command = "RCPT TO"
	cmdData command = "DATA"
)

// commandError is a failed command of one transaction: the server's reply
// (a *textproto.Error) or the connection's error.
type commandError struct {
	cmd command
	err error
}

func (e *commandError) Error() string { return string(e.cmd) + ": " + e.err.Error() }
func (e *commandError) Unwrap() error { return e.err }

// classify wraps a failed send in message.ErrPermanent when the relay
// refused the recipient for good; everything else is temporary.
func classify(err error) error {
	if recipientRefused(err) {
		return fmt.Errorf("smtp send: %w: %w", message.ErrPermanent, err)
	}
	return fmt.Errorf("smtp send: %w", err)
}

// recipientRefused reports whether err says that the recipient's address
// will never take mail: an enhanced status 5.1.x about the destination
// (RFC 3463) in reply to RCPT TO or DATA, or, from a relay that gives no
// enhanced status, 550, 551 or 553 to RCPT TO. Any other 5xx (554 to every
// RCPT, 5.7.x policy, 552 and 5.2.x mailbox full, anything to MAIL FROM or
// AUTH) is about the relay, the sender or the moment, not the address, so
// it is retried and never bounces anyone.
func recipientRefused(err error) bool {
	var ce *commandError
	var reply *textproto.Error
	if !errors.As(err, &ce) || !errors.As(ce.err, &reply) || reply.Code/100 != 5 {
		return false
	}
	subject, detail, ok := enhancedStatus(reply)
	switch {
	case ok && subject == 1:
		// 5.1.7 and 5.1.8 are about the sender's address, not the recipient's.
		return detail != 7 && detail != 8 && (ce.cmd == cmdRcpt || ce.cmd == cmdData)
	case ok:
		return false
	default:
		return ce.cmd == cmdRcpt && (reply.Code == 550 || reply.Code == 551 || reply.Code == 553)
	}
}

// enhancedStatus reads the enhanced status code (RFC 3463) that starts a
// reply's text. A code of x.0.0, "undefined status", says nothing the basic
// code does not (some servers add it to every reply), so it counts as none.
func enhancedStatus(reply *textproto.Error) (subject, detail int, ok bool) {
	first, _, _ := strings.Cut(reply.Msg, "\n")
	code, _, _ := strings.Cut(strings.TrimSpace(first), " ")
	parts := strings.Split(code, ".")
	if len(parts) != 3 || parts[0] != strconv.Itoa(reply.Code/100) {
		return 0, 0, false
	}
	subject, err1 := strconv.Atoi(parts[1])
	detail, err2 := strconv.Atoi(parts[2])
	if err1 != nil || err2 != nil || subject < 0 || subject > 999 || detail < 0 || detail > 999 {
		return 0, 0, false
	}
	if subject == 0 && detail == 0 {
		return 0, 0, false
	}
	return subject, detail, true
}

package testenv

import (
	"testing"
	"time"

	"github.com/dripbook/dripbook/message"
	"github.com/dripbook/dripbook/smtptest"
)

// Mail returns the messages srv has received so far for addr alone, parsed,
// in the order they arrived.
func Mail(tb testing.TB, srv *smtptest.Server, addr string) []*message.Parsed {
	tb.Helper()
	return parse(tb, srv.MessagesTo(addr))
}

// WaitMail waits until addr has received at least n messages and returns
// them parsed; it fails the test, naming what did arrive, when timeout
// passes first.
func WaitMail(tb testing.TB, srv *smtptest.Server, addr string, n int, timeout time.Duration) []*message.Parsed {
	tb.Helper()
	return parse(tb, srv.WaitTo(tb, addr, n, timeout))
}

func parse(tb testing.TB, rs []smtptest.Received) []*message.Parsed {
	tb.Helper()
	out := make([]*message.Parsed, 0, len(rs))
	for _, r := range rs {
		p, err := message.ParseMessage(r.Data)
		if err != nil {
			tb.Fatalf("parse message to %v: %v", r.To, err)
		}
		out = append(out, p)
	}
	return out
}

// Subjects lists the messages' subjects, for failure messages.
func Subjects(ps []*message.Parsed) []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.Subject)
	}
	return out
}

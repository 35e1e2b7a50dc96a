package relay

import (
	"errors"
	"io"
	"net/textproto"
	"testing"

	"github.com/dripbook/dripbook/message"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		name      string
		cmd       command
		code      int // 0: no reply, the connection failed
		text      string
		permanent bool
	}{
		{"no such user", cmdRcpt, 550, "5.1.1 <sam@example.test>: user unknown", true},
		{"no such user, Exchange detail", cmdRcpt, 550, "5.1.10 RESOLVER.ADR.RecipientNotFound", true},
		{"bad destination system", cmdRcpt, 550, "5.1.2 host unknown", true},
		{"550 without enhanced status", cmdRcpt, 550, "no such user here", true},
		{"551 without enhanced status", cmdRcpt, 551, "user not local", true},
		{"553 without enhanced status", cmdRcpt, 553, "mailbox name not allowed", true},
		{"x.0.0 says no more than the code", cmdRcpt, 550, "5.0.0 rejected", true},
		{"multi-line, status on the first line", cmdRcpt, 550, "5.1.1 The email account does not exist.\n5.1.1 Try again.", true},
		{"unknown user at the end of DATA", cmdData, 550, "5.1.1 user unknown", true},

		{"554 to every RCPT", cmdRcpt, 554, "no valid recipients", false},
		{"554 relay access denied", cmdRcpt, 554, "5.7.1 relay access denied", false},
		{"550 policy", cmdRcpt, 550, "5.7.1 message refused by policy", false},
		{"550 sender's domain", cmdRcpt, 550, "5.1.8 sender address rejected", false},
		{"mailbox full", cmdRcpt, 552, "5.2.2 mailbox full", false},
		{"552 without enhanced status", cmdRcpt, 552, "too much mail", false},
		{"552 on DATA", cmdData, 552, "5.3.4 message too big", false},
		{"451 on RCPT", cmdRcpt, 451, "4.3.0 try again later", false},
		{"450 on RCPT", cmdRcpt, 450, "mailbox busy", false},
		{"554 on DATA", cmdData, 554, "transaction failed", false},
		{"554 5.0.0 on DATA", cmdData, 554, "5.0.0 rejected", false},
		{"550 on DATA without enhanced status", cmdData, 550, "content rejected", false},
		{"unknown user to MAIL FROM is the sender's", cmdMail, 550, "5.1.1 sender unknown", false},
		{"auth required", cmdMail, 530, "5.7.0 authentication required", false},
		{"421 to NOOP", cmdNoop, 421, "closing", false},
		{"connection lost at RCPT", cmdRcpt, 0, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cause := error(io.ErrUnexpectedEOF)
			if tt.code != 0 {
				cause = &textproto.Error{Code: tt.code, Msg: tt.text}
			}
			err := classify(&commandError{cmd: tt.cmd, err: cause})
			if got := errors.Is(err, message.ErrPermanent); got != tt.permanent {
				t.Errorf("%s %d %q: permanent = %v, want %v (%v)", tt.cmd, tt.code, tt.text, got, tt.permanent, err)
			}
		})
	}
	if errors.Is(classify(errors.New("dial tcp: connection refused")), message.ErrPermanent) {
		t.Error("a refused connection is temporary")
	}
}

package smtptest

import (
	"testing"

	"github.com/emersion/go-smtp"
	"github.com/stretchr/testify/require"
)

func TestRecipientReplies(t *testing.T) {
	s := Start(t)
	c, err := smtp.Dial(s.Addr())
	require.NoError(t, err)
	defer func() { _ = c.Close() }()

	s.RefuseRecipient("Gone@example.test", Reply{Code: 550, Enhanced: "5.1.1", Text: "no such user"})
	var se *smtp.SMTPError
	require.ErrorAs(t, send(t, c, "gone@example.test"), &se)
	require.Equal(t, 550, se.Code)
	require.Equal(t, smtp.EnhancedCode{5, 1, 1}, se.EnhancedCode)
	require.Equal(t, "no such user", se.Message)

	s.RefuseEveryRecipient(Reply{Code: 554})
	require.ErrorAs(t, send(t, c, "a@example.test"), &se)
	require.Equal(t, 554, se.Code)
	require.Equal(t, smtp.EnhancedCodeNotSet, se.EnhancedCode, "no enhanced code unless asked")

	s.AcceptEveryRecipient()
	require.NoError(t, send(t, c, "a@example.test"))
	require.Error(t, send(t, c, "gone@example.test"), "one address refused stays refused")
	require.Equal(t, 3, s.RefusedRecipients())
	s.AcceptRecipient("GONE@example.test")
	require.NoError(t, send(t, c, "gone@example.test"))
	require.Len(t, s.Messages(), 2)
}

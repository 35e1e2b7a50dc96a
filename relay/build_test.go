package relay

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/message"
	"github.com/dripbook/dripbook/smtptest"
)

func TestMessageBuild(t *testing.T) {
	m := smtptest.Message(1)
	msg, err := Build(m)
	require.NoError(t, err)
	var buf bytes.Buffer
	_, err = msg.WriteTo(&buf)
	require.NoError(t, err)
	raw := buf.String()
	require.Contains(t, raw, "Message-ID: <lesson.1.welcome@example.test>\r\n")
	require.Contains(t, raw, "List-Unsubscribe: <https://example.test/unsubscribe/tok>\r\n")
	require.Contains(t, raw, "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n")
	require.Contains(t, raw, "List-Id: \"The Canyon\" <the-canyon.example.test>\r\n")
	require.Contains(t, raw, "Auto-Submitted: auto-generated\r\n")
	require.Contains(t, raw, "X-Auto-Response-Suppress: OOF, AutoReply\r\n")
	require.NotContains(t, raw, "go-mail", "the message names only its sender")

	p, err := message.ParseMessage(buf.Bytes())
	require.NoError(t, err)
	require.Equal(t, m.Subject, p.Subject)
	require.Equal(t, m.Text, p.Text)
	require.Equal(t, m.HTML, p.HTML)
}

func TestMessageBuildRejects(t *testing.T) {
	tests := map[string]func(*message.Message){
		"no from":             func(m *message.Message) { m.From = "" },
		"bad to":              func(m *message.Message) { m.To = "sam" },
		"no body":             func(m *message.Message) { m.Text, m.HTML = "", "" },
		"bad message id":      func(m *message.Message) { m.MessageID = "no at sign" },
		"header injection":    func(m *message.Message) { m.Headers["X-Test"] = "a\r\nBcc: victim@example.test" },
		"bad header name":     func(m *message.Message) { m.Headers["X Test"] = "a" },
		"overrides subject":   func(m *message.Message) { m.Headers["subject"] = "other" },
		"overrides auto":      func(m *message.Message) { m.Headers["Auto-Submitted"] = "no" },
		"bad calendar method": func(m *message.Message) { m.Calendar = &message.Calendar{Method: "REQUEST\r\nX: y", Data: []byte("x")} },
	}
	for name, change := range tests {
		t.Run(name, func(t *testing.T) {
			m := smtptest.Message(1)
			change(m)
			_, err := Build(m)
			require.Error(t, err)
		})
	}
}

func TestMessageTextOnlyAndNameSanitised(t *testing.T) {
	m := smtptest.Message(1)
	m.HTML = ""
	m.ToName = "Sam\r\nBcc: victim@example.test"
	m.Subject = "Hi\r\nBcc: victim@example.test"
	msg, err := Build(m)
	require.NoError(t, err)
	var buf bytes.Buffer
	_, err = msg.WriteTo(&buf)
	require.NoError(t, err)
	require.NotContains(t, buf.String(), "\r\nBcc:")
	p, err := message.ParseMessage(buf.Bytes())
	require.NoError(t, err)
	require.Equal(t, m.Text, p.Text)
	require.Empty(t, p.HTML)
	require.True(t, strings.HasPrefix(p.Header.Get("Content-Type"), "text/plain"))
}

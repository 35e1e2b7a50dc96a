package emails

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMessageBuild(t *testing.T) {
	m := testMessage(1)
	msg, err := m.Build()
	require.NoError(t, err)
	var buf bytes.Buffer
	_, err = msg.WriteTo(&buf)
	require.NoError(t, err)
	raw := buf.String()
	require.Contains(t, raw, "Message-ID: <lesson.1.welcome@example.test>\r\n")
	require.Contains(t, raw, "List-Unsubscribe: <https://example.test/unsubscribe/tok>\r\n")
	require.Contains(t, raw, "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n")
	require.NotContains(t, raw, "go-mail", "the message names only its sender")

	p, err := ParseMessage(buf.Bytes())
	require.NoError(t, err)
	require.Equal(t, m.Subject, p.Subject)
	require.Equal(t, m.Text, p.Text)
	require.Equal(t, m.HTML, p.HTML)
}

func TestMessageBuildRejects(t *testing.T) {
	tests := map[string]func(*Message){
		"no from":             func(m *Message) { m.From = "" },
		"bad to":              func(m *Message) { m.To = "sam" },
		"no body":             func(m *Message) { m.Text, m.HTML = "", "" },
		"bad message id":      func(m *Message) { m.MessageID = "no at sign" },
		"header injection":    func(m *Message) { m.Headers["X-Test"] = "a\r\nBcc: victim@example.test" },
		"bad header name":     func(m *Message) { m.Headers["X Test"] = "a" },
		"overrides subject":   func(m *Message) { m.Headers["subject"] = "other" },
		"bad calendar method": func(m *Message) { m.Calendar = &Calendar{Method: "REQUEST\r\nX: y", Data: []byte("x")} },
	}
	for name, change := range tests {
		t.Run(name, func(t *testing.T) {
			m := testMessage(1)
			change(m)
			_, err := m.Build()
			require.Error(t, err)
		})
	}
}

func TestMessageTextOnlyAndNameSanitised(t *testing.T) {
	m := testMessage(1)
	m.HTML = ""
	m.ToName = "Sam\r\nBcc: victim@example.test"
	m.Subject = "Hi\r\nBcc: victim@example.test"
	msg, err := m.Build()
	require.NoError(t, err)
	var buf bytes.Buffer
	_, err = msg.WriteTo(&buf)
	require.NoError(t, err)
	require.NotContains(t, buf.String(), "\r\nBcc:")
	p, err := ParseMessage(buf.Bytes())
	require.NoError(t, err)
	require.Equal(t, m.Text, p.Text)
	require.Empty(t, p.HTML)
	require.True(t, strings.HasPrefix(p.Header.Get("Content-Type"), "text/plain"))
}

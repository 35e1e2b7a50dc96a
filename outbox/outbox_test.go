package outbox

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dripbook/dripbook/message"
	"github.com/dripbook/dripbook/smtptest"
	"github.com/stretchr/testify/require"
)

func TestOutboxRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "outbox")
	o, err := New(dir)
	require.NoError(t, err)

	first, second := smtptest.Message(1), smtptest.Message(2)
	second.MessageID = "booking.9/../../etc@example.test"
	second.Calendar = &message.Calendar{Method: "CANCEL", Data: []byte("BEGIN:VCALENDAR\r\nMETHOD:CANCEL\r\nEND:VCALENDAR\r\n")}
	require.NoError(t, o.Send(t.Context(), first))
	require.NoError(t, o.Send(t.Context(), second))

	items, err := o.List()
	require.NoError(t, err)
	require.Len(t, items, 2)
	require.Equal(t, second.Subject, items[0].Subject, "newest first")
	require.Equal(t, first.Subject, items[1].Subject)
	require.Contains(t, items[0].To, "sam2@example.test")
	require.Contains(t, items[0].To, "Sam Ünal")
	require.False(t, items[0].Date.IsZero())
	for _, it := range items {
		require.True(t, strings.HasSuffix(it.Name, ".eml"))
		require.NotContains(t, it.Name, "/")
	}
	require.Contains(t, items[1].Name, "lesson.1.welcome@example.test")

	p, err := o.Open(items[0].Name)
	require.NoError(t, err)
	require.Equal(t, second.Subject, p.Subject)
	require.Equal(t, second.Text, p.Text)
	require.Equal(t, second.HTML, p.HTML)
	require.Equal(t, "CANCEL", p.CalendarMethod)
	require.Contains(t, p.Calendar, "METHOD:CANCEL")
	require.Equal(t, "<booking.9/../../etc@example.test>", p.Header.Get("Message-ID"))

	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 2, "no temporary files are left behind")
}

func TestOutboxOpenRejectsPathTraversal(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "outbox")
	o, err := New(dir)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(parent, "secret.eml"), []byte("Subject: secret\r\n\r\nsecret\r\n"), 0o600))
	require.NoError(t, os.Symlink(filepath.Join(parent, "secret.eml"), filepath.Join(dir, "1-link.eml")))

	for _, name := range []string{
		"../secret.eml", "..%2Fsecret.eml", "/etc/passwd", filepath.Join(parent, "secret.eml"),
		"sub/x.eml", `..\secret.eml`, ".tmp-123", "secret", "", ".eml", "1-link.eml", "missing.eml",
	} {
		_, err := o.Open(name)
		require.ErrorIs(t, err, ErrNotFound, "%q", name)
	}
	items, err := o.List()
	require.NoError(t, err)
	require.Empty(t, items, "a symlink is not a captured message")
}

func TestOutboxRejectsBadMessage(t *testing.T) {
	o, err := New(t.TempDir())
	require.NoError(t, err)
	m := smtptest.Message(1)
	m.From = ""
	require.ErrorIs(t, o.Send(t.Context(), m), message.ErrUnbuildable)
}

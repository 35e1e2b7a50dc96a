package api

import (
	"context"
	"net/http"
	"testing"

	"github.com/dripbook/dripbook/message"
	"github.com/dripbook/dripbook/outbox"
	"github.com/stretchr/testify/require"
)

// mustOutbox returns an outbox holding one captured lesson.
func mustOutbox(tb testing.TB) *outbox.Outbox {
	tb.Helper()
	box, err := outbox.New(tb.TempDir())
	require.NoError(tb, err)
	err = box.Send(context.Background(), &message.Message{
		From:      "Dana Coach <coach@example.com>",
		To:        "ann@example.com",
		ToName:    "Ann",
		Subject:   "Lesson 1: Where the canyon starts",
		Text:      "Hello Ann,\n\nThe first step is to see your gaps.",
		HTML:      `<p style="color:#333">Hello Ann &amp; welcome, <a href="http://dripbook.test/book/x">book a call</a></p>`,
		MessageID: "lesson.1.1@example.com",
		Headers: map[string]string{
			"List-Unsubscribe":      "<http://dripbook.test/unsubscribe/abc>",
			"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
		},
	})
	require.NoError(tb, err)
	return box
}

func TestDevMailAbsentWithoutMailbox(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, nil)
	require.Equal(t, http.StatusNotFound, env.get("/dev/mail").Code)
	require.Equal(t, http.StatusNotFound, env.get("/dev/mail/anything.eml").Code)
}

func TestDevMail(t *testing.T) {
	t.Parallel()
	box := mustOutbox(t)
	env := newTestEnv(t, func(d *Deps) { d.Mailbox = box })

	list := env.get("/dev/mail")
	require.Equal(t, http.StatusOK, list.Code)
	items, err := box.List()
	require.NoError(t, err)
	require.Len(t, items, 1)
	require.Contains(t, list.Body.String(), `<a href="/dev/mail/`+items[0].Name+`">Lesson 1: Where the canyon starts</a>`)
	require.Contains(t, list.Body.String(), "ann@example.com")

	show := env.get("/dev/mail/" + items[0].Name)
	require.Equal(t, http.StatusOK, show.Code)
	body := show.Body.String()
	require.Contains(t, body, "<dt>From</dt><dd>&#34;Dana Coach&#34; &lt;coach@example.com&gt;</dd>")
	require.Contains(t, body, "<dt>Message-ID</dt><dd>&lt;lesson.1.1@example.com&gt;</dd>")
	require.Contains(t, body, "<dt>List-Unsubscribe</dt><dd>&lt;http://dripbook.test/unsubscribe/abc&gt;</dd>")
	// The HTML part is escaped once into srcdoc, so the frame parses it back.
	require.Contains(t, body, `srcdoc="&lt;base target=&#34;_top&#34;&gt;&lt;p style=&#34;color:#333&#34;&gt;Hello Ann &amp;amp; welcome`)
	require.Contains(t, body, `sandbox="allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation"`)
	require.Contains(t, body, "<pre class=\"mail-text\">Hello Ann,\n\nThe first step is to see your gaps.")
	require.Contains(t, show.Header().Get("Content-Security-Policy"), "style-src 'self' 'unsafe-inline'")

	for _, name := range []string{"missing.eml", "..%2Fsecret.eml", ".tmp-1.eml"} {
		rec := env.get("/dev/mail/" + name)
		require.Equal(t, http.StatusNotFound, rec.Code, name)
		require.Contains(t, rec.Body.String(), "Not found", name)
	}
}

package relay

import (
	"fmt"
	"net/mail"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/message"
	"github.com/dripbook/dripbook/smtptest"
)

// Whatever a visitor types as their name, the mail still goes out with a To
// that any parser reads back as their address.
func TestAnyNameYieldsAValidTo(t *testing.T) {
	t.Parallel()
	names := []string{
		`=HYPERLINK("http://evil.example")`,
		`"Sam" <attacker@evil.example>`,
		`Sam (the "PM")`,
		`Doe, Jane`,
		`=?utf-8?q?Boss?= <ceo@example.com>`,
		`Ünal Şahin 🚀`,
		"\u202eevil\u202c Sam",
		`שלום עולם`,
		`back\slash ; semi: colon @at`,
		"tab\tand\r\nnewline",
		``,
	}
	srv := smtptest.Start(t)
	s := MustSender(t, srv, nil)
	for i, name := range names {
		m := smtptest.Message(i)
		m.ToName = name
		require.NoError(t, s.Send(t.Context(), m), "name %q", name)
	}
	got := srv.WaitFor(t, len(names), 10*time.Second)
	byTo := map[string]*mail.Address{}
	for _, msg := range got {
		p, err := message.ParseMessage(msg.Data)
		require.NoError(t, err)
		addr, err := mail.ParseAddress(p.Header.Get("To"))
		require.NoError(t, err, "To %q must parse", p.Header.Get("To"))
		byTo[addr.Address] = addr
		require.Equal(t, []string{addr.Address}, msg.To, "the envelope goes to the same address")
	}
	for i, name := range names {
		to := fmt.Sprintf("sam%d@example.test", i)
		addr, ok := byTo[to]
		require.True(t, ok, "no mail to %s (name %q)", to, name)
		require.Equal(t, message.OneLine(name), addr.Name, "the name survives, folded onto one line")
	}
}

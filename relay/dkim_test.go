package relay

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/message"
	"github.com/dripbook/dripbook/smtptest"
)

// MustDKIMKey returns a private key as PEM and the TXT record that
// publishes its public half.
func MustDKIMKey(tb testing.TB, ed bool) (keyPEM []byte, record string) {
	tb.Helper()
	var key crypto.Signer
	var pub []byte
	kind := "rsa"
	if ed {
		p, k, err := ed25519.GenerateKey(rand.Reader)
		require.NoError(tb, err)
		key, pub, kind = k, p, "ed25519" // RFC 8463 publishes the raw key
	} else {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		require.NoError(tb, err)
		key = k
		pub, err = x509.MarshalPKIXPublicKey(k.Public())
		require.NoError(tb, err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(tb, err)
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}),
		"v=DKIM1; k=" + kind + "; p=" + base64.StdEncoding.EncodeToString(pub)
}

// verifyDKIM checks raw's one signature against record, published at
// selector._domainkey.domain, and returns the header fields it covers.
func verifyDKIM(t *testing.T, raw []byte, domain, selector, record string) []string {
	t.Helper()
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(raw), &dkim.VerifyOptions{
		LookupTXT: func(name string) ([]string, error) {
			require.Equal(t, selector+"._domainkey."+domain, name)
			return []string{record}, nil
		},
	})
	require.NoError(t, err)
	require.Len(t, vs, 1)
	require.NoError(t, vs[0].Err)
	require.Equal(t, domain, vs[0].Domain)

	// Each name in h= stands whole: a fold inside a name is what makes
	// verifiers that do not unfold it reject the signature.
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	require.NoError(t, err)
	sig := msg.Header.Get("DKIM-Signature")
	_, h, ok := strings.Cut(sig, " h=")
	require.True(t, ok, sig)
	h, _, _ = strings.Cut(h, ";")
	for _, name := range strings.Split(h, ":") {
		require.Len(t, strings.Fields(name), 1, "h= holds %q", name)
	}
	return vs[0].HeaderKeys
}

func TestDKIMSignsEveryKindOfEmail(t *testing.T) {
	keyPEM, record := MustDKIMKey(t, false)
	srv := smtptest.Start(t)
	s := MustSender(t, srv, func(o *Options) {
		o.DKIM = &DKIM{Domain: "example.test", Selector: "dripbook", PrivateKeyPEM: keyPEM}
	})

	lesson := smtptest.Message(1)
	confirmation := smtptest.Message(2)
	confirmation.Headers = nil
	invite := smtptest.Message(3)
	invite.Headers = nil
	invite.Calendar = &message.Calendar{Method: "REQUEST", Data: []byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n")}
	brief := smtptest.Message(4)
	brief.HTML = ""
	brief.Headers = map[string]string{"Reply-To": "sam4@example.test"}
	for _, m := range []*message.Message{lesson, confirmation, invite, brief} {
		require.NoError(t, s.Send(t.Context(), m))
	}
	got := srv.WaitFor(t, 4, 5*time.Second)

	always := []string{"From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type"}
	keys := verifyDKIM(t, got[0].Data, "example.test", "dripbook", record)
	require.Subset(t, keys, append(always, "List-Unsubscribe", "List-Unsubscribe-Post"), "RFC 8058 §4: both unsubscribe fields are signed")
	keys = verifyDKIM(t, got[1].Data, "example.test", "dripbook", record)
	require.Subset(t, keys, always)
	require.NotContains(t, keys, "List-Unsubscribe", "only fields the message has")
	keys = verifyDKIM(t, got[2].Data, "example.test", "dripbook", record)
	require.Subset(t, keys, always)
	p, err := message.ParseMessage(got[2].Data)
	require.NoError(t, err)
	require.Equal(t, "REQUEST", p.CalendarMethod, "the invite survives signing")
	keys = verifyDKIM(t, got[3].Data, "example.test", "dripbook", record)
	require.Subset(t, keys, append(always, "Reply-To", "Content-Transfer-Encoding"))

	// A changed unsubscribe link breaks the signature.
	forged := bytes.Replace(got[0].Data, []byte("example.test/unsubscribe/tok"), []byte("evil.test/unsubscribe/tok"), 1)
	require.NotEqual(t, got[0].Data, forged)
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(forged), &dkim.VerifyOptions{
		LookupTXT: func(string) ([]string, error) { return []string{record}, nil },
	})
	require.NoError(t, err)
	require.Error(t, vs[0].Err)
}

func TestDKIMEd25519AndBadKeys(t *testing.T) {
	keyPEM, record := MustDKIMKey(t, true)
	srv := smtptest.Start(t)
	s := MustSender(t, srv, func(o *Options) {
		o.DKIM = &DKIM{Domain: "example.test", Selector: "ed", PrivateKeyPEM: keyPEM}
	})
	require.NoError(t, s.Send(t.Context(), smtptest.Message(1)))
	verifyDKIM(t, srv.WaitFor(t, 1, 5*time.Second)[0].Data, "example.test", "ed", record)

	for _, bad := range [][]byte{[]byte("nope"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte("junk")})} {
		_, err := NewSender(Options{Host: "localhost", DKIM: &DKIM{Domain: "d", Selector: "s", PrivateKeyPEM: bad}})
		require.ErrorContains(t, err, "DKIM")
	}
}

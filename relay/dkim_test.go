package relay

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/message"
	"github.com/dripbook/dripbook/smtptest"
)

func TestDKIMSignsEveryKindOfEmail(t *testing.T) {
	keyPEM, record := smtptest.DKIMKey(t)
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
	keys := smtptest.VerifyDKIM(t, got[0].Data, "example.test", "dripbook", record)
	require.Subset(t, keys, append(always, "List-Unsubscribe", "List-Unsubscribe-Post"), "RFC 8058 §4: both unsubscribe fields are signed")
	keys = smtptest.VerifyDKIM(t, got[1].Data, "example.test", "dripbook", record)
	require.Subset(t, keys, always)
	require.NotContains(t, keys, "List-Unsubscribe", "only fields the message has")
	keys = smtptest.VerifyDKIM(t, got[2].Data, "example.test", "dripbook", record)
	require.Subset(t, keys, always)
	p, err := message.ParseMessage(got[2].Data)
	require.NoError(t, err)
	require.Equal(t, "REQUEST", p.CalendarMethod, "the invite survives signing")
	keys = smtptest.VerifyDKIM(t, got[3].Data, "example.test", "dripbook", record)
	require.Subset(t, keys, append(always, "Reply-To", "Content-Transfer-Encoding"))

	// So does a second unsubscribe link added above the signed one: the
	// field is signed once more than the message has it.
	added := bytes.Replace(got[0].Data, []byte("\r\nList-Unsubscribe: "), []byte("\r\nList-Unsubscribe: <https://evil.test/u>\r\nList-Unsubscribe: "), 1)
	require.NotEqual(t, got[0].Data, added)
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(added), &dkim.VerifyOptions{
		LookupTXT: func(string) ([]string, error) { return []string{record}, nil },
	})
	require.NoError(t, err)
	require.ErrorContains(t, vs[0].Err, "signature did not verify", "an added link fails the signature")

	// A changed unsubscribe link breaks the signature.
	forged := bytes.Replace(got[0].Data, []byte("example.test/unsubscribe/tok"), []byte("evil.test/unsubscribe/tok"), 1)
	require.NotEqual(t, got[0].Data, forged)
	vs, err = dkim.VerifyWithOptions(bytes.NewReader(forged), &dkim.VerifyOptions{
		LookupTXT: func(string) ([]string, error) { return []string{record}, nil },
	})
	require.NoError(t, err)
	require.Error(t, vs[0].Err)
}

func TestDKIMEd25519AndBadKeys(t *testing.T) {
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	der, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	record := "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub) // RFC 8463: the raw key

	srv := smtptest.Start(t)
	s := MustSender(t, srv, func(o *Options) {
		o.DKIM = &DKIM{Domain: "example.test", Selector: "ed", PrivateKeyPEM: keyPEM}
	})
	require.NoError(t, s.Send(t.Context(), smtptest.Message(1)))
	smtptest.VerifyDKIM(t, srv.WaitFor(t, 1, 5*time.Second)[0].Data, "example.test", "ed", record)

	for _, bad := range [][]byte{[]byte("nope"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte("junk")})} {
		_, err := NewSender(Options{Host: "localhost", DKIM: &DKIM{Domain: "d", Selector: "s", PrivateKeyPEM: bad}})
		require.ErrorContains(t, err, "DKIM")
	}
}

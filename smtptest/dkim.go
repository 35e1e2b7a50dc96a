package smtptest

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net/mail"
	"strings"
	"testing"

	"github.com/emersion/go-msgauth/dkim"
)

// DKIMKey returns a fresh RSA private key as PEM and the DNS TXT record
// that publishes its public half.
func DKIMKey(tb testing.TB) (keyPEM []byte, record string) {
	tb.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		tb.Fatalf("smtptest: DKIM key: %v", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		tb.Fatalf("smtptest: DKIM key: %v", err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		tb.Fatalf("smtptest: DKIM key: %v", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}),
		"v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(pub)
}

// VerifyDKIM checks the one DKIM signature of raw with an independent
// verifier, against record published at selector._domainkey.domain, and
// returns the header fields it covers. It also fails the test when a name
// in h= is split by a fold, which strict verifiers reject.
func VerifyDKIM(tb testing.TB, raw []byte, domain, selector, record string) []string {
	tb.Helper()
	want := selector + "._domainkey." + domain
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(raw), &dkim.VerifyOptions{
		LookupTXT: func(name string) ([]string, error) {
			if name != want {
				return nil, fmt.Errorf("no key at %s, only at %s", name, want)
			}
			return []string{record}, nil
		},
	})
	if err != nil || len(vs) != 1 {
		tb.Fatalf("smtptest: DKIM: %d signatures: %v", len(vs), err)
	}
	if vs[0].Err != nil || vs[0].Domain != domain {
		tb.Fatalf("smtptest: DKIM signature of %s does not verify: %v", vs[0].Domain, vs[0].Err)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		tb.Fatalf("smtptest: DKIM: %v", err)
	}
	_, h, _ := strings.Cut(msg.Header.Get("DKIM-Signature"), " h=")
	h, _, _ = strings.Cut(h, ";")
	for _, name := range strings.Split(h, ":") {
		if len(strings.Fields(name)) != 1 {
			tb.Fatalf("smtptest: DKIM h= holds %q, a name split in two", name)
		}
	}
	return vs[0].HeaderKeys
}

package relay

import (
	"bufio"
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/textproto"

	"github.com/emersion/go-msgauth/dkim"
)

// signedHeaders are the fields the DKIM signature covers when the message
// has them. RFC 8058 wants both unsubscribe fields signed, so that a
// forwarder cannot swap the one-click link; Reply-To is on the coach's brief.
var signedHeaders = []string{
	"From", "Reply-To", "To", "Subject", "Date", "Message-ID", "MIME-Version",
	"Content-Type", "Content-Transfer-Encoding", "List-Id", "List-Unsubscribe", "List-Unsubscribe-Post",
	"Auto-Submitted",
}

// overSigned are the fields signed once more than the message has them
// (RFC 6376 §8.15): a verifier then fails a message to which anyone added
// a second From, Subject, To or unsubscribe link above the signed one.
var overSigned = map[string]bool{"From": true, "To": true, "Subject": true, "List-Unsubscribe": true, "List-Unsubscribe-Post": true}

// signer signs the wire form of a message with DKIM (RFC 6376).
type signer struct {
	domain, selector string
	key              crypto.Signer
}

// Check reports whether d's key can sign: a PEM RSA or Ed25519 private
// key, as the Sender will load it.
func (d *DKIM) Check() error {
	if _, err := parsePrivateKey(d.PrivateKeyPEM); err != nil {
		return fmt.Errorf("DKIM private key: %w", err)
	}
	return nil
}

func newSigner(d *DKIM) (*signer, error) {
	key, err := parsePrivateKey(d.PrivateKeyPEM)
	if err != nil {
		return nil, fmt.Errorf("DKIM private key: %w", err)
	}
	return &signer{domain: d.Domain, selector: d.Selector, key: key}, nil
}

// sign returns raw with a DKIM-Signature field in front. Relaxed
// canonicalisation survives relays that refold headers or re-space lines.
func (s *signer) sign(raw []byte) ([]byte, error) {
	present, err := textproto.NewReader(bufio.NewReader(bytes.NewReader(raw))).ReadMIMEHeader()
	if err != nil {
		return nil, fmt.Errorf("DKIM: read header: %w", err)
	}
	var keys []string
	for _, k := range signedHeaders {
		if _, ok := present[textproto.CanonicalMIMEHeaderKey(k)]; ok {
			keys = append(keys, k)
			if overSigned[k] {
				keys = append(keys, k)
			}
		}
	}
	var out bytes.Buffer
	out.Grow(len(raw) + 1024)
	err = dkim.Sign(&out, bytes.NewReader(raw), &dkim.SignOptions{
		Domain: s.domain, Selector: s.selector, Signer: s.key,
		HeaderCanonicalization: dkim.CanonicalizationRelaxed,
		BodyCanonicalization:   dkim.CanonicalizationRelaxed,
		HeaderKeys:             keys,
	})
	if err != nil {
		return nil, fmt.Errorf("DKIM: %w", err)
	}
	return out.Bytes(), nil
}

// parsePrivateKey reads an RSA key (PKCS #1 or #8) or an Ed25519 key
// (PKCS #8) from PEM.
func parsePrivateKey(data []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("not PEM: expected a \"-----BEGIN PRIVATE KEY-----\" block")
	}
	if key, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return key, nil
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("neither a PKCS #1 nor a PKCS #8 private key: %w", err)
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		return k, nil
	case ed25519.PrivateKey:
		return k, nil
	default:
		return nil, fmt.Errorf("a %T key: DKIM signs with RSA or Ed25519", key)
	}
}

package config

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// dkimKeyFile writes an Ed25519 private key as PEM and returns its path.
func dkimKeyFile(t *testing.T) string {
	t.Helper()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	der, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	keyFile := filepath.Join(t.TempDir(), "dkim.pem")
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600))
	return keyFile
}

// A DKIM_KEY_FILE that holds no key stops start-up under its own name,
// not later as SMTP_URL's problem.
func TestDKIMKeyFileMustHoldAKey(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "dkim.pem")
	require.NoError(t, os.WriteFile(keyFile, []byte("-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n"), 0o600))
	_, err := Load(getenv(map[string]string{
		"SMTP_URL": "smtp://mail.example.com:2525?tls=none", "MAIL_FROM": "Jo <jo@coach.example.com>",
		"DKIM_DOMAIN": "coach.example.com", "DKIM_KEY_FILE": keyFile,
	}))
	require.ErrorContains(t, err, "DKIM_KEY_FILE: DKIM private key")
}

func TestDKIMDomainMustMatchMailFrom(t *testing.T) {
	keyFile := dkimKeyFile(t)
	load := func(domain string) error {
		_, err := Load(getenv(map[string]string{
			"SMTP_URL":      "smtp://mail.example.com:2525?tls=none",
			"MAIL_FROM":     "Jo <jo@coach.example.com>",
			"DKIM_DOMAIN":   domain,
			"DKIM_KEY_FILE": keyFile,
		}))
		return err
	}
	for _, ok := range []string{"coach.example.com", "example.com", "Example.COM."} {
		require.NoError(t, load(ok), ok)
	}
	for _, bad := range []string{"other.example", "mail.coach.example.com", "ample.com", "com"} {
		err := load(bad)
		require.Error(t, err, bad)
		for _, want := range []string{"DKIM_DOMAIN:", `"` + bad + `"`, `"coach.example.com"`, "MAIL_FROM"} {
			require.Contains(t, err.Error(), want, bad)
		}
	}
}

package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDKIMDomainMustMatchMailFrom(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "dkim.pem")
	require.NoError(t, os.WriteFile(keyFile, []byte("-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n"), 0o600))
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

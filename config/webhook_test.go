package config

import (
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestWebhookSettings(t *testing.T) {
	key := []byte("sixteen byte key and more")
	secret := "whsec_" + base64.StdEncoding.EncodeToString(key)
	const url = "https://hooks.example.com/dripbook"

	c, err := Load(getenv(map[string]string{}))
	require.NoError(t, err)
	require.Empty(t, c.WebhookURL, "webhooks are off by default")

	c, err = Load(getenv(map[string]string{"WEBHOOK_URL": url, "WEBHOOK_SECRET": secret}))
	require.NoError(t, err)
	require.Equal(t, url, c.WebhookURL)
	require.Equal(t, key, c.WebhookKey, "the key is the base64 after whsec_, decoded")

	for _, tc := range []struct {
		name, url, secret, want string
	}{
		{"no prefix", url, base64.StdEncoding.EncodeToString(key), `WEBHOOK_SECRET: must start with "whsec_"`},
		{"not base64", url, "whsec_not*base64", "WEBHOOK_SECRET: the part after whsec_ is not base64"},
		{"short key", url, "whsec_" + base64.StdEncoding.EncodeToString([]byte("short")), "WEBHOOK_SECRET: the key is shorter than 16 bytes"},
		{"secret missing", url, "", "WEBHOOK_SECRET: must be set when WEBHOOK_URL is"},
		{"url missing", "", secret, "WEBHOOK_URL: must be set when WEBHOOK_SECRET is"},
		{"url relative", "/hooks", secret, "WEBHOOK_URL: must be an absolute http(s) URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(getenv(map[string]string{"WEBHOOK_URL": tc.url, "WEBHOOK_SECRET": tc.secret}))
			require.ErrorContains(t, err, tc.want)
		})
	}
}

package webhooks_test

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/webhooks"
)

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// received is one request as the endpoint saw it.
type received struct {
	header http.Header
	body   []byte
}

func TestSendIsSignedPerStandardWebhooks(t *testing.T) {
	t.Parallel()
	got := make(chan received, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got <- received{header: r.Header.Clone(), body: body}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	key, err := webhooks.ParseSecret(secret)
	require.NoError(t, err)

	body := []byte(`{"type":"subscriber.confirmed","timestamp":"2026-01-01T00:00:00Z","data":{"id":1}}`)
	require.NoError(t, webhooks.NewSender(srv.URL, key).Send(context.Background(), "msg_abc", body))
	r := <-got
	require.Equal(t, body, r.body)
	require.Equal(t, "msg_abc", r.header.Get("webhook-id"))
	require.Equal(t, "application/json", r.header.Get("Content-Type"))
	wh, err := standardwebhooks.NewWebhook(secret)
	require.NoError(t, err)
	require.NoError(t, wh.Verify(r.body, r.header), "the reference library accepts the signature")
	require.Error(t, wh.Verify(append(r.body, ' '), r.header), "and refuses a changed body")
}

func TestSendReportsTheStatus(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
	}))
	t.Cleanup(srv.Close)
	err := webhooks.NewSender(srv.URL, []byte("0123456789abcdef")).Send(context.Background(), "msg_1", []byte("{}"))
	var status *webhooks.StatusError
	require.True(t, errors.As(err, &status), "got %v", err)
	require.Equal(t, http.StatusBadGateway, status.Status)
}

func TestParseSecret(t *testing.T) {
	t.Parallel()
	key, err := webhooks.ParseSecret(secret)
	require.NoError(t, err)
	want, err := base64.StdEncoding.DecodeString(secret[len("whsec_"):])
	require.NoError(t, err)
	require.Equal(t, want, key)
	for _, bad := range []string{"", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_***", "whsec_c2hvcnQ="} {
		_, err := webhooks.ParseSecret(bad)
		require.Error(t, err, bad)
	}
}

package main

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/testenv"
)

func TestMetricsCountWhatTheRelayReceived(t *testing.T) {
	t.Parallel()
	base, smtp := startDripbook(t, env{"METRICS_TOKEN": "metrics-token-for-tests"})
	for _, addr := range []string{"ann@example.com", "bob@example.com"} {
		resp, err := http.PostForm(base+"/subscribe", url.Values{"email": {addr}})
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		require.Equal(t, http.StatusOK, resp.StatusCode)
		testenv.WaitMail(t, smtp, addr, 1, mailTimeout)
	}

	resp, err := http.Get(base + "/metrics")
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "METRICS_TOKEN is set")

	// The relay has each message a moment before the send returns and is
	// counted.
	var got testenv.Metrics
	testenv.Wait(t, mailTimeout, "the metrics to count both confirmations", func() error {
		got = scrapeMetrics(t, base, "metrics-token-for-tests")
		if n := got.Value("dripbook_emails_sent_total", map[string]string{"kind": "confirm"}); n != 2 {
			return fmt.Errorf("dripbook_emails_sent_total{kind=confirm} is %v", n)
		}
		return nil
	})
	require.Equal(t, float64(len(smtp.Messages())), got.Value("dripbook_emails_sent_total", nil), "one count per message the relay took")
	require.Equal(t, 2.0, got.Value("dripbook_signups_total", nil))
	require.Contains(t, got, "dripbook_queue_tasks", "the queue is read on scrape")
	require.Contains(t, got, "dripbook_http_requests_total")
}

// scrapeMetrics reads base's /metrics with the bearer token.
func scrapeMetrics(t *testing.T, base, token string) testenv.Metrics {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+"/metrics", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer func() { require.NoError(t, resp.Body.Close()) }()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	return testenv.ParseMetrics(t, resp.Body)
}

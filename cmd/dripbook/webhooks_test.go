package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"sync"
	"testing"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/testenv"
)

// The whole program, wired: a confirmation and the lessons after it reach
// WEBHOOK_URL, each signed with WEBHOOK_SECRET.
func TestEventsReachTheWebhook(t *testing.T) {
	t.Parallel()
	secret := "whsec_" + base64.StdEncoding.EncodeToString([]byte("the program's webhook test key"))
	wh, err := standardwebhooks.NewWebhook(secret)
	require.NoError(t, err)
	var mu sync.Mutex
	var types []string
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var msg struct{ Type string }
		if err := wh.Verify(body, r.Header); err != nil || json.Unmarshal(body, &msg) != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		mu.Lock()
		types = append(types, msg.Type)
		mu.Unlock()
	}))
	t.Cleanup(recv.Close)

	base, smtp := startDripbook(t, env{"WEBHOOK_URL": recv.URL, "WEBHOOK_SECRET": secret})
	addr := "hooked@example.com"
	resp, err := http.PostForm(base+"/subscribe", url.Values{"email": {addr}, "name": {"Hope"}})
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	confirm := testenv.WaitMail(t, smtp, addr, 1, mailTimeout)[0]
	confirmByButton(t, regexp.MustCompile(regexp.QuoteMeta(base)+`/confirm/\S+`).FindString(confirm.Text))

	testenv.Wait(t, mailTimeout, "subscriber.confirmed and lesson.sent at the webhook", func() error {
		mu.Lock()
		defer mu.Unlock()
		if !slices.Contains(types, "subscriber.confirmed") || !slices.Contains(types, "lesson.sent") {
			return fmt.Errorf("received %v", types)
		}
		return nil
	})
}

package api

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/models"
)

// The console lists the events whose delivery failed, with their last
// error; one given up can be sent again, under the same id.
func TestConsoleListsFailedWebhookDeliveries(t *testing.T) {
	t.Parallel()
	env := newAdminEnv(t, func(d *Deps) { d.WebhooksOn = true })
	env.store.SetWebhooks(true)
	ctx := context.Background()
	// Each confirmation writes one event: subscriber.confirmed.
	var ids []string
	for _, addr := range []string{"retrying@example.com", "gaveup@example.com", "fine@example.com"} {
		res, err := env.store.Subscribe(ctx, models.Signup{Email: addr, TextVersion: testConsentVersion})
		require.NoError(t, err)
		_, err = env.store.Confirm(ctx, res.SubscriberID)
		require.NoError(t, err)
		fresh, err := env.store.NewWebhookEvents(ctx, 10)
		require.NoError(t, err)
		for _, id := range fresh {
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	require.Len(t, ids, 3, "one event per confirmation")
	retrying, gaveUp, fine := ids[0], ids[1], ids[2]
	require.NoError(t, env.store.RecordWebhookAttempt(ctx, retrying, "POST: 503 Service Unavailable"))
	for i := range models.WebhookMaxAttempts {
		require.NoError(t, env.store.RecordWebhookAttempt(ctx, gaveUp, fmt.Sprintf("POST: dial tcp: connection refused (%d)", i)))
	}
	require.NoError(t, env.store.RecordWebhookAttempt(ctx, fine, ""))

	a := signIn(t, env)
	rec := a.get("/admin/webhooks")
	require.Equal(t, http.StatusOK, rec.Code)
	body := rec.Body.String()
	require.Contains(t, body, retrying)
	require.Contains(t, body, "503 Service Unavailable")
	require.Contains(t, body, "1 (retrying)")
	require.Contains(t, body, gaveUp)
	require.Contains(t, body, fmt.Sprintf("%d (gave up)", models.WebhookMaxAttempts))
	require.NotContains(t, body, fine, "a delivered event is not listed")
	require.Equal(t, 1, strings.Count(body, "Send again"), "only a given-up event is offered again")
	require.NotContains(t, body, "Webhooks are off")

	rec = a.post("/admin/webhooks/"+gaveUp+"/retry", nil)
	require.Equal(t, http.StatusSeeOther, rec.Code, rec.Body.String())
	again, err := env.store.NewWebhookEvents(ctx, 10)
	require.NoError(t, err)
	require.Equal(t, []string{gaveUp}, again, "the reconciler queues it at once, under its own id")
	ev, err := env.store.WebhookEvent(ctx, gaveUp)
	require.NoError(t, err)
	require.Contains(t, ev.LastError, "connection refused", "the last error is kept")

	require.Equal(t, http.StatusNotFound, a.post("/admin/webhooks/"+fine+"/retry", nil).Code, "a delivered event is not sent again")
	require.Equal(t, http.StatusConflict, a.post("/admin/webhooks/"+retrying+"/retry", nil).Code, "one still being retried waits its turn")
	ev, err = env.store.WebhookEvent(ctx, retrying)
	require.NoError(t, err)
	require.Equal(t, 1, ev.Attempts, "its backoff is untouched")
	require.Equal(t, http.StatusNotFound, a.post("/admin/webhooks/msg_nope/retry", nil).Code)
	require.Equal(t, http.StatusSeeOther, env.get("/admin/webhooks").Code, "signed out: to the login")
}

func TestConsoleSaysWhenWebhooksAreOff(t *testing.T) {
	t.Parallel()
	a := signIn(t, newAdminEnv(t, nil))
	rec := a.get("/admin/webhooks")
	require.Equal(t, http.StatusOK, rec.Code)
	require.Contains(t, rec.Body.String(), "Webhooks are off")
	require.Contains(t, rec.Body.String(), "No failed deliveries.")
}

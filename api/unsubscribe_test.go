package api

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/token"
)

// mustActiveSubscriber signs up and confirms an address.
func mustActiveSubscriber(tb testing.TB, env *testEnv, email string) int64 {
	tb.Helper()
	ctx := context.Background()
	res, err := env.store.Subscribe(ctx, models.Signup{Email: email, TextVersion: testConsentVersion})
	require.NoError(tb, err)
	_, err = env.store.Confirm(ctx, res.SubscriberID)
	require.NoError(tb, err)
	return res.SubscriberID
}

func TestUnsubscribePageDoesNotUnsubscribe(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, nil)
	id := mustActiveSubscriber(t, env, "ann@example.com")
	tok := env.signer.Sign(token.Unsubscribe, id, testNow)

	rec := env.get("/unsubscribe/" + tok)
	require.Equal(t, http.StatusOK, rec.Code)
	require.Contains(t, rec.Body.String(), `<form method="post" action="/unsubscribe/`+tok+`">`)
	require.Contains(t, rec.Body.String(), `<button type="submit">Unsubscribe</button>`)
	require.Equal(t, models.StatusActive, env.mustSubscriber(t, "ann@example.com").Status)
}

func TestUnsubscribeOneClick(t *testing.T) {
	t.Parallel()
	multipartBody := func() (string, string) {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		require.NoError(t, w.WriteField("List-Unsubscribe", "One-Click"))
		require.NoError(t, w.Close())
		return w.FormDataContentType(), buf.String()
	}
	mpType, mpBody := multipartBody()
	tests := []struct {
		name, contentType, body string
	}{
		{"RFC 8058 urlencoded", "application/x-www-form-urlencoded", "List-Unsubscribe=One-Click"},
		{"RFC 8058 multipart", mpType, mpBody},
		{"the page's button", "application/x-www-form-urlencoded", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := newTestEnv(t, nil)
			id := mustActiveSubscriber(t, env, "ann@example.com")
			tok := env.signer.Sign(token.Unsubscribe, id, testNow)

			req := httptest.NewRequest(http.MethodPost, "/unsubscribe/"+tok, strings.NewReader(tt.body))
			req.Header.Set("Content-Type", tt.contentType)
			require.Empty(t, req.Cookies())
			rec := env.do(req)
			require.Equal(t, http.StatusOK, rec.Code)
			require.Empty(t, rec.Header().Get("Location"))
			require.Empty(t, rec.Header().Values("Set-Cookie"))
			require.Contains(t, rec.Body.String(), "<h1>You're unsubscribed</h1>")
			require.Equal(t, models.StatusUnsubscribed, env.mustSubscriber(t, "ann@example.com").Status)

			// Mail clients may retry; the answer stays the same.
			again := env.do(httptest.NewRequest(http.MethodPost, "/unsubscribe/"+tok, nil))
			require.Equal(t, http.StatusOK, again.Code)
		})
	}
}

func TestUnsubscribeBadToken(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, nil)
	id := mustActiveSubscriber(t, env, "ann@example.com")
	for name, tok := range map[string]string{
		"forged":        token.NewSigner([]byte("another-secret-key")).Sign(token.Unsubscribe, id, testNow),
		"wrong purpose": env.signer.Sign(token.Confirm, id, testNow),
		"garbage":       "x.y.z",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, http.StatusBadRequest, env.get("/unsubscribe/"+tok).Code)
			rec := env.postForm("/unsubscribe/"+tok, "List-Unsubscribe=One-Click")
			require.Equal(t, http.StatusBadRequest, rec.Code)
			require.Contains(t, rec.Body.String(), "This link is not valid")
			require.Equal(t, models.StatusActive, env.mustSubscriber(t, "ann@example.com").Status)
		})
	}
}

func TestUnsubscribeLinkNeverExpires(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, nil)
	id := mustActiveSubscriber(t, env, "ann@example.com")
	tok := env.signer.Sign(token.Unsubscribe, id, testNow.AddDate(-3, 0, 0))
	rec := env.postForm("/unsubscribe/"+tok, "List-Unsubscribe=One-Click")
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, models.StatusUnsubscribed, env.mustSubscriber(t, "ann@example.com").Status)
}

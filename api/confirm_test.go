package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/token"
)

func TestConfirmGETChangesNothingPOSTConfirms(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, nil)
	res, err := env.store.Subscribe(context.Background(), models.Signup{Email: "ann@example.com", TextVersion: testConsentVersion})
	require.NoError(t, err)
	tok := env.signer.Sign(token.Confirm, res.SubscriberID, testNow.Add(-time.Hour))

	// A link scanner fetches the link as often as it likes.
	for range 3 {
		rec := env.get("/confirm/" + tok)
		require.Equal(t, http.StatusOK, rec.Code)
		require.Contains(t, rec.Body.String(), `<form method="post" action="/confirm/`+tok+`">`)
		require.Contains(t, rec.Body.String(), `<button type="submit">`)
		require.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
	}
	require.Empty(t, env.course.Confirmed(), "a GET confirms nobody")
	require.Equal(t, models.StatusPending, env.mustSubscriber(t, "ann@example.com").Status)

	// The button: a form POST with no cookie and no body to speak of.
	rec := env.postForm("/confirm/"+tok, "")
	require.Equal(t, http.StatusOK, rec.Code)
	require.Contains(t, rec.Body.String(), "<h1>You&#39;re in: your first lesson is on its way</h1>")
	require.Equal(t, []int64{res.SubscriberID}, env.course.Confirmed())
	require.Equal(t, models.StatusActive, env.mustSubscriber(t, "ann@example.com").Status)

	// A second click shows the same page.
	again := env.postForm("/confirm/"+tok, "")
	require.Equal(t, http.StatusOK, again.Code)
	require.Equal(t, rec.Body.String(), again.Body.String())
}

func TestConfirmRejectsBadLinks(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, nil)
	other := token.NewSigner([]byte("some-other-secret-key"))
	tests := []struct {
		name   string
		token  string
		status int
		text   string
	}{
		{"forged", other.Sign(token.Confirm, 1, testNow), http.StatusBadRequest, "This link is not valid"},
		{"garbage", "not-a-token", http.StatusBadRequest, "This link is not valid"},
		{"wrong purpose", env.signer.Sign(token.Unsubscribe, 1, testNow), http.StatusBadRequest, "This link is not valid"},
		{"expired", env.signer.Sign(token.Confirm, 1, testNow.Add(-token.ConfirmMaxAge-time.Minute)), http.StatusGone,
			"This link has expired — sign up again to get a fresh one"},
	}
	for _, tt := range tests {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			t.Run(tt.name+" "+method, func(t *testing.T) {
				rec := env.do(httptest.NewRequest(method, "/confirm/"+tt.token, nil))
				require.Equal(t, tt.status, rec.Code)
				require.Contains(t, rec.Body.String(), tt.text)
				require.Contains(t, rec.Body.String(), `href="/"`)
				require.Empty(t, env.course.Confirmed())
			})
		}
	}
}

// A confirmation link followed after the address left the course says so,
// with the way back, and is no 500.
func TestConfirmAfterLeavingSaysSo(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, nil)
	env.course.confirmErr = models.ErrNoLongerSubscribed
	tok := env.signer.Sign(token.Confirm, 1, testNow.Add(-time.Hour))
	rec := env.postForm("/confirm/"+tok, "")
	require.Equal(t, http.StatusGone, rec.Code)
	require.Contains(t, rec.Body.String(), "You&#39;ve left this course")
	require.Contains(t, rec.Body.String(), `href="/"`)
}

package api

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestHeadAnswersEveryGetRoute(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, nil)
	srv := httptest.NewServer(env.e)
	t.Cleanup(srv.Close)
	for _, path := range []string{"/", "/healthz", "/static/style.css", "/unsubscribe/not-a-token"} {
		t.Run(path, func(t *testing.T) {
			get, err := http.Get(srv.URL + path)
			require.NoError(t, err)
			_, err = io.Copy(io.Discard, get.Body)
			require.NoError(t, err)
			require.NoError(t, get.Body.Close())

			head, err := http.Head(srv.URL + path)
			require.NoError(t, err)
			body, err := io.ReadAll(head.Body)
			require.NoError(t, err)
			require.NoError(t, head.Body.Close())
			require.Equal(t, get.StatusCode, head.StatusCode, "HEAD answers as GET does")
			require.Equal(t, get.Header.Get("Content-Type"), head.Header.Get("Content-Type"))
			require.Empty(t, body)
		})
	}
	head, err := http.Head(srv.URL + "/")
	require.NoError(t, err)
	require.NoError(t, head.Body.Close())
	require.Equal(t, http.StatusOK, head.StatusCode)

	// A route with no GET still refuses HEAD.
	head, err = http.Head(srv.URL + "/subscribe")
	require.NoError(t, err)
	require.NoError(t, head.Body.Close())
	require.Equal(t, http.StatusMethodNotAllowed, head.StatusCode)
}

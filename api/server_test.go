package api

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/testenv"
	"github.com/dripbook/dripbook/token"
)

func TestLandingPage(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, nil)
	rec := env.get("/")
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, "text/html; charset=UTF-8", rec.Header().Get("Content-Type"))
	body := rec.Body.String()
	for _, want := range []string{
		`<meta name="viewport" content="width=device-width, initial-scale=1">`,
		`<form method="post" action="/subscribe" class="signup">`,
		`<label for="email">`,
		`<input type="email" name="email" id="email" required autocomplete="email"`,
		`<label for="name">`,
		`<input type="hidden" name="timezone" id="timezone" value="">`,
		`Intl.DateTimeFormat().resolvedOptions().timeZone`,
		`<button type="submit">`,
		`We&#39;ll email you the lessons; unsubscribe in one click any time.`,
		`Identify your gaps`, `Close them`, `Position yourself for promotion`,
		`discovery call with Dana Coach`,
		`1 Example Street, Springfield`,
		`href="/static/style.css?v=`,
	} {
		require.Contains(t, body, want)
	}
	csp := rec.Header().Get("Content-Security-Policy")
	require.Contains(t, csp, "default-src 'self'")
	require.Contains(t, csp, "script-src 'self' 'unsafe-inline'")
	require.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))
	require.Equal(t, "DENY", rec.Header().Get("X-Frame-Options"))
	require.NotEmpty(t, rec.Header().Get("X-Request-Id"))
}

func TestStaticAssets(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, nil)
	rec := env.get("/static/style.css")
	require.Equal(t, http.StatusOK, rec.Code)
	require.Contains(t, rec.Header().Get("Content-Type"), "text/css")
	require.Equal(t, "public, max-age=86400", rec.Header().Get("Cache-Control"))
	require.Contains(t, rec.Body.String(), "font-family: system-ui")

	require.Equal(t, http.StatusNotFound, env.get("/static/missing.css").Code)
	require.Equal(t, http.StatusNotFound, env.get("/static/../templates/layout.html").Code)
}

func TestErrorsAreHTMLOrJSONByPath(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, nil)

	page := env.get("/no/such/page")
	require.Equal(t, http.StatusNotFound, page.Code)
	require.Contains(t, page.Header().Get("Content-Type"), "text/html")
	require.Contains(t, page.Body.String(), "<h1>Not Found</h1>")

	api := env.get("/api/v1/nothing")
	require.Equal(t, http.StatusNotFound, api.Code)
	require.JSONEq(t, `{"error":{"message":"Not Found"}}`, api.Body.String())

	method := env.get("/api/v1/subscriptions")
	require.Equal(t, http.StatusMethodNotAllowed, method.Code)
	require.JSONEq(t, `{"error":{"message":"Method Not Allowed"}}`, method.Body.String())
}

func TestInternalErrorsAreLoggedNotShown(t *testing.T) {
	t.Parallel()
	var logs testenv.Buffer
	env := newTestEnv(t, func(d *Deps) {
		d.Log = slog.New(slog.NewJSONHandler(io.MultiWriter(&logs, t.Output()), nil))
	})
	env.course.confirmErr = errors.New("database is on fire")

	rec := env.postForm("/confirm/"+env.signer.Sign(token.Confirm, 7, testNow), "")
	require.Equal(t, http.StatusInternalServerError, rec.Code)
	require.Contains(t, rec.Body.String(), "Something went wrong")
	require.NotContains(t, rec.Body.String(), "on fire")

	id := rec.Header().Get("X-Request-Id")
	require.NotEmpty(t, id)
	var failed, request bool
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if strings.Contains(line, `"msg":"request failed"`) {
			failed = true
			require.Contains(t, line, `"error":"database is on fire"`)
			require.Contains(t, line, `"request_id":"`+id+`"`)
		}
		if strings.Contains(line, `"msg":"request"`) {
			request = true
			require.Contains(t, line, `"status":500`)
			require.Contains(t, line, `"request_id":"`+id+`"`)
			require.Contains(t, line, `"latency_ms":`)
			require.Contains(t, line, `"method":"POST"`)
		}
	}
	require.True(t, failed, "no error line in\n%s", logs.String())
	require.True(t, request, "no request line in\n%s", logs.String())
}

func TestPanicsBecome500(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, nil)
	env.e.GET("/boom", func(echo.Context) error { panic("boom") })
	rec := env.get("/boom")
	require.Equal(t, http.StatusInternalServerError, rec.Code)
	require.Contains(t, rec.Body.String(), "Something went wrong")
}

package api

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/fault"
	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/testenv"
	"github.com/dripbook/dripbook/token"
)

func TestClassifyTakesTheStatusFromTheKind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		err    error
		status int
		code   string
	}{
		{"conflict without words of its own", fault.New(fault.Conflict, "", "a clash nobody wrote copy for"), http.StatusConflict, ""},
		{"wrapped, with a code", fmt.Errorf("move: %w", fault.New(fault.Gone, "call_over", "the call is over")), http.StatusGone, "call_over"},
		{"a reused key", models.ErrKeyReused, http.StatusConflict, ""},
		{"a known error, wrapped", fmt.Errorf("book: %w", models.ErrSlotTaken), http.StatusConflict, "slot_taken"},
		{"a field", fmt.Errorf("signup: %w", &fault.FieldError{Field: "email", Message: "Enter your email address."}), http.StatusBadRequest, ""},
		{"no kind", errors.New("database is on fire"), http.StatusInternalServerError, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := classify(tt.err)
			require.Equal(t, tt.status, p.Status)
			require.Equal(t, tt.code, p.Code)
			require.NotEmpty(t, p.Title)
			require.NotEmpty(t, p.Message)
		})
	}

	t.Run("general words for a kind", func(t *testing.T) {
		p := classify(fault.New(fault.Conflict, "", "a clash nobody wrote copy for"))
		require.Equal(t, byKind[fault.Conflict].Message, p.Message)
		require.NotContains(t, p.api().Message, "nobody wrote copy")
	})

	t.Run("every kind has a status", func(t *testing.T) {
		// String names every kind the package declares; past the last one
		// it falls back to kind(N).
		for k := fault.Internal + 1; !strings.HasPrefix(k.String(), "kind("); k++ {
			require.Contains(t, byKind, k, "kind %s has no status", k)
			require.Less(t, byKind[k].Status, http.StatusInternalServerError, k.String())
		}
	})
}

func TestServerErrorsLogTheRouteNotTheToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		fail    func(t *testing.T, env *testEnv)
		request func(env *testEnv) *http.Request
		route   string
		msg     string
	}{
		{"confirm link, failing course", func(_ *testing.T, env *testEnv) {
			env.course.confirmErr = errors.New("database is on fire")
		}, func(env *testEnv) *http.Request {
			return httptest.NewRequest(http.MethodPost, "/confirm/"+env.signer.Sign(token.Confirm, 7, testNow), nil)
		}, "/confirm/:token", "request failed"},
		{"unsubscribe link, closed store", func(t *testing.T, env *testEnv) {
			require.NoError(t, env.store.Close())
		}, func(env *testEnv) *http.Request {
			return httptest.NewRequest(http.MethodPost, "/unsubscribe/"+env.signer.Sign(token.Unsubscribe, 7, testNow), nil)
		}, "/unsubscribe/:token", "request failed"},
		{"form shown again, closed store", func(t *testing.T, env *testEnv) {
			require.NoError(t, env.store.Close())
		}, func(env *testEnv) *http.Request {
			req := httptest.NewRequest(http.MethodPost, env.paths(7).Reschedule, strings.NewReader("start="))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return req
		}, "/booking/:token/reschedule", "show form again"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var logs testenv.Buffer
			env := newTestEnv(t, func(d *Deps) {
				d.Log = slog.New(slog.NewJSONHandler(io.MultiWriter(&logs, t.Output()), nil))
			})
			tt.fail(t, env)
			req := tt.request(env)
			rec := env.do(req)
			require.Equal(t, http.StatusInternalServerError, rec.Code, rec.Body.String())

			out := logs.String()
			path := req.URL.Path
			tok := strings.Split(path, "/")[2]
			require.NotContains(t, out, tok, "the token is in the log")
			require.NotContains(t, out, path, "the URL is in the log")
			id := rec.Header().Get("X-Request-Id")
			// Both the error and the request line name the route instead.
			for _, msg := range []string{tt.msg, "request"} {
				var found bool
				for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
					if !strings.Contains(line, `"msg":"`+msg+`"`) {
						continue
					}
					found = true
					require.Contains(t, line, `"route":"`+tt.route+`"`)
					require.Contains(t, line, `"method":"`+req.Method+`"`)
					require.Contains(t, line, `"request_id":"`+id+`"`)
				}
				require.True(t, found, "no %q line in\n%s", msg, out)
			}
		})
	}
}

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/course"
	"github.com/dripbook/dripbook/localredis"
	"github.com/dripbook/dripbook/message"
	"github.com/dripbook/dripbook/smtptest"
)

// env is a test's environment for run.
type env map[string]string

func (e env) get(k string) string { return e[k] }

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().String()
}

// syncBuffer collects run's output while it is still running.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startDripbook runs the default mode (in-process Redis, SQLite) with mail
// going to a real SMTP server, and stops it when the test ends.
func startDripbook(t *testing.T, extra env) (base string, smtp *smtptest.Server) {
	t.Helper()
	smtp = smtptest.Start(t)
	addr := freeAddr(t)
	base = "http://" + addr
	e := env{
		"HTTP_ADDR": addr, "BASE_URL": base, "DATA_DIR": t.TempDir(),
		"SMTP_URL": smtp.URL(), "COURSE_DAY": "300ms", "COMPANY_ADDRESS": "1 Test Street, Testville",
		"COACH_NAME": "Jordan Coach",
	}
	e["DATABASE_URL"] = "sqlite://" + filepath.Join(e["DATA_DIR"], "dripbook.db")
	for k, v := range extra {
		e[k] = v
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	out := &syncBuffer{}
	go func() { done <- run(ctx, nil, e.get, out) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(30 * time.Second):
			t.Error("dripbook did not stop within 30s of its context ending")
		}
	})
	require.Eventually(t, func() bool {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 20*time.Second, 50*time.Millisecond, "dripbook never became ready; output: %s", out)
	require.Contains(t, out.String(), "open "+base)
	return base, smtp
}

// noCookies is an HTTP client as a mail provider's one-click POST would be:
// no cookie jar, and redirects are reported, not followed.
var noCookies = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func mailFor(t *testing.T, smtp *smtptest.Server, addr string) []*message.Parsed {
	t.Helper()
	var out []*message.Parsed
	for _, m := range smtp.Messages() {
		if len(m.To) == 1 && m.To[0] == addr {
			p, err := message.ParseMessage(m.Data)
			require.NoError(t, err)
			out = append(out, p)
		}
	}
	return out
}

func waitMailFor(t *testing.T, smtp *smtptest.Server, addr string, n int) []*message.Parsed {
	t.Helper()
	require.Eventually(t, func() bool { return len(mailFor(t, smtp, addr)) >= n }, 30*time.Second, 20*time.Millisecond,
		"waiting for %d messages to %s", n, addr)
	return mailFor(t, smtp, addr)
}

func TestSignupConfirmLessonsAndOneClickUnsubscribe(t *testing.T) {
	base, smtp := startDripbook(t, nil)
	addr := "ada@example.com"

	resp, err := http.PostForm(base+"/subscribe", url.Values{"email": {addr}, "name": {"Ada"}, "timezone": {"Europe/London"}})
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, strings.ToLower(string(body)), "check your inbox")

	confirm := waitMailFor(t, smtp, addr, 1)[0]
	link := regexp.MustCompile(regexp.QuoteMeta(base) + `/confirm/\S+`).FindString(confirm.Text)
	require.NotEmpty(t, link, "confirmation has a link under BASE_URL:\n%s", confirm.Text)
	confirmByButton(t, link)

	lessons := waitMailFor(t, smtp, addr, 3)[1:]
	first := lessons[0]
	require.Contains(t, first.Subject, "Ada")
	unsub := strings.Trim(first.Header.Get("List-Unsubscribe"), "<>")
	require.True(t, strings.HasPrefix(unsub, base+"/unsubscribe/"), unsub)
	require.Contains(t, first.Text, unsub, "the footer shows the same unsubscribe link")
	require.Contains(t, first.Text, "1 Test Street, Testville")

	// A link scanner fetching the URL unsubscribes nobody.
	resp, err = noCookies.Get(unsub)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	n := len(waitMailFor(t, smtp, addr, 4))

	// The mail provider's one-click POST (RFC 8058).
	resp, err = noCookies.Post(unsub, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Empty(t, resp.Header.Get("Location"))
	after := len(mailFor(t, smtp, addr))
	require.GreaterOrEqual(t, after, n)

	time.Sleep(15 * 300 * time.Millisecond) // the rest of the course would be out by now
	require.LessOrEqual(t, len(mailFor(t, smtp, addr)), after+1, "nothing after the unsubscribe but a send already under way")
	require.Less(t, len(mailFor(t, smtp, addr)), 8, "the course stopped")
}

func TestBadConfigurationNamesTheVariable(t *testing.T) {
	tests := []struct {
		name string
		env  env
		want string
	}{
		{"course day", env{"COURSE_DAY": "soon"}, "COURSE_DAY"},
		{"send hour", env{"SEND_HOUR": "25"}, "SEND_HOUR"},
		{"time zone", env{"DEFAULT_TZ": "Mars/Olympus"}, "DEFAULT_TZ"},
		{"base url", env{"BASE_URL": "localhost"}, "BASE_URL"},
		{"database", env{"DATABASE_URL": "mysql://x"}, "DATABASE_URL"},
		{"smtp", env{"SMTP_URL": "http://mail"}, "SMTP_URL"},
		{"redis", env{"REDIS_URL": "localhost:6379"}, "REDIS_URL"},
		{"from", env{"MAIL_FROM": "not an address"}, "MAIL_FROM"},
		{"api needs redis", env{}, "REDIS_URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.env["DATA_DIR"] = t.TempDir()
			args := []string(nil)
			if tt.name == "api needs redis" {
				args = []string{"api"}
			}
			err := run(context.Background(), args, tt.env.get, io.Discard)
			require.Error(t, err)
			require.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestMigrateThenWorkerModeChecksSchema(t *testing.T) {
	dir := t.TempDir()
	e := env{"DATA_DIR": dir, "DATABASE_URL": "sqlite://" + filepath.Join(dir, "db.sqlite"), "REDIS_URL": "redis://127.0.0.1:1/0"}
	err := run(context.Background(), []string{"worker"}, e.get, io.Discard)
	require.ErrorContains(t, err, "dripbook migrate")
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"migrate"}, e.get, &out))
	require.Contains(t, out.String(), "up to date")
	require.NoError(t, run(context.Background(), []string{"migrate"}, e.get, &out), "migrating twice is fine")
}

func TestCourseCommands(t *testing.T) {
	t.Run("check the built-in course", func(t *testing.T) {
		var out bytes.Buffer
		require.NoError(t, run(context.Background(), []string{"course", "check"}, env{"DATA_DIR": t.TempDir()}.get, &out))
		require.Contains(t, out.String(), "lessons")
	})
	t.Run("check a broken course", func(t *testing.T) {
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, "course.yaml"), []byte("title: T\n"), 0o644))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "confirm.md"), []byte("---\nsubject: Confirm\npreheader: p\n---\n[[Go]]({{ confirm_url }})\n"), 0o644))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "01-a.md"), []byte("---\nslug: a\nday: 0\npreheader: p\n---\nHi {{ nickname }}\n"), 0o644))
		err := run(context.Background(), []string{"course", "check"}, env{"DATA_DIR": t.TempDir(), "COURSE_DIR": dir}.get, io.Discard)
		require.Error(t, err)
		require.Contains(t, err.Error(), "01-a.md")
		require.Contains(t, err.Error(), "subject")
		require.Contains(t, err.Error(), "nickname")
	})
	t.Run("render", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "preview")
		require.NoError(t, run(context.Background(), []string{"course", "render", "--out", out}, env{"DATA_DIR": t.TempDir()}.get, io.Discard))
		files, err := filepath.Glob(filepath.Join(out, "*"))
		require.NoError(t, err)
		course, err := course.Load(course.Default())
		require.NoError(t, err)
		require.Len(t, files, 3*(1+len(course.Lessons)))
		raw, err := os.ReadFile(filepath.Join(out, "01-"+course.Lessons[0].Slug+".eml"))
		require.NoError(t, err)
		p, err := message.ParseMessage(raw)
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(p.Subject, "[TEST] "), p.Subject)
		require.NotEmpty(t, p.HTML)
		require.NotEmpty(t, p.Text)
	})
	t.Run("send-test", func(t *testing.T) {
		smtp := smtptest.Start(t)
		var out bytes.Buffer
		e := env{"DATA_DIR": t.TempDir(), "SMTP_URL": smtp.URL()}
		require.NoError(t, run(context.Background(), []string{"course", "send-test", "--to", "coach@example.com"}, e.get, &out))
		course, err := course.Load(course.Default())
		require.NoError(t, err)
		got := mailFor(t, smtp, "coach@example.com")
		require.Len(t, got, 1+len(course.Lessons))
		for _, p := range got {
			require.True(t, strings.HasPrefix(p.Subject, "[TEST] "), p.Subject)
		}
		require.Contains(t, out.String(), fmt.Sprintf("sent %d/%d", len(got), len(got)))
	})
}

func TestWorkerModeAnswersHealthChecksOnly(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	redisURL := os.Getenv("TEST_REDIS_URL")
	if redisURL == "" {
		srv, err := localredis.Start()
		require.NoError(t, err)
		t.Cleanup(srv.Close)
		redisURL = srv.URL()
	}
	e := env{"DATA_DIR": dir, "DATABASE_URL": "sqlite://" + filepath.Join(dir, "db.sqlite"), "REDIS_URL": redisURL, "HTTP_ADDR": addr}
	require.NoError(t, run(context.Background(), []string{"migrate"}, e.get, io.Discard))

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"worker"}, e.get, io.Discard) }()
	require.Eventually(t, func() bool {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 20*time.Second, 50*time.Millisecond)
	resp, err := http.Get("http://" + addr + "/")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusNotFound, resp.StatusCode, "the worker serves no pages")
	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("worker did not stop")
	}
}

func TestStartupRefusesABrokenCourse(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "course.yaml"), []byte("title: T\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "confirm.md"), []byte("---\nsubject: Confirm\npreheader: p\n---\n[[Go]]({{ confirm_url }})\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "01-a.md"), []byte("---\nslug: a\nday: 3\nsubject: A\npreheader: p\n---\nHi\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "02-b.md"), []byte("---\nslug: b\nday: 1\nsubject: B\npreheader: p\n---\n[[Book]]\n"), 0o644))
	e := env{"DATA_DIR": t.TempDir(), "COURSE_DIR": dir, "HTTP_ADDR": freeAddr(t)}
	err := run(context.Background(), nil, e.get, io.Discard)
	require.Error(t, err, "dripbook does not start with a broken course")
	require.Contains(t, err.Error(), "course check")
	require.Contains(t, err.Error(), "02-b.md")
}

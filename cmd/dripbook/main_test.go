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
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/course"
	"github.com/dripbook/dripbook/message"
	"github.com/dripbook/dripbook/smtptest"
	"github.com/dripbook/dripbook/testenv"
)

// env is a test's environment for run.
type env map[string]string

func (e env) get(k string) string { return e[k] }

// startDripbook runs the default mode (in-process Redis unless extra sets
// REDIS_URL, SQLite) with mail going to a real SMTP server, and stops it
// when the test ends.
func startDripbook(t *testing.T, extra env) (base string, smtp *smtptest.Server) {
	t.Helper()
	base, smtp, _ = launch(t, extra)
	return base, smtp
}

// launch is startDripbook that also gives what dripbook printed and its
// environment.
func launch(t *testing.T, extra env) (base string, smtp *smtptest.Server, out *testenv.Buffer) {
	t.Helper()
	smtp = smtptest.Start(t)
	addr := testenv.FreeAddr(t)
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
	out = &testenv.Buffer{}
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
	waitReady(t, base, out)
	require.Contains(t, out.String(), "open "+base)
	return base, smtp, out
}

// waitReady waits until base answers /readyz with 200 OK. out, if not nil,
// is the program's output, shown when it never does.
func waitReady(t *testing.T, base string, out fmt.Stringer) {
	t.Helper()
	testenv.Wait(t, 20*time.Second, base+"/readyz to answer 200", func() error {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			return err
		}
		if err := resp.Body.Close(); err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			if out != nil {
				return fmt.Errorf("status %d; output:\n%s", resp.StatusCode, out)
			}
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	})
}

// noCookies is an HTTP client as a mail provider's one-click POST would be:
// no cookie jar, and redirects are reported, not followed.
var noCookies = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// mailTimeout bounds every wait for mail: the course runs on a 300ms day.
const mailTimeout = 30 * time.Second

func TestSignupConfirmLessonsAndOneClickUnsubscribe(t *testing.T) {
	t.Parallel()
	// A Redis of the test's own rather than the in-process one, so that the
	// test can see dripbook's queue (TestBookFromTheLastLessonInABrowser
	// runs on the in-process Redis).
	redisURL := testenv.IsolatedURL(t)
	base, smtp := startDripbook(t, env{"REDIS_URL": redisURL})
	addr := "ada@example.com"

	resp, err := http.PostForm(base+"/subscribe", url.Values{"email": {addr}, "name": {"Ada"}, "timezone": {"Europe/London"}})
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, strings.ToLower(string(body)), "check your inbox")

	confirm := testenv.WaitMail(t, smtp, addr, 1, mailTimeout)[0]
	link := regexp.MustCompile(regexp.QuoteMeta(base) + `/confirm/\S+`).FindString(confirm.Text)
	require.NotEmpty(t, link, "confirmation has a link under BASE_URL:\n%s", confirm.Text)
	confirmByButton(t, link)

	lessons := testenv.WaitMail(t, smtp, addr, 3, mailTimeout)[1:]
	first := lessons[0]
	require.Contains(t, first.Subject, "Ada")
	unsub := strings.Trim(first.Header.Get("List-Unsubscribe"), "<>")
	require.True(t, strings.HasPrefix(unsub, base+"/unsubscribe/"), unsub)
	require.Contains(t, first.Text, unsub, "the footer shows the same unsubscribe link")
	require.Contains(t, first.Text, "1 Test Street, Testville")

	// A link scanner fetching the URL unsubscribes nobody.
	resp, err = noCookies.Get(unsub)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusOK, resp.StatusCode)
	n := len(testenv.WaitMail(t, smtp, addr, 4, mailTimeout))

	// The mail provider's one-click POST (RFC 8058).
	resp, err = noCookies.Post(unsub, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Empty(t, resp.Header.Get("Location"))
	after := len(smtp.MessagesTo(addr))
	require.GreaterOrEqual(t, after, n)

	// The next lesson's task has come due and run, and the queue is empty:
	// the rest of the course can no longer come.
	rdb := testenv.Client(t, redisURL)
	testenv.Wait(t, mailTimeout, "dripbook's queue to empty", func() error { return testenv.QueueIdle(rdb, queueName) })
	require.LessOrEqual(t, len(smtp.MessagesTo(addr)), after+1, "nothing after the unsubscribe but a send already under way")
	require.Less(t, len(smtp.MessagesTo(addr)), 8, "the course stopped")
}

func TestBadConfigurationNamesTheVariable(t *testing.T) {
	t.Parallel()
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
		{"log level", env{"LOG_LEVEL": "loud"}, "LOG_LEVEL"},
		{"api needs redis", env{}, "REDIS_URL"},
		{"api needs the shared secret", env{"REDIS_URL": "redis://127.0.0.1:1/0", "ADMIN_PASSWORD": "x"}, "SECRET_KEY: required"},
		{"api needs a console password", env{"REDIS_URL": "redis://127.0.0.1:1/0", "SECRET_KEY": testSecret}, "ADMIN_PASSWORD"},
		{"api needs a real sender", env{"REDIS_URL": "redis://127.0.0.1:1/0", "SMTP_URL": "smtp://relay.example:587", "ADMIN_PASSWORD": "x"}, "MAIL_FROM"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.env["DATA_DIR"] = t.TempDir()
			args := []string(nil)
			if strings.HasPrefix(tt.name, "api needs") {
				args = []string{"api"}
			}
			err := run(context.Background(), args, tt.env.get, io.Discard)
			require.Error(t, err)
			require.Contains(t, err.Error(), tt.want)
		})
	}
}

// testSecret is a SECRET_KEY for the tests that run "api" or "worker".
const testSecret = "main-test-secret-0123456789"

func TestMigrateThenWorkerModeChecksSchema(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	e := env{"DATA_DIR": dir, "DATABASE_URL": "sqlite://" + filepath.Join(dir, "db.sqlite"), "REDIS_URL": "redis://127.0.0.1:1/0", "SECRET_KEY": testSecret}
	err := run(context.Background(), []string{"worker"}, e.get, io.Discard)
	require.ErrorContains(t, err, "dripbook migrate")
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"migrate"}, e.get, &out))
	require.Contains(t, out.String(), "up to date")
	require.NoError(t, run(context.Background(), []string{"migrate"}, e.get, &out), "migrating twice is fine")
}

func TestCourseCommands(t *testing.T) {
	t.Parallel()
	t.Run("check the built-in course", func(t *testing.T) {
		t.Parallel()
		var out bytes.Buffer
		require.NoError(t, run(context.Background(), []string{"course", "check"}, env{"DATA_DIR": t.TempDir()}.get, &out))
		require.Contains(t, out.String(), "lessons")
	})
	t.Run("check a broken course", func(t *testing.T) {
		t.Parallel()
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
		t.Parallel()
		out := filepath.Join(t.TempDir(), "preview")
		require.NoError(t, run(context.Background(), []string{"course", "render", "--out", out}, env{"DATA_DIR": t.TempDir()}.get, io.Discard))
		files, err := filepath.Glob(filepath.Join(out, "*"))
		require.NoError(t, err)
		course, err := course.Load(course.Default())
		require.NoError(t, err)
		require.Len(t, files, 3*(1+len(course.Lessons)+len(course.Track("no-show")))+1, "the emails and the pages/ folder")
		pages, err := filepath.Glob(filepath.Join(out, "pages", "*"))
		require.NoError(t, err)
		for i, f := range pages {
			pages[i] = filepath.Base(f)
		}
		require.ElementsMatch(t, []string{"landing.html", "check_inbox.html", "confirmed.html", "book.html", "style.css", "picker.js"}, pages,
			"the built-in accent is the stylesheet's own")
		raw, err := os.ReadFile(filepath.Join(out, "01-"+course.Lessons[0].Slug+".eml"))
		require.NoError(t, err)
		p, err := message.ParseMessage(raw)
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(p.Subject, "[TEST] "), p.Subject)
		require.NotEmpty(t, p.HTML)
		require.NotEmpty(t, p.Text)
	})
	t.Run("send-test", func(t *testing.T) {
		t.Parallel()
		smtp := smtptest.Start(t)
		var out bytes.Buffer
		e := env{"DATA_DIR": t.TempDir(), "SMTP_URL": smtp.URL()}
		require.NoError(t, run(context.Background(), []string{"course", "send-test", "--to", "coach@example.com"}, e.get, &out))
		course, err := course.Load(course.Default())
		require.NoError(t, err)
		got := testenv.Mail(t, smtp, "coach@example.com")
		require.Len(t, got, 1+len(course.Lessons)+len(course.Track("no-show")))
		for _, p := range got {
			require.True(t, strings.HasPrefix(p.Subject, "[TEST] "), p.Subject)
		}
		require.Contains(t, out.String(), fmt.Sprintf("sent %d/%d", len(got), len(got)))
	})
}

func TestWorkerModeAnswersHealthChecksOnly(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	addr := testenv.FreeAddr(t)
	// A Redis database of the test's own: the worker's queue and lock names
	// are fixed. A short course day keeps Asynq's polls, and so the shutdown,
	// short.
	e := env{"DATA_DIR": dir, "DATABASE_URL": "sqlite://" + filepath.Join(dir, "db.sqlite"), "REDIS_URL": testenv.IsolatedURL(t), "HTTP_ADDR": addr, "COURSE_DAY": "1s", "SECRET_KEY": testSecret}
	require.NoError(t, run(context.Background(), []string{"migrate"}, e.get, io.Discard))

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"worker"}, e.get, io.Discard) }()
	waitReady(t, "http://"+addr, nil)
	resp, err := http.Get("http://" + addr + "/")
	require.NoError(t, err)
	notFound, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusNotFound, resp.StatusCode, "the worker serves no pages")
	require.Contains(t, string(notFound), `{"error":{`, "its errors are JSON, as the API's are")
	resp, err = http.Get("http://" + addr + "/metrics")
	require.NoError(t, err)
	got := testenv.ParseMetrics(t, resp.Body)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusOK, resp.StatusCode, "a worker's sends are counted where they happen")
	require.Contains(t, got, "dripbook_queue_tasks")
	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("worker did not stop")
	}
}

func TestStartupRefusesABrokenCourse(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "course.yaml"), []byte("title: T\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "confirm.md"), []byte("---\nsubject: Confirm\npreheader: p\n---\n[[Go]]({{ confirm_url }})\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "01-a.md"), []byte("---\nslug: a\nday: 3\nsubject: A\npreheader: p\n---\nHi\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "02-b.md"), []byte("---\nslug: b\nday: 1\nsubject: B\npreheader: p\n---\n[[Book]]\n"), 0o644))
	e := env{"DATA_DIR": t.TempDir(), "COURSE_DIR": dir, "HTTP_ADDR": testenv.FreeAddr(t)}
	err := run(context.Background(), nil, e.get, io.Discard)
	require.Error(t, err, "dripbook does not start with a broken course")
	require.Contains(t, err.Error(), "course check")
	require.Contains(t, err.Error(), "02-b.md")
}

// A port already in use stops dripbook at once with HTTP_ADDR named,
// before it tells anyone to open it.
func TestAPortInUseFailsAtOnce(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	e := env{"DATA_DIR": t.TempDir(), "HTTP_ADDR": ln.Addr().String(), "COURSE_DAY": "300ms"}
	out := &testenv.Buffer{}
	err = run(context.Background(), nil, e.get, out)
	require.ErrorContains(t, err, "HTTP_ADDR")
	require.NotContains(t, out.String(), "dripbook is running", "nobody is sent to a port that is not dripbook's")
}

// dripbook version says which build runs, and needs no configuration.
func TestVersionNamesTheBuild(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"version"}, func(string) string { return "" }, &out))
	line := strings.TrimSpace(out.String())
	require.True(t, strings.HasPrefix(line, "dripbook "), line)
	require.True(t, strings.HasSuffix(line, ", "+runtime.Version()), line)
}

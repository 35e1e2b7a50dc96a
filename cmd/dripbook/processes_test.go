package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/course"
	"github.com/dripbook/dripbook/smtptest"
	"github.com/dripbook/dripbook/testenv"
)

// startProcess runs the dripbook binary with env in the given mode, and
// stops it with SIGTERM when the test ends.
func startProcess(t *testing.T, bin string, env []string, mode string, out *testenv.Buffer) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, mode)
	cmd.Env, cmd.Stdout, cmd.Stderr = env, out, out
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	return cmd
}

// One api and three worker processes of the real binary on one PostgreSQL
// and one Redis: every subscriber gets the confirmation and every lesson,
// and no Message-ID arrives twice.
func TestAPIAndThreeWorkersSendEveryLessonOnce(t *testing.T) {
	t.Parallel()
	dsn := testenv.PostgresURL(t)
	redisURL := testenv.IsolatedURL(t)
	smtp := smtptest.Start(t)
	bin := filepath.Join(t.TempDir(), "dripbook")
	build := exec.Command("go", "build", "-o", bin, ".")
	if outp, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, outp)
	}
	apiAddr := freeAddr(t)
	base := "http://" + apiAddr
	envFor := func(httpAddr string) []string {
		return []string{
			"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
			"DATABASE_URL=" + dsn, "REDIS_URL=" + redisURL, "SMTP_URL=" + smtp.URL(),
			"BASE_URL=" + base, "HTTP_ADDR=" + httpAddr, "DATA_DIR=" + t.TempDir(),
			"SECRET_KEY=processes-test-secret-0123456789", "COURSE_DAY=1s", "MAIL_FROM=Ada Coach <ada@coach.example>", "COMPANY_ADDRESS=1 Test Street", "ADMIN_PASSWORD=processes-test-console",
			"SIGNUP_LIMIT_PER_IP=0", "SIGNUP_LIMIT_TOTAL=0", "LOG_FORMAT=json",
		}
	}
	migrate := exec.Command(bin, "migrate")
	migrate.Env = envFor(freeAddr(t))
	if outp, err := migrate.CombinedOutput(); err != nil {
		t.Fatalf("dripbook migrate: %v\n%s", err, outp)
	}
	apiOut := &testenv.Buffer{}
	startProcess(t, bin, envFor(apiAddr), "api", apiOut)
	for range 3 {
		startProcess(t, bin, envFor(freeAddr(t)), "worker", &testenv.Buffer{})
	}
	waitReady(t, base, apiOut)

	const subscribers = 200
	for i := range subscribers {
		body := fmt.Sprintf(`{"email":"p%d@example.com","timezone":"UTC"}`, i)
		resp, err := http.Post(base+"/api/v1/subscriptions", "application/json", strings.NewReader(body))
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		require.Equal(t, http.StatusAccepted, resp.StatusCode)
	}
	confirmLink := regexp.MustCompile(regexp.QuoteMeta(base) + `/confirm/\S+`)
	for i := range subscribers {
		confirm := testenv.WaitMail(t, smtp, fmt.Sprintf("p%d@example.com", i), 1, mailTimeout)[0]
		link := confirmLink.FindString(confirm.Text)
		require.NotEmpty(t, link, "a confirmation link in:\n%s", confirm.Text)
		resp, err := noCookies.Post(link, "application/x-www-form-urlencoded", nil)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		require.Equal(t, http.StatusOK, resp.StatusCode)
	}

	c, err := course.Load(course.Default())
	require.NoError(t, err)
	want := subscribers * (1 + len(c.Lessons))
	smtp.WaitFor(t, want, 50*time.Second)
	rdb := testenv.Client(t, redisURL)
	testenv.Wait(t, mailTimeout, "the queue to empty", func() error { return testenv.QueueIdle(rdb, queueName) })

	seen := map[string]int{}
	perTo := map[string]int{}
	for _, r := range smtp.Messages() {
		m, err := mail.ReadMessage(bytes.NewReader(r.Data))
		require.NoError(t, err)
		seen[m.Header.Get("Message-Id")]++
		perTo[r.To[0]]++
	}
	for id, n := range seen {
		require.Equal(t, 1, n, "Message-ID %s arrived %d times", id, n)
	}
	require.Len(t, seen, want)
	require.Len(t, perTo, subscribers)
	for to, n := range perTo {
		require.Equal(t, 1+len(c.Lessons), n, "%s got %d emails", to, n)
	}
}

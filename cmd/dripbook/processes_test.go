package main

import (
	"bytes"
	"errors"
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

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
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

// cluster is one `dripbook api` process of the built binary on one
// PostgreSQL and one Redis, sending to one SMTP server, and the worker
// processes a test starts beside it.
type cluster struct {
	t    *testing.T
	bin  string
	base string
	smtp *smtptest.Server
	rdb  *redis.Client
	env  func(httpAddr string) []string
}

// startCluster builds the binary, migrates a fresh database and starts the
// api with a one-second course day; extra adds to every process's
// environment.
func startCluster(t *testing.T, extra ...string) *cluster {
	t.Helper()
	dsn := testenv.PostgresURL(t)
	redisURL := testenv.IsolatedURL(t)
	c := &cluster{t: t, smtp: smtptest.Start(t), rdb: testenv.Client(t, redisURL)}
	c.bin = filepath.Join(t.TempDir(), "dripbook")
	build := exec.Command("go", "build", "-o", c.bin, ".")
	if outp, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, outp)
	}
	apiAddr := testenv.FreeAddr(t)
	c.base = "http://" + apiAddr
	c.env = func(httpAddr string) []string {
		return append([]string{
			"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
			"DATABASE_URL=" + dsn, "REDIS_URL=" + redisURL, "SMTP_URL=" + c.smtp.URL(),
			"BASE_URL=" + c.base, "HTTP_ADDR=" + httpAddr, "DATA_DIR=" + t.TempDir(),
			"SECRET_KEY=processes-test-secret-0123456789", "COURSE_DAY=1s", "MAIL_FROM=Ada Coach <ada@coach.example>", "COMPANY_ADDRESS=1 Test Street", "ADMIN_PASSWORD=processes-test-console",
			"SIGNUP_LIMIT_PER_IP=0", "SIGNUP_LIMIT_TOTAL=0", "LOG_FORMAT=json",
		}, extra...)
	}
	migrate := exec.Command(c.bin, "migrate")
	migrate.Env = c.env(testenv.FreeAddr(t))
	if outp, err := migrate.CombinedOutput(); err != nil {
		t.Fatalf("dripbook migrate: %v\n%s", err, outp)
	}
	apiOut := &testenv.Buffer{}
	startProcess(t, c.bin, c.env(apiAddr), "api", apiOut)
	waitReady(t, c.base, apiOut)
	return c
}

// startWorker starts one more `dripbook worker` process.
func (c *cluster) startWorker(out *testenv.Buffer) *exec.Cmd {
	c.t.Helper()
	return startProcess(c.t, c.bin, c.env(testenv.FreeAddr(c.t)), "worker", out)
}

// signUp signs up p0@example.com to p(n-1)@example.com and confirms each
// through the link in their confirmation email.
func (c *cluster) signUp(n int) {
	t := c.t
	t.Helper()
	for i := range n {
		body := fmt.Sprintf(`{"email":"p%d@example.com","timezone":"UTC"}`, i)
		resp, err := http.Post(c.base+"/api/v1/subscriptions", "application/json", strings.NewReader(body))
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		require.Equal(t, http.StatusAccepted, resp.StatusCode)
	}
	confirmLink := regexp.MustCompile(regexp.QuoteMeta(c.base) + `/confirm/\S+`)
	for i := range n {
		confirm := testenv.WaitMail(t, c.smtp, fmt.Sprintf("p%d@example.com", i), 1, mailTimeout)[0]
		link := confirmLink.FindString(confirm.Text)
		require.NotEmpty(t, link, "a confirmation link in:\n%s", confirm.Text)
		resp, err := noCookies.Post(link, "application/x-www-form-urlencoded", nil)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		require.Equal(t, http.StatusOK, resp.StatusCode)
	}
}

// emailID names an email by what it is for: "confirm 1" or "lesson
// <slug>", read from its Message-ID (confirm.<subscriber>.<round>@ or
// lesson.<subscriber>.<slug>@).
var emailID = regexp.MustCompile(`^<(confirm|lesson)\.\d+\.([^@]+)@`)

// copies counts, for each recipient, the copies the SMTP server received of
// each of their emails.
func (c *cluster) copies() map[string]map[string]int {
	c.t.Helper()
	out := map[string]map[string]int{}
	for _, r := range c.smtp.Messages() {
		// The headers alone: this runs on every poll of a wait, beside
		// the workers under test.
		h, err := mail.ReadMessage(bytes.NewReader(r.Data))
		require.NoError(c.t, err)
		m := emailID.FindStringSubmatch(h.Header.Get("Message-Id"))
		require.NotNil(c.t, m, "a dripbook Message-ID, not %q", h.Header.Get("Message-Id"))
		if out[r.To[0]] == nil {
			out[r.To[0]] = map[string]int{}
		}
		out[r.To[0]][m[1]+" "+m[2]]++
	}
	return out
}

// distinct counts the different emails received, whatever their copies.
func distinct(copies map[string]map[string]int) int {
	n := 0
	for _, emails := range copies {
		n += len(emails)
	}
	return n
}

// requireWholeCourse checks that each of n subscribers got their
// confirmation and every lesson of c, and returns the repeated copies.
func requireWholeCourse(t *testing.T, copies map[string]map[string]int, n int, c *course.Course) int {
	t.Helper()
	require.Len(t, copies, n, "every subscriber got mail")
	repeats := 0
	for to, emails := range copies {
		want := []string{"confirm 1"}
		for _, l := range c.Lessons {
			want = append(want, "lesson "+l.Slug)
		}
		got := make([]string, 0, len(emails))
		for id, k := range emails {
			got = append(got, id)
			repeats += k - 1
		}
		require.ElementsMatch(t, want, got, "%s got the confirmation and every lesson", to)
	}
	return repeats
}

// One api and three worker processes of the real binary on one PostgreSQL
// and one Redis: every subscriber gets the confirmation and every lesson,
// and no email arrives twice.
func TestAPIAndThreeWorkersSendEveryLessonOnce(t *testing.T) {
	t.Parallel()
	c := startCluster(t)
	for range 3 {
		c.startWorker(&testenv.Buffer{})
	}
	const subscribers = 200
	c.signUp(subscribers)

	crs, err := course.Load(course.Default())
	require.NoError(t, err)
	want := subscribers * (1 + len(crs.Lessons))
	c.smtp.WaitFor(t, want, 50*time.Second)
	testenv.Wait(t, mailTimeout, "the queue to empty", func() error { return testenv.QueueIdle(c.rdb, queueName) })
	require.Zero(t, requireWholeCourse(t, c.copies(), subscribers, crs), "emails that arrived twice")
	require.Len(t, c.smtp.Messages(), want)
}

// A worker killed with SIGKILL in the middle of the course, with sends in
// flight, and started again: every subscriber still gets every lesson, and
// no more emails arrive twice than the killed worker had in flight.
func TestAWorkerKilledMidCourseLosesNoLesson(t *testing.T) {
	t.Parallel()
	const concurrency = 4
	c := startCluster(t, fmt.Sprintf("WORKER_CONCURRENCY=%d", concurrency))
	var workers []*exec.Cmd
	var logs []*testenv.Buffer
	for range 3 {
		logs = append(logs, &testenv.Buffer{})
		workers = append(workers, c.startWorker(logs[len(logs)-1]))
	}
	const subscribers = 200
	c.signUp(subscribers)
	crs, err := course.Load(course.Default())
	require.NoError(t, err)
	want := subscribers * (1 + len(crs.Lessons))

	testenv.Wait(t, mailTimeout, "lessons to flow", func() error {
		if n := len(c.smtp.Messages()); n < 2*subscribers {
			return fmt.Errorf("%d emails so far", n)
		}
		return nil
	})
	// A relay slow to answer DATA keeps sends in flight. The worker to be
	// killed is running some: either more tasks are running than two
	// workers can hold, or its own last heartbeat shows every one of its
	// slots busy (a backlog it is still working through).
	c.smtp.Slow(300 * time.Millisecond)
	inspect := asynq.NewInspectorFromRedisClient(c.rdb)
	testenv.Wait(t, mailTimeout, "the worker to be killed sending", func() error {
		q, err := inspect.GetQueueInfo(queueName)
		if err != nil {
			return err
		}
		if q.Active > 2*concurrency {
			return nil
		}
		servers, err := inspect.Servers()
		if err != nil {
			return err
		}
		for _, srv := range servers {
			if srv.PID == workers[0].Process.Pid && len(srv.ActiveWorkers) >= concurrency && q.Pending > 0 {
				return nil
			}
		}
		return fmt.Errorf("%d tasks running, %d pending", q.Active, q.Pending)
	})
	require.NoError(t, workers[0].Process.Kill())
	killed := time.Now()
	_ = workers[0].Wait()
	c.smtp.Slow(0)
	require.Less(t, distinct(c.copies()), want, "the course was not over when the worker died")
	logs = append(logs, &testenv.Buffer{})
	c.startWorker(logs[len(logs)-1])

	// Asynq gives a dead worker's tasks back only a minute or two after
	// their lease lapses; the reconciler queues them again sooner, and the
	// claims they held lapse after drip.DefaultLease.
	testenv.Wait(t, 90*time.Second, "every email", func() error {
		if n := distinct(c.copies()); n < want {
			return fmt.Errorf("%d of %d emails", n, want)
		}
		return nil
	})
	t.Logf("every email arrived %s after the kill", time.Since(killed).Round(100*time.Millisecond))
	testenv.Wait(t, mailTimeout, "nothing left to run but the dead worker's tasks", func() error {
		return onlyOrphansLeft(inspect, queueName)
	})
	repeats := requireWholeCourse(t, c.copies(), subscribers, crs)
	// The killed worker ran at most WORKER_CONCURRENCY tasks, each for one
	// email. A lesson it had handed to the relay but not yet recorded is
	// sent again once its claim lapses: the one repeat per send in flight
	// that the delivery log allows. Every other lesson was recorded sent,
	// or never reached the relay.
	t.Logf("%d emails arrived twice", repeats)
	require.LessOrEqual(t, repeats, concurrency, "emails that arrived twice")
	for to, emails := range c.copies() {
		for id, k := range emails {
			require.LessOrEqual(t, k, 2, "%s got %s %d times", to, id, k)
		}
	}
	// The dead worker's tasks count as orphaned 30 s after it stopped
	// extending them; the course may have finished before that, through
	// the reconciler and the lapsed claims. A live worker's reconciler
	// queues them again within seconds; Asynq's own recoverer would, 30 s
	// later, on a machine too loaded for the reconciler's round to come.
	testenv.Wait(t, 90*time.Second, "a live worker to queue the dead one's tasks again", func() error {
		for _, out := range logs[1:] {
			if strings.Contains(out.String(), "stopped without finishing them") {
				t.Log("the reconciler queued the dead worker's tasks again")
				return nil
			}
		}
		active, err := inspect.ListActiveTasks(queueName, asynq.PageSize(1000))
		if err != nil {
			return err
		}
		orphans := 0
		for _, a := range active {
			if a.IsOrphaned {
				orphans++
			}
		}
		// A minute on, every lease the dead worker held has lapsed: none
		// left orphaned means someone queued them again.
		if orphans == 0 && time.Since(killed) > time.Minute {
			t.Log("Asynq's recoverer queued the dead worker's tasks again before the reconciler did")
			return nil
		}
		return fmt.Errorf("no live worker has said so yet; %d tasks active, %d of them orphaned", len(active), orphans)
	})
}

// onlyOrphansLeft reports, for Wait, whether the queue holds nothing to run
// but tasks left active by a dead worker, whose copies have run.
func onlyOrphansLeft(inspect *asynq.Inspector, queue string) error {
	q, err := inspect.GetQueueInfo(queue)
	if err != nil {
		return err
	}
	if q.Pending+q.Scheduled+q.Retry > 0 {
		return fmt.Errorf("queue %s still holds %d pending, %d scheduled, %d retrying tasks", queue, q.Pending, q.Scheduled, q.Retry)
	}
	active, err := inspect.ListActiveTasks(queue, asynq.PageSize(1000))
	if err != nil {
		return err
	}
	for _, a := range active {
		if !a.IsOrphaned {
			return errors.New("task " + a.ID + " is running")
		}
	}
	return nil
}

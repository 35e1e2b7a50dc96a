package worker_test

import (
	"context"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/course"
	"github.com/dripbook/dripbook/drip"
	"github.com/dripbook/dripbook/emails"
	"github.com/dripbook/dripbook/message"
	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/relay"
	"github.com/dripbook/dripbook/smtptest"
	"github.com/dripbook/dripbook/storage"
	"github.com/dripbook/dripbook/testenv"
	"github.com/dripbook/dripbook/token"
	"github.com/dripbook/dripbook/worker"
)

// day is one course day in these tests: the seven-lesson course (13 days)
// spans about a second and a half. The waits are on state, not on days; a
// day this short still leaves several Asynq polls (worker.TimingFor) between
// two lessons, and the tests that act mid-course nine days of slack.
const day = 100 * time.Millisecond

const base = "https://coach.example.test"

// harness is the whole engine on real parts: a database, Redis, Asynq, an
// SMTP server, and the default course.
type harness struct {
	t         *testing.T
	store     *storage.Store
	rdb       *redis.Client
	smtp      *smtptest.Server
	engine    *drip.Engine
	queue     *worker.Queue
	signer    *token.Signer
	course    *course.Course
	name      string
	reminders []time.Duration
	calls     drip.Calls
	sender    *relay.Sender
	stop      context.CancelFunc
	srv       *asynq.Server
}

func newHarness(t *testing.T, rdb *redis.Client) *harness {
	return newHarnessWith(t, rdb, drip.Calls{})
}

func newHarnessWith(t *testing.T, rdb *redis.Client, calls drip.Calls) *harness {
	t.Helper()
	h := &harness{t: t, store: testenv.Store(t), rdb: rdb, smtp: smtptest.Start(t), name: testenv.Queue(t, rdb), reminders: calls.Reminders}
	opts, err := relay.ParseURL(h.smtp.URL())
	require.NoError(t, err)
	opts.PoolSize = 2
	opts.Timeout = 5 * time.Second
	sender, err := relay.NewSender(opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = sender.Close() })

	h.sender = sender
	h.signer = token.NewSigner([]byte("test secret key, 16+ chars"))
	h.queue = worker.NewQueue(rdb, h.name)
	h.calls = calls
	h.useCourse(course.Default())
	h.start()
	return h
}

// useCourse builds the engine around a course, as a restart with a new
// COURSE_DIR would.
func (h *harness) useCourse(fsys fs.FS) {
	h.t.Helper()
	var err error
	h.course, err = course.Load(fsys)
	require.NoError(h.t, err)
	renderer, err := emails.NewRenderer(h.course, emails.Site{BaseURL: base, CompanyAddress: "1 Test Street", CoachName: "Coach"})
	require.NoError(h.t, err)
	h.engine = drip.NewEngine(drip.Deps{
		Store: h.store, Mailer: h.sender, Renderer: renderer,
		Links:    token.NewLinks(base, h.signer, time.Now),
		Queue:    h.queue,
		Schedule: drip.Schedule{Day: day, SendHour: 9, DefaultTZ: time.UTC},
		Calls:    h.calls,
		From:     "Coach <coach@example.test>", Domain: "example.test", Log: discardLogger(),
	})
}

// start runs the Asynq server and the reconciler until the test ends or stop.
func (h *harness) start() {
	timing := worker.TimingFor(day)
	h.srv = worker.NewServer(worker.ServerConfig{Redis: h.rdb, Queue: h.name, Concurrency: 4, Timing: timing,
		ShutdownTimeout: 5 * time.Second, Log: discardLogger()})
	require.NoError(h.t, h.srv.Start(worker.Mux(h.engine)))
	ctx, cancel := context.WithCancel(context.Background())
	rec := worker.NewReconciler(worker.ReconcilerDeps{Store: h.store, Queue: h.queue, Redis: h.rdb,
		LockKey: h.name + ":reconciler", Interval: timing.Reconcile, Reminders: h.reminders, NoShows: h.engine, Log: discardLogger()})
	done := make(chan struct{})
	go func() { rec.Run(ctx); close(done) }()
	h.stop = func() { cancel(); <-done; h.srv.Shutdown() }
	h.t.Cleanup(h.stop)
}

func (h *harness) subscribe(email, name string) int64 {
	h.t.Helper()
	ctx := context.Background()
	res, err := h.store.Subscribe(ctx, models.Signup{Email: email, Name: name, Timezone: "Europe/Berlin", TextVersion: "test"})
	require.NoError(h.t, err)
	if res.Round > 0 {
		require.NoError(h.t, h.engine.RequestConfirmation(ctx, res.SubscriberID, res.Round))
	}
	return res.SubscriberID
}

var confirmLink = regexp.MustCompile(base + `/confirm/([A-Za-z0-9._-]+)`)

// confirmFromMail clicks the confirmation link found in the email, as the
// subscriber would.
func (h *harness) confirmFromMail(p *message.Parsed) int64 {
	h.t.Helper()
	m := confirmLink.FindStringSubmatch(p.Text)
	require.NotNil(h.t, m, "confirmation email has a confirm link:\n%s", p.Text)
	require.Contains(h.t, p.HTML, m[0], "HTML part has the same link")
	id, err := h.signer.Verify(m[1], token.Confirm, token.ConfirmMaxAge, time.Now())
	require.NoError(h.t, err)
	require.NoError(h.t, h.engine.Confirm(context.Background(), id))
	return id
}

// mailTo returns the parsed messages received so far for one address.
func (h *harness) mailTo(addr string) []*message.Parsed {
	h.t.Helper()
	return testenv.Mail(h.t, h.smtp, addr)
}

// waitMail waits until addr has received n messages.
func (h *harness) waitMail(addr string, n int, timeout time.Duration) []*message.Parsed {
	h.t.Helper()
	return testenv.WaitMail(h.t, h.smtp, addr, n, timeout)
}

// Task IDs as worker.Queue names them.
var (
	lessonTask   = worker.LessonTaskID
	noticeTask   = worker.NoticeTaskID
	reminderTask = worker.ReminderTaskID
)

// lessonTasks names the task of every lesson in the course for a subscriber.
func (h *harness) lessonTasks(subscriberID int64) []string {
	var ids []string
	for _, l := range h.course.Lessons {
		ids = append(ids, lessonTask(subscriberID, l.Slug))
	}
	return ids
}

// settle is how a test shows that nothing more can arrive: it waits until
// final reports the state the test expects to be the last one, and the queue
// holds no task that could still send mail. With task IDs, none of those may
// be waiting or running (tasks of the test that lie far ahead, such as a
// day-ahead reminder, may); with none, nothing in the queue may. See
// testenv.TasksRun and testenv.QueueIdle.
func (h *harness) settle(what string, final func() error, tasks ...string) {
	h.t.Helper()
	testenv.Wait(h.t, 20*time.Second, what, func() error {
		if final != nil {
			if err := final(); err != nil {
				return err
			}
		}
		if len(tasks) == 0 {
			return testenv.QueueIdle(h.rdb, h.name)
		}
		return testenv.TasksRun(h.rdb, h.name, tasks...)
	})
}

// waitQueued waits until each task is in the queue, not yet run.
func (h *harness) waitQueued(tasks ...string) {
	h.t.Helper()
	testenv.Wait(h.t, 10*time.Second, fmt.Sprintf("tasks %v to be queued", tasks), func() error {
		return testenv.TasksQueued(h.rdb, h.name, tasks...)
	})
}

// enrollmentIs reports, for settle, whether a subscriber's enrollment has
// the status.
func (h *harness) enrollmentIs(subscriberID int64, status string) func() error {
	return func() error {
		enr, err := h.store.Enrollment(context.Background(), subscriberID)
		if err != nil {
			return err
		}
		if enr.Status != status {
			return fmt.Errorf("enrollment is %s (next %q at %v), want %s", enr.Status, enr.NextStep, enr.NextSendAt, status)
		}
		return nil
	}
}

// deliveryIs reports, for settle, whether one email's delivery has the state.
func (h *harness) deliveryIs(key models.DeliveryKey, state string) func() error {
	return func() error {
		d, err := h.store.Delivery(context.Background(), key)
		if err != nil {
			return err
		}
		if d.State != state {
			return fmt.Errorf("delivery %s is %s after %d attempts (%s), want %s", key, d.State, d.Attempts, d.LastError, state)
		}
		return nil
	}
}

func messageIDs(ps []*message.Parsed) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Header.Get("Message-Id"))
	}
	return out
}

func TestCourseArrivesInOrderExactlyOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testenv.Redis(t))
	addr := "ada@example.com"
	h.subscribe(addr, "Ada Lovelace")
	confirm := h.waitMail(addr, 1, 5*time.Second)[0]
	require.Contains(t, confirm.Subject, "Confirm")
	id := h.confirmFromMail(confirm)

	total := len(h.course.Lessons)
	h.waitMail(addr, 1+total, time.Duration(total)*40*day+10*time.Second)
	// Nothing more may arrive: the course is over and nothing is left queued.
	h.settle("the course to finish", h.enrollmentIs(id, models.EnrollmentFinished))
	got := h.mailTo(addr)
	require.Len(t, got, 1+total, "one confirmation and each lesson once: %v", testenv.Subjects(got))

	lessons := got[1:]
	for i, p := range lessons {
		l := h.course.Lessons[i]
		require.Equal(t, fmt.Sprintf("<lesson.%d.%s@example.test>", id, l.Slug), p.Header.Get("Message-Id"), "lesson %d in order", i)
		require.NotContains(t, p.Subject, "{{")
		require.Regexp(t, `^<`+base+`/unsubscribe/[A-Za-z0-9._-]+>$`, p.Header.Get("List-Unsubscribe"))
		require.Equal(t, "List-Unsubscribe=One-Click", p.Header.Get("List-Unsubscribe-Post"))
		require.Equal(t, message.ListID(h.course.Title, "example.test"), p.Header.Get("List-Id"))
		require.Equal(t, "auto-generated", p.Header.Get("Auto-Submitted"))
		require.NotEmpty(t, p.Text)
		require.NotEmpty(t, p.HTML)
		require.Contains(t, p.Text, "Ada", "first name is used")
		require.Contains(t, p.Text, base+"/book/", "personal booking link")
		require.Contains(t, p.Text, "1 Test Street", "postal address in the footer")
		require.NotEmpty(t, p.Header.Get("Date"))
	}
	enr, err := h.store.Enrollment(context.Background(), id)
	require.NoError(t, err)
	require.Equal(t, models.EnrollmentFinished, enr.Status)
}

func TestUnsubscribeMidCourseStopsIt(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testenv.Redis(t))
	addr := "grace@example.com"
	h.subscribe(addr, "Grace")
	id := h.confirmFromMail(h.waitMail(addr, 1, 5*time.Second)[0])
	h.waitMail(addr, 3, 20*time.Second) // confirmation and two lessons
	_, err := h.store.Unsubscribe(context.Background(), id)
	require.NoError(t, err)
	n := len(h.mailTo(addr))
	// The next lesson's task has come due and run, and nothing follows it:
	// the rest of the course can no longer arrive.
	h.settle("the next lesson's task to run", func() error {
		enr, err := h.store.Enrollment(context.Background(), id)
		if err != nil {
			return err
		}
		if enr.NextSendAt != nil && time.Now().Before(*enr.NextSendAt) {
			return fmt.Errorf("next lesson %q not due until %v", enr.NextStep, enr.NextSendAt)
		}
		return nil
	})
	require.LessOrEqual(t, len(h.mailTo(addr)), n+1, "at most a lesson already in the SMTP conversation")
	require.Less(t, len(h.mailTo(addr)), 1+len(h.course.Lessons))
}

func TestConcurrentSignupsSendOneConfirmation(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testenv.Redis(t))
	addr := "same@example.com"
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() { defer wg.Done(); h.subscribe(addr, "Sam") }()
	}
	wg.Wait()
	h.waitMail(addr, 1, 5*time.Second)
	// The latest round's confirmation is recorded as sent and no task is
	// left: a second confirmation could only come from one.
	h.settle("the confirmation to be recorded", func() error {
		sub, err := h.store.SubscriberByEmail(context.Background(), addr)
		if err != nil {
			return err
		}
		return h.deliveryIs(models.DeliveryKey{SubscriberID: sub.ID, Kind: models.KindConfirm, Step: strconv.Itoa(sub.ConfirmRound)}, models.DeliverySent)()
	})
	require.Len(t, h.mailTo(addr), 1, "one confirmation email")
}

func TestRedisFlushLosesNoLesson(t *testing.T) {
	t.Parallel()
	rdb := testenv.Isolated(t)
	h := newHarness(t, rdb)
	addr := "flush@example.com"
	h.subscribe(addr, "Fay")
	id := h.confirmFromMail(h.waitMail(addr, 1, 5*time.Second)[0])
	h.waitMail(addr, 3, 20*time.Second)

	// The queue forgets everything, and the worker restarts with it, as a
	// new process with Asynq clients of its own.
	h.stop()
	total := 1 + len(h.course.Lessons)
	require.Less(t, len(h.mailTo(addr)), total, "lessons are left for after the flush")
	require.NoError(t, rdb.FlushDB(context.Background()).Err())
	h.queue = worker.NewQueue(rdb, h.name)
	h.useCourse(course.Default())
	h.start()

	h.waitMail(addr, total, 60*time.Second)
	h.settle("the course to finish", h.enrollmentIs(id, models.EnrollmentFinished))
	got := h.mailTo(addr)
	require.Len(t, got, total)
	ids := messageIDs(got)
	sort.Strings(ids)
	require.Equal(t, len(ids), len(dedupe(ids)), "no lesson twice")
}

func TestTaskRunTwiceSendsOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testenv.Redis(t))
	h.stop() // drive the engine by hand
	ctx := context.Background()
	addr := "twice@example.com"
	res, err := h.store.Subscribe(ctx, models.Signup{Email: addr, TextVersion: "test"})
	require.NoError(t, err)
	_, err = h.store.Confirm(ctx, res.SubscriberID)
	require.NoError(t, err)
	first := h.course.Lessons[0].Slug
	now := time.Now()
	require.NoError(t, h.store.SaveEnrollment(ctx, models.Enrollment{
		SubscriberID: res.SubscriberID, Status: models.EnrollmentActive, NextStep: first, NextSendAt: &now, LastDay: -1, Anchor: now,
	}))

	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Go(func() { errs[i] = h.engine.SendLesson(ctx, res.SubscriberID, first) })
	}
	wg.Wait()
	for _, err := range errs {
		// The loser of the race finds the lesson claimed by the winner.
		if err != nil {
			require.ErrorIs(t, err, models.ErrInFlight)
		}
	}
	require.NoError(t, h.engine.SendLesson(ctx, res.SubscriberID, first), "a third run is a no-op")
	require.NoError(t, h.engine.SendConfirmation(ctx, res.SubscriberID, 1), "a stale confirmation is a no-op")
	got := h.mailTo(addr)
	require.Len(t, got, 1)
	require.Contains(t, got[0].Header.Get("Message-Id"), first)
}

func TestTemporaryFailureThenSuccessDeliversOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testenv.Redis(t))
	h.smtp.FailNext(2, 451, "try again later")
	addr := "retry@example.com"
	id := h.subscribe(addr, "Rey")
	got := h.waitMail(addr, 1, 20*time.Second)
	key := models.DeliveryKey{SubscriberID: id, Kind: models.KindConfirm, Step: "1"}
	// Sent, recorded, and no retry left to send it again.
	h.settle("the confirmation to be recorded", h.deliveryIs(key, models.DeliverySent))
	require.Len(t, h.mailTo(addr), 1)
	d, err := h.store.Delivery(context.Background(), key)
	require.NoError(t, err)
	require.Equal(t, models.DeliverySent, d.State)
	require.Equal(t, 3, d.Attempts, "two refusals, then the send")
	require.Contains(t, got[0].Subject, "Confirm")
}

func TestPermanentFailureBounces(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testenv.Redis(t))
	addr := "nobody@example.com"
	h.smtp.RejectRecipient(addr, 550)
	id := h.subscribe(addr, "")
	testenv.Wait(t, 10*time.Second, "the subscriber to be marked bounced", func() error {
		sub, err := h.store.Subscriber(context.Background(), id)
		if err != nil {
			return err
		}
		if sub.Status != models.StatusBounced {
			return fmt.Errorf("subscriber is %s", sub.Status)
		}
		return nil
	})
	d, err := h.store.Delivery(context.Background(), models.DeliveryKey{SubscriberID: id, Kind: models.KindConfirm, Step: "1"})
	require.NoError(t, err)
	require.Equal(t, models.DeliveryFailed, d.State)
	require.Equal(t, 1, d.Attempts, "a permanent refusal is not retried")
	require.True(t, strings.Contains(d.LastError, "550"), d.LastError)
}

func dedupe(xs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

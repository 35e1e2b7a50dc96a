package drip_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/course"
	"github.com/dripbook/dripbook/drip"
	"github.com/dripbook/dripbook/emails"
	"github.com/dripbook/dripbook/message"
	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/storage"
	"github.com/dripbook/dripbook/testenv"
	"github.com/dripbook/dripbook/token"
)

// failingStep is the store with its step record broken, as a database that
// drops the connection right after the relay took the lesson.
type failingStep struct {
	*storage.Store
	fail bool
}

var errDropped = errors.New("connection dropped")

func (f *failingStep) CompleteStep(ctx context.Context, key models.DeliveryKey, plan models.StepPlan) (models.Enrollment, error) {
	if f.fail {
		return models.Enrollment{}, errDropped
	}
	return f.Store.CompleteStep(ctx, key, plan)
}

// countingMailer counts what reaches the relay.
type countingMailer struct {
	mu   sync.Mutex
	sent []string
}

func (m *countingMailer) Send(_ context.Context, msg *message.Message) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, msg.MessageID)
	return nil
}

// newEngine returns an engine on store with the builtin course, mailing
// through mailer; lease 0 takes the default.
func newEngine(t *testing.T, store drip.Store, mailer drip.Mailer, lease time.Duration) *drip.Engine {
	t.Helper()
	return newEngineWith(t, store, mailer, noQueue{}, lease)
}

// newEngineWith is newEngine queuing on queue.
func newEngineWith(t *testing.T, store drip.Store, mailer drip.Mailer, queue drip.Queue, lease time.Duration) *drip.Engine {
	t.Helper()
	c, err := course.Load(course.Default())
	require.NoError(t, err)
	r, err := emails.NewRenderer(c, emails.Site{BaseURL: "http://dripbook.test", CompanyAddress: "1 Test Street"})
	require.NoError(t, err)
	return drip.NewEngine(drip.Deps{
		Store: store, Mailer: mailer, Renderer: r, Queue: queue, Lease: lease,
		Links:    token.NewLinks("http://dripbook.test", token.NewSigner([]byte("a test secret key, 32 bytes long")), nil),
		Schedule: drip.Schedule{Day: time.Hour, SendHour: 9, DefaultTZ: time.UTC},
		From:     "Coach <coach@example.com>", Domain: "example.com",
	})
}

type noQueue struct{}

func (noQueue) Confirmation(context.Context, int64, int) error              { return nil }
func (noQueue) Lesson(context.Context, int64, string, time.Time) error      { return nil }
func (noQueue) NoShow(context.Context, int64, int, string, time.Time) error { return nil }
func (noQueue) Reminders(context.Context, models.Booking, []time.Duration, time.Time) (int, error) {
	return 0, nil
}

// A lesson that went out but whose step could not be recorded is still on
// record as sent, so the retry moves the course on instead of sending it
// again once the claim's lease runs out.
func TestASentLessonIsRecordedWhenItsStepCannotBe(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testenv.SQLite(t)
	c, err := course.Load(course.Default())
	require.NoError(t, err)
	res, err := store.Subscribe(ctx, models.Signup{Email: "kept@example.com", Name: "Kit", TextVersion: "v1"})
	require.NoError(t, err)
	_, err = store.Confirm(ctx, res.SubscriberID)
	require.NoError(t, err)
	first := c.Lessons[0].Slug
	now := time.Now().UTC()
	require.NoError(t, store.SaveEnrollment(ctx, models.Enrollment{SubscriberID: res.SubscriberID,
		Status: models.EnrollmentActive, NextStep: first, NextSendAt: &now, LastDay: -1, Anchor: now}))

	broken := &failingStep{Store: store, fail: true}
	mailer := &countingMailer{}
	e := newEngine(t, broken, mailer, 0)

	require.ErrorIs(t, e.SendLesson(ctx, res.SubscriberID, first), errDropped)
	d, err := store.Delivery(ctx, models.DeliveryKey{SubscriberID: res.SubscriberID, Kind: models.KindLesson, Step: first})
	require.NoError(t, err)
	require.Equal(t, models.DeliverySent, d.State, "the send is on record though its step is not")

	broken.fail = false
	require.NoError(t, e.SendLesson(ctx, res.SubscriberID, first), "the retry")
	require.Len(t, mailer.sent, 1, "the lesson went out once")
	enr, err := store.Enrollment(ctx, res.SubscriberID)
	require.NoError(t, err)
	require.NotEqual(t, first, enr.NextStep, "the course moved on")
}

// timingOutRelay is a relay that fails for now just as the task's time
// runs out.
type timingOutRelay struct{ cancel context.CancelFunc }

var errRelayBusy = errors.New("421 try again later")

func (m timingOutRelay) Send(context.Context, *message.Message) error {
	m.cancel()
	return errRelayBusy
}

// A send that fails as the task's deadline passes is given back for a
// retry all the same, rather than left claimed until its lease lapses.
func TestASendFailingAsTheTaskTimesOutIsGivenBack(t *testing.T) {
	t.Parallel()
	store := testenv.SQLite(t)
	c, err := course.Load(course.Default())
	require.NoError(t, err)
	res, err := store.Subscribe(context.Background(), models.Signup{Email: "late@example.com", Name: "Lee", TextVersion: "v1"})
	require.NoError(t, err)
	_, err = store.Confirm(context.Background(), res.SubscriberID)
	require.NoError(t, err)
	first := c.Lessons[0].Slug
	now := time.Now().UTC()
	require.NoError(t, store.SaveEnrollment(context.Background(), models.Enrollment{SubscriberID: res.SubscriberID,
		Status: models.EnrollmentActive, NextStep: first, NextSendAt: &now, LastDay: -1, Anchor: now}))

	ctx, cancel := context.WithCancel(context.Background())
	e := newEngine(t, store, timingOutRelay{cancel: cancel}, 0)
	require.ErrorIs(t, e.SendLesson(ctx, res.SubscriberID, first), errRelayBusy)

	d, err := store.Delivery(context.Background(), models.DeliveryKey{SubscriberID: res.SubscriberID, Kind: models.KindLesson, Step: first})
	require.NoError(t, err)
	require.Equal(t, models.DeliveryRetry, d.State, "given back, not left claimed")
}

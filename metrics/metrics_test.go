package metrics_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/booking"
	"github.com/dripbook/dripbook/drip"
	"github.com/dripbook/dripbook/metrics"
	"github.com/dripbook/dripbook/relay"
	"github.com/dripbook/dripbook/smtptest"
	"github.com/dripbook/dripbook/testenv"
)

// scrape serves the registry as /metrics would and reads it back.
func scrape(t *testing.T, m *metrics.Metrics) testenv.Metrics {
	t.Helper()
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	return testenv.ParseMetrics(t, rec.Body)
}

func TestSendsAreCountedAsTheRelayReceivedThem(t *testing.T) {
	t.Parallel()
	smtp := smtptest.Start(t)
	opts, err := relay.ParseURL(smtp.URL())
	require.NoError(t, err)
	sender, err := relay.NewSender(opts)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, sender.Close()) })

	m := metrics.New()
	mailer := drip.ObservedMailer{Mailer: sender, Observer: m, Log: slog.New(slog.NewTextHandler(t.Output(), nil))}
	smtp.RefuseRecipient("sam9@example.test", smtptest.Reply{Code: 550, Enhanced: "5.1.1", Text: "no such user"})
	ctx := context.Background()
	for i := range 3 {
		require.NoError(t, mailer.Send(ctx, smtptest.Message(i)))
	}
	require.Error(t, mailer.Send(ctx, smtptest.Message(9)))

	got := scrape(t, m)
	received := len(smtp.Messages())
	require.Equal(t, 3, received)
	require.Equal(t, float64(received), got.Value("dripbook_emails_sent_total", map[string]string{"kind": "lesson"}))
	require.Equal(t, 1.0, got.Value("dripbook_emails_failed_total", map[string]string{"kind": "lesson", "reason": drip.ReasonPermanent}))
	require.Equal(t, 4.0, got.Value("dripbook_send_duration_seconds", map[string]string{"kind": "lesson"}), "every send is timed")
}

func TestSignupsAndBookingsAreCounted(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	m.Signup()
	m.Signup()
	m.BookingChanged(booking.EventBooked)
	m.BookingChanged(booking.EventCancelled)
	m.BookingChanged(booking.EventBooked)
	got := scrape(t, m)
	require.Equal(t, 2.0, got.Value("dripbook_signups_total", nil))
	require.Equal(t, 2.0, got.Value("dripbook_bookings_total", map[string]string{"event": "booked"}))
	require.Equal(t, 1.0, got.Value("dripbook_bookings_total", map[string]string{"event": "cancelled"}))
	require.Contains(t, got, "dripbook_bookings_total")
	require.Equal(t, 0.0, got.Value("dripbook_bookings_total", map[string]string{"event": "rescheduled"}))
}

func TestQueueTasksAreReadOnScrape(t *testing.T) {
	t.Parallel()
	rdb := testenv.Redis(t)
	queue := "metrics-" + testenv.Random(6)
	m := metrics.New()
	m.Registry.MustRegister(metrics.NewQueueCollector(asynq.NewInspectorFromRedisClient(rdb), queue))

	tasks := map[string]float64{"pending": 0, "scheduled": 0}
	got := scrape(t, m)
	for state, n := range tasks {
		require.Equal(t, n, got.Value("dripbook_queue_tasks", map[string]string{"queue": queue, "state": state}), "an empty queue: %s", state)
	}

	client := asynq.NewClientFromRedisClient(rdb)
	_, err := client.Enqueue(asynq.NewTask("test:now", nil), asynq.Queue(queue))
	require.NoError(t, err)
	_, err = client.Enqueue(asynq.NewTask("test:later", nil), asynq.Queue(queue), asynq.ProcessIn(time.Hour))
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = asynq.NewInspectorFromRedisClient(rdb).DeleteQueue(queue, true)
	})

	got = scrape(t, m)
	require.Equal(t, 1.0, got.Value("dripbook_queue_tasks", map[string]string{"queue": queue, "state": "pending"}))
	require.Equal(t, 1.0, got.Value("dripbook_queue_tasks", map[string]string{"queue": queue, "state": "scheduled"}))
}

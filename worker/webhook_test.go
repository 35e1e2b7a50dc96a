package worker_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/storage"
	"github.com/dripbook/dripbook/testenv"
	"github.com/dripbook/dripbook/webhooks"
	"github.com/dripbook/dripbook/worker"
)

var hookSecret = "whsec_" + base64.StdEncoding.EncodeToString([]byte("a webhook test key of 32 bytes!!"))

// hookCall is one POST the receiver verified.
type hookCall struct {
	ID   string
	Type string
	Data map[string]any
}

// receiver is the coach's endpoint: it checks every signature with the
// Standard Webhooks reference library and, when failFirst, answers the
// first delivery of each event with a 500.
type receiver struct {
	srv       *httptest.Server
	failFirst bool
	mu        sync.Mutex
	calls     []hookCall
	bad       []error
}

func newReceiver(t *testing.T, failFirst bool) *receiver {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(hookSecret)
	require.NoError(t, err)
	r := &receiver{failFirst: failFirst}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, err := io.ReadAll(req.Body)
		if err == nil {
			err = wh.Verify(body, req.Header)
		}
		var msg struct {
			Type string         `json:"type"`
			Data map[string]any `json:"data"`
		}
		if err == nil {
			err = json.Unmarshal(body, &msg)
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		if err != nil {
			r.bad = append(r.bad, err)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		id := req.Header.Get("webhook-id")
		first := r.seen(id) == 0
		r.calls = append(r.calls, hookCall{ID: id, Type: msg.Type, Data: msg.Data})
		if first && r.failFirst {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// seen counts the deliveries of id; r.mu is held.
func (r *receiver) seen(id string) int {
	n := 0
	for _, c := range r.calls {
		if c.ID == id {
			n++
		}
	}
	return n
}

func (r *receiver) snapshot() ([]hookCall, []error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]hookCall(nil), r.calls...), append([]error(nil), r.bad...)
}

// hookHarness runs webhook deliveries on a real database, Redis and Asynq.
type hookHarness struct {
	t     *testing.T
	store *storage.Store
	rdb   redis.UniversalClient
	name  string
	queue *worker.Queue
	recv  *receiver
	rec   *worker.Reconciler
	log   testenv.Buffer // the deliveries' log lines
}

func newHookHarness(t *testing.T, rdb redis.UniversalClient, failFirst bool) *hookHarness {
	t.Helper()
	h := &hookHarness{t: t, store: testenv.Store(t), rdb: rdb, name: testenv.Queue(t, rdb), recv: newReceiver(t, failFirst)}
	h.store.SetWebhooks(true)
	h.queue = worker.NewQueue(rdb, h.name)
	h.rec = worker.NewReconciler(worker.ReconcilerDeps{Store: h.store, Queue: h.queue, Redis: rdb,
		LockKey: h.name + ":reconciler", Interval: worker.TimingFor(day).Reconcile, Webhooks: true, Log: discardLogger()})
	return h
}

// start runs the worker and the reconciler until the test ends.
func (h *hookHarness) start() {
	key, err := webhooks.ParseSecret(hookSecret)
	require.NoError(h.t, err)
	srv := worker.NewServer(worker.ServerConfig{Redis: h.rdb, Queue: h.name, Concurrency: 4, Timing: worker.TimingFor(day),
		ShutdownTimeout: 5 * time.Second, Log: discardLogger()})
	mux := asynq.NewServeMux()
	log := slog.New(slog.NewTextHandler(&h.log, nil))
	worker.HandleWebhooks(mux, &worker.Webhooks{Store: h.store, Sender: webhooks.NewSender(h.recv.srv.URL, key), Log: log})
	require.NoError(h.t, srv.Start(mux))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { h.rec.Run(ctx); close(done) }()
	h.t.Cleanup(func() { cancel(); <-done; srv.Shutdown() })
}

// waitDelivered waits until the outbox has no event left to deliver and
// returns the events the receiver saw, by id.
func (h *hookHarness) waitDelivered(n int) map[string][]hookCall {
	h.t.Helper()
	ctx := context.Background()
	testenv.Wait(h.t, 15*time.Second, fmt.Sprintf("%d events delivered", n), func() error {
		left, err := h.store.UndeliveredWebhookEvents(ctx, 100)
		if err != nil || len(left) > 0 {
			return errors.Join(err, fmt.Errorf("%d undelivered", len(left)))
		}
		return nil
	})
	calls, bad := h.recv.snapshot()
	require.Empty(h.t, bad, "every delivery is signed")
	byID := map[string][]hookCall{}
	for _, c := range calls {
		byID[c.ID] = append(byID[c.ID], c)
	}
	require.Len(h.t, byID, n)
	return byID
}

func TestWebhooksAreSignedAndRetriedWithTheSameID(t *testing.T) {
	t.Parallel()
	h := newHookHarness(t, testenv.Redis(t), true)
	h.start()
	ctx := context.Background()
	res, err := h.store.Subscribe(ctx, models.Signup{Email: "hook@example.com", Name: "Hana", TextVersion: "test"})
	require.NoError(t, err)
	id := res.SubscriberID
	_, err = h.store.Confirm(ctx, id)
	require.NoError(t, err)
	start := time.Now().Add(48 * time.Hour).Truncate(time.Minute)
	b, _, err := h.store.CreateBooking(ctx, models.Booking{SubscriberID: id, Start: start, End: start.Add(30 * time.Minute), UID: testenv.Random(16)})
	require.NoError(t, err)
	_, err = h.store.RescheduleBooking(ctx, b.ID, start.Add(time.Hour), start.Add(90*time.Minute))
	require.NoError(t, err)
	_, err = h.store.CancelBooking(ctx, b.ID)
	require.NoError(t, err)
	_, err = h.store.Unsubscribe(ctx, id)
	require.NoError(t, err)

	byID := h.waitDelivered(5)
	var types []string
	for eventID, calls := range byID {
		require.GreaterOrEqual(t, len(calls), 2, "%s: the 500 was retried", eventID)
		for _, c := range calls {
			require.Equal(t, calls[0].Type, c.Type, "%s: every retry is the same event", eventID)
		}
		types = append(types, calls[0].Type)
		ev, err := h.store.WebhookEvent(ctx, eventID)
		require.NoError(t, err)
		require.NotNil(t, ev.DeliveredAt)
		require.Equal(t, len(calls), ev.Attempts)
		require.Contains(t, ev.LastError, "500")
		require.Contains(t, h.log.String(), fmt.Sprintf(`msg="webhook delivery failed" event_id=%s event_type=%s attempt=1 error="endpoint answered 500"`, eventID, ev.Type))

		sub := calls[0].Data
		if s, ok := sub["subscriber"].(map[string]any); ok {
			require.InDelta(t, float64(b.ID), calls[0].Data["id"], 0, "%s: the booking", eventID)
			sub = s
		}
		require.Equal(t, "hook@example.com", sub["email"], eventID)
		require.Equal(t, "Hana", sub["name"], eventID)
	}
	sort.Strings(types)
	require.Equal(t, []string{models.EventBookingCancelled, models.EventBookingCreated, models.EventBookingRescheduled,
		models.EventSubscriberConfirmed, models.EventSubscriberUnsubscribed}, types)
}

// An event written while its task is lost to a Redis flush is still
// delivered: the reconciler queues it again from the outbox.
func TestWebhookSurvivesARedisFlush(t *testing.T) {
	t.Parallel()
	rdb := testenv.Isolated(t)
	h := newHookHarness(t, rdb, false)
	ctx := context.Background()
	res, err := h.store.Subscribe(ctx, models.Signup{Email: "flush@example.com", TextVersion: "test"})
	require.NoError(t, err)
	_, err = h.store.Confirm(ctx, res.SubscriberID)
	require.NoError(t, err)
	n, err := h.rec.Tick(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n, "the event's delivery is queued")
	require.NoError(t, rdb.FlushDB(ctx).Err())

	h.start()
	byID := h.waitDelivered(1)
	for _, calls := range byID {
		require.Len(t, calls, 1)
		require.Equal(t, models.EventSubscriberConfirmed, calls[0].Type)
	}
}

// A new event goes out within about a second, however long the
// reconciler's round.
func TestNewWebhookDoesNotWaitForTheRound(t *testing.T) {
	t.Parallel()
	h := newHookHarness(t, testenv.Redis(t), false)
	h.rec = worker.NewReconciler(worker.ReconcilerDeps{Store: h.store, Queue: h.queue, Redis: h.rdb,
		LockKey: h.name + ":reconciler", Interval: time.Hour, Webhooks: true, Log: discardLogger()})
	ctx := context.Background()
	// Another instance holds the round: only the new events' poll queues.
	require.NoError(t, h.rdb.SetNX(ctx, h.name+":reconciler", "elsewhere", time.Hour).Err())
	h.start()
	res, err := h.store.Subscribe(ctx, models.Signup{Email: "soon@example.com", TextVersion: "test"})
	require.NoError(t, err)
	_, err = h.store.Confirm(ctx, res.SubscriberID)
	require.NoError(t, err)
	byID := h.waitDelivered(1)
	for _, calls := range byID {
		require.Equal(t, models.EventSubscriberConfirmed, calls[0].Type)
	}
}

// oneEvent is an outbox of one undelivered event, recording attempts.
type oneEvent struct{ failures []string }

func (o *oneEvent) WebhookEvent(context.Context, string) (models.WebhookEvent, error) {
	return models.WebhookEvent{ID: "msg_1", Type: models.EventSubscriberConfirmed, Payload: "{}"}, nil
}

func (o *oneEvent) RecordWebhookAttempt(_ context.Context, _, failure string) error {
	o.failures = append(o.failures, failure)
	return nil
}

type refusingEndpoint struct{}

func (refusingEndpoint) Send(context.Context, string, []byte) error { return errors.New("POST: 503") }

// Webhooks without a logger logs to slog's default one instead of failing.
func TestWebhooksWithoutALoggerStillRecordAFailure(t *testing.T) {
	t.Parallel()
	store := &oneEvent{}
	w := &worker.Webhooks{Store: store, Sender: refusingEndpoint{}}
	require.ErrorContains(t, w.Deliver(context.Background(), "msg_1"), "503")
	require.Equal(t, []string{"POST: 503"}, store.failures)
}

package main

import (
	"context"
	"io"
	"net/http"

	"github.com/hibiken/asynq"
	"github.com/hibiken/asynqmon"
	"github.com/redis/go-redis/v9"

	"github.com/dripbook/dripbook/api"
	"github.com/dripbook/dripbook/booking"
	"github.com/dripbook/dripbook/drip"
	"github.com/dripbook/dripbook/importer"
	"github.com/dripbook/dripbook/metrics"
	"github.com/dripbook/dripbook/worker"
)

// queuesPath is where the console mounts asynqmon.
const queuesPath = "/admin/queues"

// openMetrics builds the counters and the queue's gauge, and wraps the
// mailer and the booking notifier so every send and booking is logged and
// counted.
func (a *app) openMetrics() {
	a.metrics = metrics.New()
	a.metrics.Registry.MustRegister(metrics.NewQueueCollector(asynq.NewInspectorFromRedisClient(a.rdb), queueName))
	a.mailer = drip.ObservedMailer{Mailer: a.mailer, Observer: a.metrics, Log: a.log, Attempt: worker.Attempt}
}

// observedNotifier hands booking changes to the queue, logged and counted.
func (a *app) observedNotifier() booking.Notifier {
	return booking.ObservedNotifier{Notifier: a.queue, Observer: a.metrics, Log: a.log}
}

// dataDeps is what the console's data routes and /metrics are served from.
func (a *app) dataDeps() api.DataDeps {
	return api.DataDeps{
		Queues:       queueUI(a.rdb),
		Metrics:      a.metrics.Registry,
		Registerer:   a.metrics.Registry,
		MetricsToken: a.cfg.MetricsToken,
		Observer:     a.metrics,
		Import:       a.importList,
	}
}

// importList adds a CSV list, as "dripbook import" does.
func (a *app) importList(ctx context.Context, r io.Reader, opts importer.Options) (importer.Report, error) {
	if opts.Log == nil {
		opts.Log = a.log
	}
	return importer.Load(ctx, r, a.store, a.engine, opts)
}

// queueUI is asynqmon over dripbook's Redis, at queuesPath.
func queueUI(rdb redis.UniversalClient) http.Handler {
	return asynqmon.New(asynqmon.Options{RootPath: queuesPath, RedisConnOpt: sharedRedis{rdb}})
}

// sharedRedis hands asynqmon the client dripbook already has, so it opens
// no connections of its own (and a redis-sentinel:// URL works the same).
type sharedRedis struct{ rdb redis.UniversalClient }

func (s sharedRedis) MakeRedisClient() any { return s.rdb }

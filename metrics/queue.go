package metrics

import (
	"slices"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
)

// queueTasks describes the queue's gauge: tasks by state, read on scrape.
var queueTasks = prometheus.NewDesc("dripbook_queue_tasks", "Tasks in the queue, by state, as the queue reports them at scrape time.",
	[]string{"queue", "state"}, nil)

// QueueCollector asks the queue how many tasks it holds in each state each
// time /metrics is scraped, so the numbers are never stale.
type QueueCollector struct {
	inspector *asynq.Inspector
	queue     string
}

// NewQueueCollector reads queue through inspector.
func NewQueueCollector(inspector *asynq.Inspector, queue string) *QueueCollector {
	return &QueueCollector{inspector: inspector, queue: queue}
}

// Describe implements prometheus.Collector.
func (q *QueueCollector) Describe(ch chan<- *prometheus.Desc) { ch <- queueTasks }

// Collect implements prometheus.Collector. A queue that has never held a
// task has zeros; a queue that cannot be read makes the scrape report an
// error for this gauge alone.
func (q *QueueCollector) Collect(ch chan<- prometheus.Metric) {
	info, err := q.info()
	if err != nil {
		ch <- prometheus.NewInvalidMetric(queueTasks, err)
		return
	}
	for state, n := range map[string]int{
		"pending": info.Pending, "active": info.Active, "scheduled": info.Scheduled, "retry": info.Retry,
		"archived": info.Archived, "completed": info.Completed, "aggregating": info.Aggregating,
	} {
		ch <- prometheus.MustNewConstMetric(queueTasks, prometheus.GaugeValue, float64(n), q.queue, state)
	}
}

// info reads the queue's counts. Asynq only knows a queue once a task has
// been in it; before that, every count is zero.
func (q *QueueCollector) info() (*asynq.QueueInfo, error) {
	queues, err := q.inspector.Queues()
	if err != nil {
		return nil, err
	}
	if !slices.Contains(queues, q.queue) {
		return &asynq.QueueInfo{Queue: q.queue}, nil
	}
	return q.inspector.GetQueueInfo(q.queue)
}

// Package metrics counts what dripbook does, for Prometheus: emails sent and
// failed, how long sending takes, signups, bookings and the queue's tasks.
package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/dripbook/dripbook/booking"
)

// Metrics holds dripbook's counters in a registry of their own, which
// /metrics serves. It implements drip.Observer, booking.Observer and
// api.Observer.
type Metrics struct {
	Registry *prometheus.Registry

	sent     *prometheus.CounterVec
	failed   *prometheus.CounterVec
	duration *prometheus.HistogramVec
	signups  prometheus.Counter
	bookings *prometheus.CounterVec
}

// New registers dripbook's metrics, and the Go runtime's and the process's,
// in a fresh registry.
func New() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dripbook_emails_sent_total", Help: "Emails the relay (or the outbox) accepted, by kind.",
		}, []string{"kind"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dripbook_emails_failed_total", Help: "Sends that failed, by kind and reason (permanent, temporary, paused, unbuildable).",
		}, []string{"kind", "reason"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "dripbook_send_duration_seconds", Help: "How long one send took, accepted or not, by kind.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"kind"}),
		signups: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "dripbook_signups_total", Help: "Signups stored (new, repeated or returning addresses).",
		}),
		bookings: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dripbook_bookings_total", Help: "Booking changes, by event (booked, rescheduled, cancelled, place_changed).",
		}, []string{"event"}),
	}
	m.Registry.MustRegister(m.sent, m.failed, m.duration, m.signups, m.bookings,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, ev := range []booking.Event{booking.EventBooked, booking.EventRescheduled, booking.EventCancelled} {
		m.bookings.WithLabelValues(string(ev)) // shown as 0 before the first one
	}
	return m
}

// EmailSent counts an accepted email.
func (m *Metrics) EmailSent(kind string, took time.Duration) {
	m.sent.WithLabelValues(kind).Inc()
	m.duration.WithLabelValues(kind).Observe(took.Seconds())
}

// EmailFailed counts a failed send.
func (m *Metrics) EmailFailed(kind, reason string, took time.Duration) {
	m.failed.WithLabelValues(kind, reason).Inc()
	m.duration.WithLabelValues(kind).Observe(took.Seconds())
}

// Signup counts a stored signup.
func (m *Metrics) Signup() { m.signups.Inc() }

// BookingChanged counts a booking, move or cancellation.
func (m *Metrics) BookingChanged(event booking.Event) {
	m.bookings.WithLabelValues(string(event)).Inc()
}

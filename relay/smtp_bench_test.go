package relay

import (
	"context"
	"testing"
	"time"

	"github.com/dripbook/dripbook/smtptest"
)

// BenchmarkSMTPPoolVsDialPerMessage sends the same messages through one
// pooled sender and through a fresh sender (one dial) per message, in the same
// run, and reports how many times faster the pool is. Absolute times on a
// shared machine mean little; the ratio is the result.
func BenchmarkSMTPPoolVsDialPerMessage(b *testing.B) {
	srv := smtptest.Start(b)
	ctx := context.Background()
	pooled := MustSender(b, srv, func(o *Options) { o.PoolSize = 1 })

	var pool, dial time.Duration
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		if err := pooled.Send(ctx, smtptest.Message(i)); err != nil {
			b.Fatal(err)
		}
		pool += time.Since(start)

		start = time.Now()
		once := MustSender(b, srv, func(o *Options) { o.PoolSize = 1 })
		if err := once.Send(ctx, smtptest.Message(i)); err != nil {
			b.Fatal(err)
		}
		if err := once.Close(); err != nil {
			b.Fatal(err)
		}
		dial += time.Since(start)
	}
	b.ReportMetric(float64(dial)/float64(pool), "x_faster_pooled")
	b.ReportMetric(float64(pool.Nanoseconds())/float64(b.N), "ns/pooled_send")
	b.ReportMetric(float64(dial.Nanoseconds())/float64(b.N), "ns/dial_send")
}

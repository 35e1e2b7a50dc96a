package main

import (
	"context"
	"os"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/testenv"
)

func TestBenchReportsEveryFigureWithItsRatio(t *testing.T) {
	t.Parallel()
	out := &testenv.Buffer{}
	e := env{} // a temporary SQLite file and the in-process Redis
	err := run(context.Background(), []string{"bench", "-signups", "30", "-subscribers", "30", "-raw", "30", "-clients", "4"}, e.get, out)
	require.NoError(t, err)
	for _, want := range []string{"raw go-mail, 4 connections", "dripbook course wave, 30 lessons", "× raw go-mail",
		"bare Echo JSON handler, 4 clients", "dripbook signups, 4 clients", "× bare Echo, p99", "(target ≥ 0.30×",
		"Redis memory per enrolled subscriber", "in-process Redis", "≤ 1 KB", "RSS idle", "≤ 40 MB", "RSS peak during the wave", "≤ 150 MB"} {
		require.Contains(t, out.String(), want)
	}
}

func TestBenchWeighsTheRedisOfEachSubscriber(t *testing.T) {
	t.Parallel()
	if os.Getenv("TEST_REDIS_URL") == "" {
		t.Skip("TEST_REDIS_URL is not set: the in-process Redis has no MEMORY USAGE")
	}
	out := &testenv.Buffer{}
	// The bench uses the queue's fixed key names: a database of its own.
	e := env{"REDIS_URL": testenv.IsolatedURL(t)}
	err := run(context.Background(), []string{"bench", "-signups", "20", "-subscribers", "20", "-raw", "20", "-clients", "2"}, e.get, out)
	require.NoError(t, err)
	m := regexp.MustCompile(`Redis memory per enrolled subscriber +(\d+) B +≤ 1 KB`).FindStringSubmatch(out.String())
	require.NotNil(t, m, out.String())
	perSub, err := strconv.Atoi(m[1])
	require.NoError(t, err)
	require.Positive(t, perSub, "each subscriber's next lesson waits in Redis")
}

func TestBenchRefusesEmptySizes(t *testing.T) {
	t.Parallel()
	err := run(context.Background(), []string{"bench", "-subscribers", "0"}, env{}.get, &testenv.Buffer{})
	require.ErrorContains(t, err, "-subscribers must be at least 1")
}

// BenchmarkCourseWave profiles the send path: b.N subscribers whose first
// lesson is due, drained by the real worker over the SMTP sink, on
// DATABASE_URL and REDIS_URL when set. Run it with
//
//	go test -run '^$' -bench CourseWave -benchtime 2000x -cpuprofile cpu.out ./cmd/dripbook
//	go tool pprof -top cmd/dripbook.test cpu.out
func BenchmarkCourseWave(b *testing.B) {
	ctx, r := mustStartBench(b)
	raw, err := r.rawMail(ctx, max(b.N, 100), 4)
	require.NoError(b, err)
	b.ResetTimer()
	wave, _, err := r.wave(ctx, b.N)
	require.NoError(b, err)
	b.ReportMetric(wave.rate(), "msg/s")
	b.ReportMetric(wave.rate()/raw.rate(), "×raw")
}

// BenchmarkSignups profiles the signup path over HTTP, as
// BenchmarkCourseWave does the send path.
func BenchmarkSignups(b *testing.B) {
	ctx, r := mustStartBench(b)
	base, err := r.bareEcho(ctx, max(b.N, 100), 16)
	require.NoError(b, err)
	b.ResetTimer()
	fg, err := r.signups(ctx, b.N, 16)
	require.NoError(b, err)
	b.ReportMetric(fg.rate(), "req/s")
	b.ReportMetric(fg.rate()/base.rate(), "×echo")
}

func mustStartBench(b *testing.B) (context.Context, *benchRun) {
	b.Helper()
	ctx := context.Background()
	r, err := startBench(ctx, benchEnv)
	require.NoError(b, err)
	b.Cleanup(func() { require.NoError(b, r.close()) })
	return ctx, r
}

// benchEnv passes DATABASE_URL, REDIS_URL and WORKER_CONCURRENCY through to
// the benchmarks, as "dripbook bench" does.
func benchEnv(k string) string { return os.Getenv(k) }

// The CPU rows read the process's own CPU time, which grows with work done.
func TestProcessCPUCountsWorkDone(t *testing.T) {
	t.Parallel()
	before, ok := processCPU()
	require.True(t, ok, "/proc/self/stat is read")
	deadline := time.Now().Add(30 * time.Second)
	sum := 0
	for {
		for i := range 1_000_000 {
			sum += i % 7
		}
		now, ok := processCPU()
		require.True(t, ok)
		if now-before >= 50*time.Millisecond {
			break
		}
		require.True(t, time.Now().Before(deadline), "no CPU time counted after 30 s of work (sum %d)", sum)
	}
	require.Equal(t, "1.50 ms", milliseconds(1500*time.Microsecond))
	require.Equal(t, 2*time.Millisecond, figure{n: 4, cpu: 8 * time.Millisecond}.cpuEach())
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"time"

	"github.com/hibiken/asynq"
	"golang.org/x/sync/errgroup"

	"github.com/dripbook/dripbook/api"
	"github.com/dripbook/dripbook/config"
	"github.com/dripbook/dripbook/course"
	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/worker"
)

// benchUsage is the help of "dripbook bench".
const benchUsage = `usage: dripbook bench [flags]

Measures dripbook against baselines run in the same process: raw go-mail to
an in-process SMTP sink, and a bare Echo JSON handler. Runs on DATABASE_URL
and REDIS_URL when set (default: a temporary SQLite file and the in-process
Redis). It writes benchmark subscribers: point it at a scratch database and
Redis, never at production.`

// benchFlags are the sizes of one benchmark run.
type benchFlags struct {
	signups, subscribers, raw, clients, conns int
	// profile, when set, is a directory for CPU profiles of the wave and
	// of the signups.
	profile string
}

func parseBenchFlags(args []string, out io.Writer) (benchFlags, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() { say(out, "%s\n\nflags:\n", benchUsage); fs.PrintDefaults() }
	var f benchFlags
	fs.IntVar(&f.signups, "signups", 2000, "signups to POST")
	fs.IntVar(&f.subscribers, "subscribers", 2000, "subscribers whose lesson is due at once (the course wave)")
	fs.IntVar(&f.raw, "raw", 4000, "messages for the raw go-mail baseline")
	fs.IntVar(&f.clients, "clients", 32, "concurrent HTTP clients")
	fs.IntVar(&f.conns, "connections", 4, "SMTP connections of the raw go-mail baseline")
	fs.StringVar(&f.profile, "profile", "", "write CPU profiles of the wave and the signups (wave.pprof, signups.pprof) into this directory")
	if err := fs.Parse(args); err != nil {
		return f, err
	}
	for name, v := range map[string]int{"signups": f.signups, "subscribers": f.subscribers, "raw": f.raw, "clients": f.clients, "connections": f.conns} {
		if v < 1 {
			return f, fmt.Errorf("bench: -%s must be at least 1", name)
		}
	}
	return f, nil
}

func bench(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) (err error) {
	f, err := parseBenchFlags(args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	b, err := startBench(ctx, getenv)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, b.close()) }()

	say(stdout, "dripbook bench: %s, %s, WORKER_CONCURRENCY=%d, %d CPUs\n", b.a.store.Dialect(), b.redisName(), b.a.cfg.Concurrency, runtime.NumCPU())
	raw, err := b.rawMail(ctx, f.raw, f.conns)
	if err != nil {
		return fmt.Errorf("raw go-mail: %w", err)
	}
	b.profile = f.profile
	wave, foot, err := b.wave(ctx, f.subscribers)
	if err != nil {
		return fmt.Errorf("course wave: %w", err)
	}
	// Each baseline is measured before and after the figure it is the base
	// of: on a machine whose load changes during the run, the two move
	// together.
	rawAfter, err := b.rawMail(ctx, f.raw, f.conns)
	if err != nil {
		return fmt.Errorf("raw go-mail: %w", err)
	}
	raw = raw.and(rawAfter)
	echoF, err := b.bareEcho(ctx, f.signups, f.clients)
	if err != nil {
		return fmt.Errorf("bare Echo: %w", err)
	}
	signups, err := b.signups(ctx, f.signups, f.clients)
	if err != nil {
		return fmt.Errorf("signups: %w", err)
	}
	echoAfter, err := b.bareEcho(ctx, f.signups, f.clients)
	if err != nil {
		return fmt.Errorf("bare Echo: %w", err)
	}
	echoF = echoF.and(echoAfter)
	row := func(what string, fg figure, unit string, base *figure, baseName, target string) {
		p99, ratio := "", ""
		if fg.p99 > 0 {
			p99 = fg.p99.Round(10 * time.Microsecond).String()
		}
		if base != nil {
			ratio = fmt.Sprintf("%.2f× %s", fg.rate()/base.rate(), baseName)
			if fg.p99 > 0 && base.p99 > 0 {
				ratio += fmt.Sprintf(", p99 %.1f×", float64(fg.p99)/float64(base.p99))
			}
			ratio += " (target " + target + ")"
		}
		say(stdout, "%-40s %8.0f %-5s %9s   %s\n", what, fg.rate(), unit, p99, ratio)
	}
	say(stdout, "%-40s %14s %9s   %s\n", "", "rate", "p99", "ratio to the baseline above")
	row(fmt.Sprintf("raw go-mail, %d connections", f.conns), raw, "msg/s", nil, "", "")
	row(fmt.Sprintf("dripbook course wave, %d lessons", f.subscribers), wave, "msg/s", &raw, "raw go-mail", "≥ 0.30×")
	row(fmt.Sprintf("bare Echo JSON handler, %d clients", f.clients), echoF, "req/s", nil, "", "")
	row(fmt.Sprintf("dripbook signups, %d clients", f.clients), signups, "req/s", &echoF, "bare Echo", "≥ 0.30×, p99 < 25ms")
	redisMem := "n/a: the in-process Redis lives in the RSS"
	if foot.redisPerSubscriber >= 0 {
		redisMem = fmt.Sprintf("%.0f B", foot.redisPerSubscriber)
	}
	say(stdout, "%-40s %14s   %s\n", "", "measured", "target")
	say(stdout, "%-40s %14s   %s\n", "Redis memory per enrolled subscriber", redisMem, "≤ 1 KB")
	say(stdout, "%-40s %14s   %s\n", "RSS idle, dripbook open", megabytes(foot.idleRSS), "≤ 40 MB")
	say(stdout, "%-40s %14s   %s\n", "RSS peak during the wave", megabytes(foot.peakRSS), "≤ 150 MB")
	if raw.cpu > 0 && wave.cpu > 0 {
		// CPU time varies less than rates on a busy machine; it counts
		// this process only, not the database's or a Redis server's.
		say(stdout, "%-40s %14s\n", "this process's CPU per email, raw go-mail", milliseconds(raw.cpuEach()))
		say(stdout, "%-40s %14s   %.1f× raw go-mail's\n", "this process's CPU per lesson, the wave", milliseconds(wave.cpuEach()),
			float64(wave.cpuEach())/float64(raw.cpuEach()))
	}
	return nil
}

func milliseconds(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
}

// benchRun is one benchmark's dripbook, SMTP sink and clock.
type benchRun struct {
	a    *app
	sink *sink
	dir  string
	run  string // tells this run's benchmark addresses from an earlier run's
	// profile, when set, is where the measured parts write CPU profiles.
	profile string
	// idleRSS is the process's resident memory once dripbook is open, before
	// any load.
	idleRSS int64
}

// startBench opens dripbook as "dripbook" alone would, but with mail going
// to the sink, the signup limits counted in Redis as in production but too
// high for the benchmark to reach, a real course day (only each
// subscriber's first lesson is due), and quiet logs.
func startBench(ctx context.Context, getenv func(string) string) (_ *benchRun, err error) {
	dir, err := os.MkdirTemp("", "dripbook-bench-")
	if err != nil {
		return nil, err
	}
	b := &benchRun{dir: dir, run: strconv.FormatInt(time.Now().UnixNano(), 36)}
	defer func() {
		if err != nil {
			err = errors.Join(err, b.close())
		}
	}()
	if b.sink, err = startSink(); err != nil {
		return nil, err
	}
	over := map[string]string{
		"DATA_DIR": dir, "SMTP_URL": b.sink.url(), "COURSE_DAY": "24h", "COMPANY_ADDRESS": "1 Bench Street", "COURSE_DIR": getenv("COURSE_DIR"),
		"SIGNUP_LIMIT_PER_IP": benchLimit, "SIGNUP_LIMIT_TOTAL": benchLimit, "SIGNUP_LIMIT_PER_MAILBOX": "",
		"DATABASE_URL": getenv("DATABASE_URL"), "REDIS_URL": getenv("REDIS_URL"),
		"WORKER_CONCURRENCY": getenv("WORKER_CONCURRENCY"),
	}
	if over["DATABASE_URL"] == "" {
		over["DATABASE_URL"] = "sqlite://" + filepath.ToSlash(filepath.Join(dir, "bench.db"))
	}
	cfg, err := config.Load(func(k string) string { return over[k] })
	if err != nil {
		return nil, err
	}
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if b.a, err = openConfig(ctx, "", cfg, quiet); err != nil {
		return nil, err
	}
	b.idleRSS, err = procStatus("VmRSS")
	return b, err
}

// benchLimit is the benchmark's limit per client and in total: every
// signup is counted, and none is refused.
const benchLimit = "1000000/1s"

func (b *benchRun) redisName() string {
	if b.a.local != nil {
		return "in-process Redis"
	}
	return "REDIS_URL"
}

func (b *benchRun) close() error {
	var errs []error
	if b.a != nil {
		errs = append(errs, b.a.Close())
	}
	if b.sink != nil {
		errs = append(errs, b.sink.close())
	}
	return errors.Join(append(errs, os.RemoveAll(b.dir))...)
}

// rawMail is the mail baseline: the first lesson, built as dripbook builds
// it, sent n times by go-mail alone.
func (b *benchRun) rawMail(ctx context.Context, n, conns int) (figure, error) {
	lesson := b.a.renderer.Course().Lessons[0]
	sub := models.Subscriber{ID: 1, Email: "raw@bench.example.com", Name: "Bench"}
	msg, err := b.a.engine.LessonMessage(sub, lesson)
	if err != nil {
		return figure{}, err
	}
	before := b.sink.count()
	return withCPU(func() (figure, error) {
		fg, err := rawMail(ctx, b.sink.ln.Addr().String(), msg, n, conns)
		if err != nil {
			return fg, err
		}
		return fg, b.sink.waitFor(ctx, before+n)
	})
}

// wave makes n active subscribers whose first lesson is due now, then
// starts the real worker and measures until the sink has every lesson,
// and what the wave left in Redis and took in memory.
func (b *benchRun) wave(ctx context.Context, n int) (figure, footprint, error) {
	foot := footprint{redisPerSubscriber: -1, idleRSS: b.idleRSS}
	var redisBefore int64
	if b.a.local == nil {
		var err error
		if redisBefore, err = queueMemory(ctx, b.a.rdb); err != nil {
			return figure{}, foot, err
		}
	}
	if err := b.dueSubscribers(ctx, "wave-"+b.run+"-", n); err != nil {
		return figure{}, foot, err
	}
	before := b.sink.count()
	srv := b.a.workerServer()
	fg, err := b.profiled("wave", func() (figure, error) {
		return withCPU(func() (figure, error) {
			peak := peakRSS()
			start := time.Now()
			if err := srv.Start(worker.Mux(b.a.engine)); err != nil {
				return figure{}, err
			}
			err := b.sink.waitFor(ctx, before+n)
			took := time.Since(start)
			srv.Shutdown()
			foot.peakRSS = peak()
			return figure{n: n, took: took}, err
		})
	})
	if err != nil || b.a.local != nil {
		return fg, foot, err
	}
	// Every subscriber now waits in Redis for their next lesson, as an
	// enrolled subscriber does between lessons.
	after, err := queueMemory(ctx, b.a.rdb)
	foot.redisPerSubscriber = float64(after-redisBefore) / float64(n)
	// The next lessons are dropped, so that a later run on the same Redis
	// (and a new SQLite file, whose subscriber IDs start again) plans its
	// own instead of finding these.
	if _, derr := asynq.NewInspectorFromRedisClient(b.a.rdb).DeleteAllScheduledTasks(queueName); derr != nil {
		err = errors.Join(err, derr)
	}
	return fg, foot, err
}

// dueSubscribers signs up and confirms n subscribers, which queues each
// one's first lesson for now.
func (b *benchRun) dueSubscribers(ctx context.Context, prefix string, n int) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for i := range n {
		g.Go(func() error {
			res, err := b.a.store.Subscribe(ctx, models.Signup{Email: prefix + strconv.Itoa(i) + "@bench.example.com",
				Name: "Bench", Timezone: "UTC", TextVersion: course.ConsentVersion(course.DefaultConsent)})
			if err != nil {
				return err
			}
			return b.a.engine.Confirm(ctx, res.SubscriberID)
		})
	}
	return g.Wait()
}

// bareEcho is the signup baseline.
func (b *benchRun) bareEcho(ctx context.Context, n, clients int) (figure, error) {
	srv, url, err := bareEcho()
	if err != nil {
		return figure{}, err
	}
	defer func() { _ = srv.Close() }()
	return load(ctx, url, n, clients, http.StatusAccepted, signupBody("echo-"+b.run+"-"))
}

// signups POSTs n signups to dripbook's JSON API. No worker runs meanwhile,
// and the confirmations they queue are dropped after.
func (b *benchRun) signups(ctx context.Context, n, clients int) (figure, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return figure{}, err
	}
	srv := newHTTPServer(ln.Addr().String(), api.New(b.a.apiDeps()), serverTimeouts)
	go func() { _ = srv.Serve(ln) }()
	fg, err := b.profiled("signups", func() (figure, error) {
		return load(ctx, "http://"+ln.Addr().String()+"/api/v1/subscriptions", n, clients, http.StatusAccepted, signupBody("signup-"+b.run+"-"))
	})
	err = errors.Join(err, srv.Close())
	if _, derr := asynq.NewInspectorFromRedisClient(b.a.rdb).DeleteAllPendingTasks(queueName); derr != nil {
		err = errors.Join(err, derr)
	}
	return fg, err
}

// profiled runs measure, under a CPU profile written to name.pprof in the
// profile directory when there is one.
func (b *benchRun) profiled(name string, measure func() (figure, error)) (_ figure, err error) {
	if b.profile == "" {
		return measure()
	}
	f, err := os.Create(filepath.Join(b.profile, name+".pprof"))
	if err != nil {
		return figure{}, err
	}
	defer func() { err = errors.Join(err, f.Close()) }()
	if err := pprof.StartCPUProfile(f); err != nil {
		return figure{}, err
	}
	defer pprof.StopCPUProfile()
	return measure()
}

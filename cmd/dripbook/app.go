package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/dripbook/dripbook/api"
	"github.com/dripbook/dripbook/booking"
	"github.com/dripbook/dripbook/config"
	"github.com/dripbook/dripbook/course"
	"github.com/dripbook/dripbook/drip"
	"github.com/dripbook/dripbook/emails"
	"github.com/dripbook/dripbook/localredis"
	"github.com/dripbook/dripbook/metrics"
	"github.com/dripbook/dripbook/outbox"
	"github.com/dripbook/dripbook/relay"
	"github.com/dripbook/dripbook/storage"
	"github.com/dripbook/dripbook/token"
	"github.com/dripbook/dripbook/worker"
)

// queueName is the Asynq queue and the prefix of dripbook's other Redis keys.
const queueName = "dripbook"

// app holds every concrete part; open builds it and Close releases it in
// reverse order.
type app struct {
	cfg      *config.Config
	log      *slog.Logger
	store    *storage.Store
	rdb      *redis.Client
	local    *localredis.Server
	renderer *emails.Renderer
	mailer   drip.Mailer
	outbox   *outbox.Outbox
	smtp     *relay.Sender
	queue    *worker.Queue
	engine   *drip.Engine
	bookings *booking.Service
	links    *token.Links
	signer   *token.Signer
	pages    api.Pages
	timing   worker.Timing
	// printPassword is set when the console's password was generated in
	// DATA_DIR, so that start-up shows it.
	printPassword bool
	metrics       *metrics.Metrics
}

func open(ctx context.Context, mode string, getenv func(string) string) (*app, error) {
	cfg, err := config.Load(getenv)
	if err != nil {
		return nil, err
	}
	return openConfig(ctx, mode, cfg, newLogger(cfg, os.Stderr))
}

// openConfig builds the app from a loaded configuration, logging to log.
func openConfig(ctx context.Context, mode string, cfg *config.Config, log *slog.Logger) (_ *app, err error) {
	if (mode == "api" || mode == "worker") && cfg.Embedded() {
		return nil, fmt.Errorf("REDIS_URL: required for \"dripbook %s\": the in-process Redis serves one process only", mode)
	}
	if (mode == "api" || mode == "worker") && cfg.SMTP != nil && cfg.MailDomain == "localhost" {
		return nil, errors.New("MAIL_FROM: real mail cannot come from coach@localhost: set the coach's own sender, e.g. \"Ada Coach <ada@coach.example>\"")
	}
	if (mode == "api" || mode == "worker") && len(cfg.SecretKey) == 0 {
		// A key made here would be this process's alone: every link the
		// others sign or check would be refused.
		return nil, fmt.Errorf("SECRET_KEY: required for \"dripbook %s\": every api and worker process must sign links with the same key", mode)
	}
	if mode == "api" && cfg.AdminPassword == "" {
		return nil, errors.New("ADMIN_PASSWORD: required for \"dripbook api\": the console at /admin is not served without one")
	}
	a := &app{cfg: cfg, log: log}
	defer func() {
		if err != nil {
			err = errors.Join(err, a.Close())
		}
	}()
	if err := cfg.LoadSecret(); err != nil {
		return nil, err
	}
	if mode == "" {
		if a.printPassword, err = cfg.LoadAdminPassword(); err != nil {
			return nil, err
		}
	}
	a.signer = token.NewSigner(cfg.SecretKey)
	a.links = token.NewLinks(cfg.BaseURL, a.signer, func() time.Time { return time.Now().UTC() })
	a.timing = worker.TimingFor(cfg.CourseDay)

	course, err := loadCourse(cfg)
	if err != nil {
		return nil, err
	}
	a.renderer, err = emails.NewRenderer(course, emails.Site{BaseURL: cfg.BaseURL, CompanyAddress: cfg.CompanyAddress, CoachName: cfg.CoachName})
	if err != nil {
		return nil, err
	}
	if a.pages, err = sitePages(course, siteOf(cfg)); err != nil {
		return nil, err
	}

	if a.store, err = storage.Open(cfg.DatabaseURL); err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	if err := a.store.Ping(ctx); err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	// Every process that changes data writes its events to the outbox; the
	// workers deliver them.
	a.store.SetWebhooks(cfg.WebhookURL != "")
	// Erased addresses are remembered by a digest keyed with the secret,
	// the same in every process.
	a.store.SetSuppressionKey(cfg.SecretKey)
	// Every sender may hold a connection, with room for the reconciler and
	// the HTTP handlers beside them.
	if err := a.store.SizePool(cfg.Concurrency + 8); err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	if mode == "" {
		if err := a.store.Migrate(ctx); err != nil {
			return nil, err
		}
	} else if n, err := a.store.PendingMigrations(ctx); err != nil {
		return nil, err
	} else if n > 0 {
		return nil, fmt.Errorf("DATABASE_URL: %d migrations not applied: run \"dripbook migrate\" first", n)
	}

	if err := a.openRedis(ctx); err != nil {
		return nil, err
	}
	if err := a.openMailer(); err != nil {
		return nil, err
	}
	a.openMetrics()
	a.queue = worker.NewQueue(a.rdb, queueName)
	a.engine = drip.NewEngine(drip.Deps{
		Store: a.store, Mailer: a.mailer, Renderer: a.renderer, Links: a.links, Queue: a.queue,
		Schedule: drip.Schedule{Day: cfg.CourseDay, SendHour: cfg.SendHour, DefaultTZ: cfg.DefaultTZ},
		Calls: drip.Calls{
			Coach:   drip.CoachPerson(cfg.CoachName, cfg.CoachEmail, cfg.MailFrom),
			CoachTZ: cfg.Booking.Location,
			// Briefs write dates as the coach reads them.
			CoachLocale: cfg.CoachLocale,
			Place:       cfg.Meeting,
			// The no-show follow-up of a call nobody marked.
			NoShowAfter: cfg.NoShowAfter,
		},
		From: cfg.MailFrom, Domain: cfg.MailDomain, Log: a.log,
	})
	a.bookings = booking.NewService(booking.Deps{
		Store: storage.BookingStore{Store: a.store}, Rules: cfg.Booking, Questions: course.Booking.Questions, DailyChanges: cfg.Limits.BookingChangesPerDay,
		Notifier: a.observedNotifier(), Replanner: a.engine, Log: a.log,
	})
	if names := cfg.Placeholders(); len(names) > 0 {
		a.log.Warn("still the placeholders: subscribers see them in every email and page; set them to the coach's own",
			"variables", strings.Join(names, ", "))
	}
	if cfg.InsecureUnsubscribe() {
		a.log.Warn("BASE_URL is not https: mailbox providers ignore the one-click unsubscribe of every email sent", "base_url", cfg.BaseURL)
	}
	if sc := cfg.Scheduler; cfg.BookingURL != "" && sc.CalcomSecret == "" && sc.CalendlySecret == "" {
		a.log.Warn("BOOKING_URL is set without CALCOM_WEBHOOK_SECRET or CALENDLY_WEBHOOK_SECRET: calls booked there do not stop the sales lessons")
	}
	return a, nil
}

func (a *app) openRedis(ctx context.Context) error {
	if s := a.cfg.RedisSentinel; s != nil {
		// The failover client asks the sentinels for the primary, and again
		// whenever it changes; Asynq runs on this client too.
		a.rdb = redis.NewFailoverClient(&redis.FailoverOptions{
			MasterName: s.Master, SentinelAddrs: s.Addrs,
			Username: s.Username, Password: s.Password, DB: s.DB,
		})
		if err := a.rdb.Ping(ctx).Err(); err != nil {
			return fmt.Errorf("REDIS_URL: sentinel master %q: %w", s.Master, err)
		}
		return nil
	}
	url := a.cfg.RedisURL
	if url == "" {
		local, err := localredis.Start()
		if err != nil {
			return err
		}
		a.local = local
		url = local.URL()
		a.log.Warn("using an in-process Redis: fine for one machine; set REDIS_URL in production")
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		return fmt.Errorf("REDIS_URL: %w", err)
	}
	a.rdb = redis.NewClient(opts)
	if err := a.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("REDIS_URL: %w", err)
	}
	return nil
}

func (a *app) openMailer() error {
	if a.cfg.SMTP == nil {
		ob, err := outbox.New(filepath.Join(a.cfg.DataDir, "outbox"))
		if err != nil {
			return err
		}
		a.outbox, a.mailer = ob, ob
		a.log.Warn("SMTP_URL is not set: mail is captured to the outbox, not sent", "dir", filepath.Join(a.cfg.DataDir, "outbox"))
		return nil
	}
	opts := *a.cfg.SMTP
	opts.Log = a.log // the pause and resume of sending when the relay fails
	if opts.MaxPerSecond > 0 {
		// The relay's limit holds for every worker on this Redis together.
		opts.Pacer = relay.NewSharedPacer(a.rdb, queueName+":smtp-pace", opts.MaxPerSecond, a.log)
	}
	s, err := relay.NewSender(opts)
	if err != nil {
		return fmt.Errorf("SMTP_URL: %w", err)
	}
	a.smtp, a.mailer = s, s
	return nil
}

func (a *app) apiDeps() api.Deps {
	d := api.Deps{
		Store: a.store, Course: a.engine, Signer: a.signer, Links: a.links,
		Redis:   redisPinger{a.rdb},
		BaseURL: a.cfg.BaseURL, CourseTitle: a.renderer.Course().Title,
		CoachName: a.cfg.CoachName, CompanyAddress: a.cfg.CompanyAddress, Pages: a.pages,
		TrustedProxies: a.cfg.TrustedProxies, Log: a.log,
		Bookings: a.bookings, BookingURL: a.cfg.BookingURL,
		Scheduler: api.Scheduler{
			NameParam: a.cfg.Scheduler.NameParam, EmailParam: a.cfg.Scheduler.EmailParam, RefParam: a.cfg.Scheduler.RefParam,
			CalcomSecret: a.cfg.Scheduler.CalcomSecret, CalendlySecret: a.cfg.Scheduler.CalendlySecret,
		},
		IsLesson: func(slug string) bool {
			_, _, ok := a.renderer.Course().Lesson(slug)
			return ok
		},
		Coach:  drip.CoachPerson(a.cfg.CoachName, a.cfg.CoachEmail, a.cfg.MailFrom),
		Limits: apiLimits(a.cfg.Limits, a.rdb),
		Place:  a.cfg.Meeting, CoachPhotoURL: a.cfg.CoachPhotoURL,

		AdminPassword: a.cfg.AdminPassword,
		WebhooksOn:    a.cfg.WebhookURL != "",
		Lessons:       lessonSlugs(a.renderer.Course()),
		Tasks:         a.queue,
		Bounces:       a.engine,
		NoShows:       a.engine,
		Data:          a.dataDeps(),
	}
	if a.outbox != nil {
		d.Mailbox = a.outbox
	}
	d.Sending = a.pauses()
	return d
}

// pauses is the board that shares the relay's pause between processes.
// workerServer is the Asynq server that runs the engine's tasks, as every
// mode that sends builds it.
func (a *app) workerServer() *asynq.Server {
	return worker.NewServer(worker.ServerConfig{Redis: a.rdb, Queue: queueName, Concurrency: a.cfg.Concurrency,
		Timing: a.timing, ShutdownTimeout: shutdownGrace, Log: a.log, LogLevel: a.cfg.LogLevel})
}

func (a *app) pauses() *worker.PauseBoard {
	var local worker.Pauser
	if a.smtp != nil {
		local = a.smtp
	}
	return worker.NewPauseBoard(a.rdb, queueName+":sending-paused", local, a.log)
}

// apiLimits counts the configured limits in rdb, under dripbook's prefix so
// that every api process shares them.
func apiLimits(l config.Limits, rdb redis.UniversalClient) api.Limits {
	return api.Limits{
		Redis: rdb, Prefix: queueName + ":limit:",
		SignupPerIP:      api.Rate(l.SignupPerIP),
		SignupPerMailbox: api.Rate(l.SignupPerMailbox),
		SignupTotal:      api.Rate(l.SignupTotal),
		BookingPerIP:     api.Rate(l.BookingPerIP),
		LoginPerIP:       loginRate,
	}
}

// loginRate is how many console sign-ins one client may try: enough for
// typos, far too few to guess a password.
var loginRate = api.Rate{N: 10, Per: 15 * time.Minute}

func lessonSlugs(c *course.Course) []string {
	slugs := make([]string, 0, len(c.Lessons))
	for _, l := range c.Lessons {
		slugs = append(slugs, l.Slug)
	}
	return slugs
}

// Close releases everything open, newest first.
func (a *app) Close() error {
	var errs []error
	if a.smtp != nil {
		errs = append(errs, a.smtp.Close())
	}
	if a.rdb != nil {
		errs = append(errs, a.rdb.Close())
	}
	if a.local != nil {
		a.local.Close()
	}
	if a.store != nil {
		errs = append(errs, a.store.Close())
	}
	return errors.Join(errs...)
}

func loadCourse(cfg *config.Config) (*course.Course, error) {
	fsys := course.Default()
	if cfg.CourseDir != "" {
		if _, err := os.Stat(cfg.CourseDir); err != nil {
			return nil, fmt.Errorf("COURSE_DIR: %w", err)
		}
		fsys = os.DirFS(cfg.CourseDir)
	}
	c, err := course.Load(fsys)
	if err != nil {
		return nil, fmt.Errorf("the course has problems (run \"dripbook course check\"):\n%w", err)
	}
	return c, nil
}

// redisPinger adapts go-redis to the readiness check.
type redisPinger struct{ rdb *redis.Client }

func (p redisPinger) Ping(ctx context.Context) error { return p.rdb.Ping(ctx).Err() }

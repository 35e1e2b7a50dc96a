package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/dripbook/dripbook/api"
	"github.com/dripbook/dripbook/config"
	"github.com/dripbook/dripbook/storage"
	"github.com/dripbook/dripbook/webhooks"
	"github.com/dripbook/dripbook/worker"
)

// shutdownGrace bounds how long HTTP requests and in-flight tasks get to
// finish after SIGTERM: longer than a relay transaction may take (the SMTP
// timeout, 15 s by default), so a send under way is recorded, not cut off
// and sent again after the restart.
const shutdownGrace = 20 * time.Second

func serve(ctx context.Context, mode string, getenv func(string) string, stdout io.Writer) (err error) {
	a, err := open(ctx, mode, getenv)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, a.Close()) }()
	if err := a.store.MarkSuppressionKey(ctx); err != nil {
		return err
	}

	// Bound first, served last: a port in use fails before any work starts,
	// and nothing is answered before the operator has been told where
	// dripbook is.
	ln, err := net.Listen("tcp", a.cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("HTTP_ADDR: %w", err)
	}
	defer func() { _ = ln.Close() }() // Serve closes it too; this covers a return before Serve

	errc := make(chan error, 1)
	if mode == "" || mode == "worker" {
		srv := a.workerServer()
		mux := worker.Mux(a.engine)
		hooks := a.cfg.WebhookURL != ""
		if hooks {
			worker.HandleWebhooks(mux, &worker.Webhooks{Store: a.store, Sender: webhooks.NewSender(a.cfg.WebhookURL, a.cfg.WebhookKey), Log: a.log})
		}
		if err := srv.Start(mux); err != nil {
			return fmt.Errorf("start worker: %w", err)
		}
		defer srv.Shutdown()
		rec := worker.NewReconciler(worker.ReconcilerDeps{Store: a.store, Queue: a.queue, Redis: a.rdb,
			LockKey: queueName + ":reconciler", Interval: a.timing.Reconcile, Webhooks: hooks, NoShows: a.engine, Enroller: a.engine, Log: a.log})
		recCtx, stopRec := context.WithCancel(ctx)
		recDone := make(chan struct{})
		go func() { rec.Run(recCtx); close(recDone) }()
		// Deferred calls run last-first: the reconciler stops before the
		// worker and long before the store and Redis close.
		defer func() { stopRec(); <-recDone }()
		if a.smtp != nil {
			// The console may run in another process: post the relay's pause.
			boardCtx, stopBoard := context.WithCancel(ctx)
			boardDone := make(chan struct{})
			go func() { a.pauses().Run(boardCtx, time.Second); close(boardDone) }()
			defer func() { stopBoard(); <-boardDone }()
		}
		a.log.Info("worker started", "concurrency", a.cfg.Concurrency, "course_day", a.cfg.CourseDay.String())
	}
	// Every mode listens on HTTP_ADDR: the worker only for its health checks.
	deps := a.apiDeps()
	if mode != "" {
		deps.Mailbox = nil // /dev/mail belongs to the one-process default only
	}
	handler := http.Handler(api.NewHealth(deps))
	if mode == "" || mode == "api" {
		handler = api.New(deps)
	}
	httpSrv := newHTTPServer(a.cfg.HTTPAddr, handler, serverTimeouts)
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		if err := httpSrv.Shutdown(sctx); err != nil {
			a.log.Error("http shutdown", "error", err)
		}
	}()
	a.log.Info("http listening", "addr", a.cfg.HTTPAddr)
	if mode == "" || mode == "api" {
		say(stdout, "dripbook is running: open %s\n", a.cfg.BaseURL)
		say(stdout, "the coach's console is at %s/admin\n", a.cfg.BaseURL)
		if a.printPassword {
			say(stdout, "console password (kept in %s): %s\n", filepath.Join(a.cfg.DataDir, "admin_password"), a.cfg.AdminPassword)
		}
		if deps.Mailbox != nil {
			say(stdout, "mail is captured, not sent: read it at %s/dev/mail\n", a.cfg.BaseURL)
			if loopback(a.cfg.HTTPAddr) {
				say(stdout, "listening on %s only: set HTTP_ADDR to serve other machines too\n", a.cfg.HTTPAddr)
			}
		}
	}
	go func() {
		if err := httpSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("HTTP_ADDR: %w", err)
		}
	}()
	select {
	case <-ctx.Done():
		a.log.Info("shutting down")
		return nil
	case err := <-errc:
		return err
	}
}

func migrate(ctx context.Context, getenv func(string) string, stdout io.Writer) (err error) {
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	store, err := storage.Open(cfg.DatabaseURL)
	if err != nil {
		return fmt.Errorf("DATABASE_URL: %w", err)
	}
	defer func() { err = errors.Join(err, store.Close()) }()
	if err := store.Migrate(ctx); err != nil {
		return err
	}
	say(stdout, "database is up to date\n")
	return nil
}

// say tells the operator something on stdout. A terminal that went away is
// no reason to stop serving, so a failed write is ignored.
func say(w io.Writer, format string, args ...any) {
	_, _ = fmt.Fprintf(w, format, args...)
}

// timeouts bound every phase of an HTTP connection, so slow or idle clients
// cannot hold connections open.
type timeouts struct {
	header, read, write, idle time.Duration
}

// serverTimeouts fit small form posts and pages: nothing dripbook serves
// takes a client long to send or to read, but a console import and an
// export, which move their own deadlines.
var serverTimeouts = timeouts{header: 10 * time.Second, read: 30 * time.Second, write: 30 * time.Second, idle: 60 * time.Second}

// maxHeaderBytes is far above any real browser's headers.
const maxHeaderBytes = 64 << 10

func newHTTPServer(addr string, h http.Handler, t timeouts) *http.Server {
	return &http.Server{
		Addr: addr, Handler: h,
		ReadHeaderTimeout: t.header, ReadTimeout: t.read, WriteTimeout: t.write, IdleTimeout: t.idle,
		MaxHeaderBytes: maxHeaderBytes,
	}
}

// loopback reports whether addr listens on this machine alone.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

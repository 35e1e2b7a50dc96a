// Command dripbook runs the drip course and booking service: everything in
// one process by default, or one part per process in production.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	// The zone database inside the binary: a minimal container without one
	// still knows every subscriber's and the coach's zone.
	_ "time/tzdata"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "dripbook:", err) //nolint:errcheck // stderr is the last resort
		os.Exit(1)
	}
}

const usage = `usage: dripbook [command]

commands:
  (none)                  HTTP, worker and reconciler in one process
  api                     the HTTP server only
  worker                  the worker and reconciler only
  migrate                 apply database migrations and exit
  course check            validate the course (COURSE_DIR or the built-in one)
  course render --out DIR write every email as .html, .txt and .eml
  course send-test --to ADDRESS
                          send the whole course to one address now
  bench [flags]           measure sending and signups against raw go-mail
                          and bare Echo, in one run (dripbook bench -h)
  import FILE.csv --consent-source TEXT [--confirmed]
                          add a list (columns by header: email, name, timezone);
                          every row is checked first, and a bad one imports nothing;
                          --confirmed makes them active and starts the course
  version                 the build: version, commit and Go

configuration is read from the environment; see README.md`

// run is the whole program, minus the process: arguments, environment and
// output are passed in so tests can drive it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	mode := ""
	if len(args) > 0 {
		mode = args[0]
	}
	switch mode {
	case "", "api", "worker":
		return serve(ctx, mode, getenv, stdout)
	case "migrate":
		return migrate(ctx, getenv, stdout)
	case "course":
		return courseCommand(ctx, args[1:], getenv, stdout)
	case "bench":
		return bench(ctx, args[1:], getenv, stdout)
	case "import":
		return importCommand(ctx, args[1:], getenv, stdout)
	case "version", "--version":
		return version(stdout)
	case "help", "-h", "--help":
		_, err := fmt.Fprintln(stdout, usage)
		return err
	default:
		return fmt.Errorf("unknown command %q\n\n%s", mode, usage)
	}
}

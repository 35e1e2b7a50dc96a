package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/dripbook/dripbook/importer"
	"github.com/dripbook/dripbook/storage"
)

// barFrom is the smallest file that gets a progress bar: smaller ones are
// done before a bar would say anything.
const barFrom = 1 << 20

// importCommand runs "dripbook import FILE.csv --consent-source TEXT
// [--confirmed]".
func importCommand(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) (err error) {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	source := fs.String("consent-source", "", "where these people agreed to hear from you (kept with each consent)")
	confirmed := fs.Bool("confirmed", false, "they have already confirmed: make them active and start the course, no confirmation email")
	file, rest := "", args
	if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		file, rest = rest[0], rest[1:]
	}
	if err := fs.Parse(rest); err != nil {
		return fmt.Errorf("import: %w\n\n%s", err, usage)
	}
	if file == "" && fs.NArg() > 0 {
		file = fs.Arg(0)
	}
	if file == "" || (fs.NArg() > 0 && fs.Arg(0) != file) || fs.NArg() > 1 {
		return fmt.Errorf("import: name one CSV file\n\n%s", usage)
	}
	if strings.TrimSpace(*source) == "" {
		return errors.New(`import: --consent-source "TEXT" is required: say where these people agreed to hear from you`)
	}

	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer func() { err = errors.Join(err, f.Close()) }()
	a, err := open(ctx, "import", getenv)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, a.Close()) }()

	bars := newBars(f)
	list, err := importer.Parse(bars.reader(f))
	bars.done()
	if err != nil {
		return err
	}
	rep, err := importer.Import(ctx, list, a.store, a.engine, importer.Options{
		ConsentSource: *source, Confirmed: *confirmed, Progress: bars, Log: a.log,
	})
	bars.done()
	if err != nil {
		return err
	}
	state := "pending, each sent the confirmation email"
	if *confirmed {
		state = "active, enrolled in the course"
	}
	say(stdout, "imported %d new subscribers (%s); %d already on the list, left as they were; %d duplicate rows merged\n",
		rep.Created, state, rep.Existing, rep.Duplicates)
	if rep.Erased > 0 {
		say(stdout, "%d addresses left out: their subscribers were erased at their request\n", rep.Erased)
	}
	if rep.OverQuota > 0 {
		say(stdout, "%d new addresses not added: their mailbox already had %d confirmation emails in the last day; import the file again tomorrow to add them\n",
			rep.OverQuota, storage.ConfirmLimit)
	}
	if rep.Unqueued > 0 {
		say(stdout, "%d first emails could not be queued now: the running dripbook queues them from the database\n", rep.Unqueued)
	}
	if a.cfg.Embedded() {
		say(stdout, "the running dripbook sends the emails (REDIS_URL is not set, so this command cannot queue them itself)\n")
	}
	return nil
}

// bars shows an import's progress on stderr, when stderr is a terminal and
// the file is large; otherwise it shows nothing.
type bars struct {
	on  bool
	bar *progressbar.ProgressBar
}

func newBars(f *os.File) *bars {
	info, err := f.Stat()
	on := err == nil && info.Size() >= barFrom && term.IsTerminal(int(os.Stderr.Fd()))
	b := &bars{on: on}
	if on {
		b.bar = progressbar.NewOptions64(info.Size(), progressbar.OptionSetWriter(os.Stderr),
			progressbar.OptionSetDescription("checking"), progressbar.OptionShowBytes(true), progressbar.OptionClearOnFinish())
	}
	return b
}

// reader counts the file's bytes as they are read.
func (b *bars) reader(r io.Reader) io.Reader {
	if !b.on {
		return r
	}
	pr := progressbar.NewReader(r, b.bar)
	return &pr
}

// Phase starts a bar counting rows.
func (b *bars) Phase(name string, total int) {
	if !b.on {
		return
	}
	b.done()
	b.bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(os.Stderr),
		progressbar.OptionSetDescription(name), progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
}

// Add moves the bar on.
func (b *bars) Add(n int) {
	if b.on && b.bar != nil {
		_ = b.bar.Add(n)
	}
}

func (b *bars) done() {
	if b.on && b.bar != nil {
		_ = b.bar.Finish()
	}
}

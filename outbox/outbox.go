package outbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime"
	"net/mail"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/dripbook/dripbook/fault"
	"github.com/dripbook/dripbook/message"
	"github.com/dripbook/dripbook/relay"
)

// Outbox captures mail as .eml files instead of sending it, for development:
// the whole product runs on one machine and /dev/mail shows what went out.
type Outbox struct {
	dir string
}

// Item summarises one captured message for a list view.
type Item struct {
	Name    string
	Subject string
	To      string
	Date    time.Time
}

// New creates dir if needed and captures mail there.
func New(dir string) (*Outbox, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create outbox: %w", err)
	}
	return &Outbox{dir: dir}, nil
}

// Send writes the full RFC 5322 message as <unixnano>-<id>.eml. It writes a
// temporary file and renames it, so a reader never sees half a message.
func (o *Outbox) Send(ctx context.Context, m *message.Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	msg, err := relay.Build(m)
	if err != nil {
		return fmt.Errorf("outbox: %w: %w", message.ErrUnbuildable, err)
	}
	var buf bytes.Buffer
	if _, err := msg.WriteTo(&buf); err != nil {
		return fmt.Errorf("outbox: write message: %w", err)
	}
	name := fmt.Sprintf("%d-%s.eml", time.Now().UnixNano(), safeName(msg.GetMessageID()))
	tmp, err := os.CreateTemp(o.dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	_, err = tmp.Write(buf.Bytes())
	if err = errors.Join(err, tmp.Close()); err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(o.dir, name))
	}
	if err != nil {
		// Leave no half-written file behind for List to trip over.
		return errors.Join(fmt.Errorf("outbox: save %s: %w", name, err), os.Remove(tmp.Name()))
	}
	return nil
}

// safeName keeps the parts of a Message-ID that are safe in a file name.
func safeName(id string) string {
	id = strings.Trim(id, "<>")
	var b strings.Builder
	for _, r := range id {
		if b.Len() >= 100 {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '@':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "message"
	}
	return b.String()
}

// List returns the captured messages, newest first.
func (o *Outbox) List() ([]Item, error) {
	entries, err := os.ReadDir(o.dir)
	if err != nil {
		return nil, fmt.Errorf("list outbox: %w", err)
	}
	var items []Item
	for _, e := range entries {
		if !validOutboxName(e.Name()) || !e.Type().IsRegular() {
			continue
		}
		item, err := o.summary(e.Name())
		if err != nil {
			continue // a file someone dropped in by hand; not ours to show
		}
		items = append(items, item)
	}
	// Names start with the send time in nanoseconds, all of the same width
	// for centuries, so they sort by time.
	sort.Slice(items, func(i, j int) bool { return items[i].Name > items[j].Name })
	return items, nil
}

func (o *Outbox) summary(name string) (Item, error) {
	f, err := os.Open(filepath.Join(o.dir, name))
	if err != nil {
		return Item{}, err
	}
	defer f.Close() //nolint:errcheck // read-only: a failed close loses nothing
	msg, err := mail.ReadMessage(f)
	if err != nil {
		return Item{}, err
	}
	dec := mime.WordDecoder{}
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		subject = msg.Header.Get("Subject")
	}
	to, err := dec.DecodeHeader(msg.Header.Get("To"))
	if err != nil {
		to = msg.Header.Get("To")
	}
	date, _ := msg.Header.Date()
	return Item{Name: name, Subject: subject, To: to, Date: date}, nil
}

// ErrNotFound is returned by Open for a name that is not a captured
// message, including any attempt to reach outside the outbox folder.
var ErrNotFound = fault.New(fault.NotFound, "", "no such message in the outbox")

// Open reads and parses one captured message. name must be a plain .eml file
// name as returned by List.
func (o *Outbox) Open(name string) (*message.Parsed, error) {
	if !validOutboxName(name) {
		return nil, fmt.Errorf("open %q: %w", name, ErrNotFound)
	}
	root, err := os.OpenRoot(o.dir)
	if err != nil {
		return nil, fmt.Errorf("open outbox: %w", err)
	}
	defer root.Close() //nolint:errcheck // read-only: a failed close loses nothing
	// os.Root refuses symlinks that lead out of the folder, too.
	raw, err := root.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("open %q: %w: %w", name, ErrNotFound, err)
	}
	return message.ParseMessage(raw)
}

// validOutboxName accepts only names Send could have written: no path
// separators and no leading dot, so neither "../x.eml" nor a temporary file.
func validOutboxName(name string) bool {
	if !strings.HasSuffix(name, ".eml") || strings.HasPrefix(name, ".") || len(name) > 255 {
		return false
	}
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '@', r == '_':
		default:
			return false
		}
	}
	return true
}

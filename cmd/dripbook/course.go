package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dripbook/dripbook/api"
	"github.com/dripbook/dripbook/config"
	"github.com/dripbook/dripbook/course"
	"github.com/dripbook/dripbook/emails"
	"github.com/dripbook/dripbook/message"
	"github.com/dripbook/dripbook/outbox"
	"github.com/dripbook/dripbook/relay"
	"github.com/dripbook/dripbook/token"
)

// courseCommand runs "dripbook course check|render|send-test".
func courseCommand(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("course: say check, render or send-test\n\n%s", usage)
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	c, err := loadCourse(cfg)
	if err != nil {
		return err
	}
	switch args[0] {
	case "check":
		if _, err := sitePages(c, siteOf(cfg)); err != nil {
			return err
		}
		last := c.Lessons[len(c.Lessons)-1]
		say(stdout, "course %q is fine: %d lessons over %d days, %d booking questions%s\n",
			c.Title, len(c.Lessons), last.Day, len(c.Booking.Questions), trackSummary(c))
		if len(c.Borrowed) > 0 {
			say(stdout, "from the built-in course, as the folder does not write them: %s\n", strings.Join(c.Borrowed, ", "))
		}
		return nil
	case "render":
		fs := flag.NewFlagSet("course render", flag.ContinueOnError)
		out := fs.String("out", "", "folder to write the emails to")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *out == "" {
			return errors.New("course render: --out DIR is required")
		}
		if err := renderCourse(cfg, c, *out, stdout); err != nil {
			return err
		}
		return renderPages(cfg, c, filepath.Join(*out, "pages"), stdout)
	case "send-test":
		fs := flag.NewFlagSet("course send-test", flag.ContinueOnError)
		to := fs.String("to", "", "address to send the whole course to")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *to == "" {
			return errors.New("course send-test: --to ADDRESS is required")
		}
		return sendTestCourse(ctx, cfg, c, *to, stdout)
	default:
		return fmt.Errorf("course: unknown command %q\n\n%s", args[0], usage)
	}
}

// sample renders every email of the course for one made-up subscriber, marked
// as a test.
func sample(cfg *config.Config, c *course.Course, to string) ([]*message.Message, error) {
	if err := cfg.LoadSecret(); err != nil {
		return nil, err
	}
	r, err := emails.NewRenderer(c, emails.Site{BaseURL: cfg.BaseURL, CompanyAddress: cfg.CompanyAddress, CoachName: cfg.CoachName})
	if err != nil {
		return nil, err
	}
	links := token.NewLinks(cfg.BaseURL, token.NewSigner(cfg.SecretKey), time.Now)
	const id = 0 // no subscriber has id 0: the links lead nowhere
	stamp := time.Now().UTC().Format("20060102T150405")
	vars := course.Vars{FirstName: "Alex", ConfirmURL: links.Confirm(id), UnsubscribeURL: links.Unsubscribe(id), ScorecardURL: links.Scorecard(id)}
	em, err := r.Confirmation(vars)
	if err != nil {
		return nil, err
	}
	msgs := []*message.Message{testMessage(cfg, to, "confirm", stamp, em, c.Title, "")}
	for _, l := range c.Lessons {
		vars.BookingURL = links.Book(id, l.Slug)
		em, err := r.Lesson(l.Slug, vars)
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, testMessage(cfg, to, l.Slug, stamp, em, c.Title, vars.UnsubscribeURL))
	}
	vars.BookingURL = links.Reschedule(id)
	for _, l := range c.Track(course.TrackNoShow) {
		em, err := r.TrackLesson(course.TrackNoShow, l.Slug, vars)
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, testMessage(cfg, to, l.Slug, stamp, em, c.Title, vars.UnsubscribeURL))
	}
	return msgs, nil
}

func testMessage(cfg *config.Config, to, slug, stamp string, em message.Content, title, unsubscribe string) *message.Message {
	m := &message.Message{
		From: cfg.MailFrom, To: to, Subject: "[TEST] " + em.Subject, Text: em.Text, HTML: em.HTML,
		MessageID: fmt.Sprintf("test.%s.%s@%s", stamp, slug, cfg.MailDomain),
	}
	if unsubscribe != "" {
		m.Headers = message.CourseHeaders(title, cfg.MailDomain, unsubscribe)
	}
	return m
}

func renderCourse(cfg *config.Config, c *course.Course, dir string, stdout io.Writer) error {
	msgs, err := sample(cfg, c, "alex@example.com")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("course render: %w", err)
	}
	names := []string{"00-confirm"}
	for i, l := range c.Lessons {
		names = append(names, fmt.Sprintf("%02d-%s", i+1, l.Slug))
	}
	for i, l := range c.Track(course.TrackNoShow) {
		names = append(names, fmt.Sprintf("%s-%d-%s", course.TrackNoShow, i+1, l.Slug))
	}
	for i, m := range msgs {
		base := filepath.Join(dir, names[i])
		if err := os.WriteFile(base+".html", []byte(m.HTML), 0o644); err != nil {
			return fmt.Errorf("course render: %w", err)
		}
		if err := os.WriteFile(base+".txt", []byte(m.Text), 0o644); err != nil {
			return fmt.Errorf("course render: %w", err)
		}
		if err := writeEML(base+".eml", m); err != nil {
			return fmt.Errorf("course render: %w", err)
		}
	}
	_, err = fmt.Fprintf(stdout, "wrote %d emails to %s\n", len(msgs), dir)
	return err
}

func writeEML(path string, m *message.Message) error {
	msg, err := relay.Build(m)
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	_, err = msg.WriteTo(f)
	return errors.Join(err, f.Close())
}

func sendTestCourse(ctx context.Context, cfg *config.Config, c *course.Course, to string, stdout io.Writer) (err error) {
	msgs, err := sample(cfg, c, to)
	if err != nil {
		return err
	}
	var send func(context.Context, *message.Message) error
	if cfg.SMTP == nil {
		ob, err := outbox.New(filepath.Join(cfg.DataDir, "outbox"))
		if err != nil {
			return err
		}
		send = ob.Send
		say(stdout, "SMTP_URL is not set: the emails go to the outbox (see /dev/mail)\n")
	} else {
		s, err := relay.NewSender(*cfg.SMTP)
		if err != nil {
			return fmt.Errorf("SMTP_URL: %w", err)
		}
		// The relay may refuse the last message only at QUIT: report it.
		defer func() { err = errors.Join(err, s.Close()) }()
		send = s.Send
	}
	for i, m := range msgs {
		if err := send(ctx, m); err != nil {
			return fmt.Errorf("send %q: %w", m.Subject, err)
		}
		say(stdout, "sent %d/%d: %s\n", i+1, len(msgs), m.Subject)
	}
	return nil
}

// trackSummary tells the coach about the no-show follow-up, if the course
// has one.
func trackSummary(c *course.Course) string {
	if n := len(c.Track(course.TrackNoShow)); n > 0 {
		return fmt.Sprintf(", and a no-show follow-up of %d lessons", n)
	}
	return ""
}

// renderPages writes the pages visitors read, as the course folder writes
// them, to dir.
func renderPages(cfg *config.Config, c *course.Course, dir string, stdout io.Writer) error {
	pages, err := sitePages(c, siteOf(cfg))
	if err != nil {
		return err
	}
	site := api.Deps{BaseURL: cfg.BaseURL, CourseTitle: c.Title, CoachName: cfg.CoachName, CompanyAddress: cfg.CompanyAddress, Pages: pages}
	files, err := api.Preview(site, cfg.Booking, time.Now())
	if err != nil {
		return fmt.Errorf("course render: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("course render: %w", err)
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.Name), f.HTML, 0o644); err != nil {
			return fmt.Errorf("course render: %w", err)
		}
	}
	say(stdout, "wrote the landing, check-your-inbox, confirmed and booking pages to %s\n", dir)
	return nil
}

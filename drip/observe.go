package drip

// Watching every send: one log line and the counters per email.

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/dripbook/dripbook/message"
	"github.com/dripbook/dripbook/models"
)

// Observer is told how each send went; the metrics package implements it.
// kind is a models.Kind; reason is one of the Reason constants.
type Observer interface {
	EmailSent(kind string, took time.Duration)
	EmailFailed(kind, reason string, took time.Duration)
}

// Why a send failed, as counted.
const (
	ReasonPermanent   = "permanent"   // the address refused it for good
	ReasonTemporary   = "temporary"   // worth retrying
	ReasonPaused      = "paused"      // sending is paused while the relay fails
	ReasonUnbuildable = "unbuildable" // the message could not be written
)

// ObservedMailer wraps a Mailer: it logs one line per email and tells the
// Observer, neither of which the engine then has to know about.
type ObservedMailer struct {
	Mailer   Mailer
	Observer Observer     // nil: nothing counted
	Log      *slog.Logger // nil: slog's default
	// Attempt says which try of its task a send is (1 for the first); nil
	// or 0 leaves it out of the log.
	Attempt func(context.Context) int
	Now     func() time.Time // nil: the real clock
}

// Send sends m through the wrapped Mailer.
func (o ObservedMailer) Send(ctx context.Context, m *message.Message) error {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	start := now()
	err := o.Mailer.Send(ctx, m)
	took := now().Sub(start)

	about := Describe(m.MessageID)
	attrs := []any{"kind", about.Kind, "message_id", m.MessageID, "latency_ms", float64(took.Microseconds()) / 1000}
	if about.SubscriberID != 0 {
		attrs = append(attrs, "subscriber_id", about.SubscriberID)
	}
	if about.BookingID != 0 {
		attrs = append(attrs, "booking_id", about.BookingID)
	}
	if about.Lesson != "" {
		attrs = append(attrs, "lesson", about.Lesson)
	}
	if o.Attempt != nil {
		if n := o.Attempt(ctx); n > 0 {
			attrs = append(attrs, "attempt", n)
		}
	}
	log := o.Log
	if log == nil {
		log = slog.Default()
	}
	if err == nil {
		log.InfoContext(ctx, "email sent", attrs...)
		if o.Observer != nil {
			o.Observer.EmailSent(string(about.Kind), took)
		}
		return nil
	}
	reason := FailureReason(err)
	log.WarnContext(ctx, "email not sent", append(attrs, "reason", reason, "error", err)...)
	if o.Observer != nil {
		o.Observer.EmailFailed(string(about.Kind), reason, took)
	}
	return err
}

// FailureReason sorts a Mailer's error into one of the Reason constants.
func FailureReason(err error) string {
	if _, paused := message.PausedUntil(err); paused {
		return ReasonPaused
	}
	switch {
	case errors.Is(err, message.ErrUnbuildable):
		return ReasonUnbuildable
	case errors.Is(err, message.ErrPermanent):
		return ReasonPermanent
	default:
		return ReasonTemporary
	}
}

// About is what an engine Message-ID says about its email.
type About struct {
	Kind         models.Kind
	SubscriberID int64  // confirmations and lessons
	BookingID    int64  // booking emails, briefs, reminders and no-show lessons
	Lesson       string // lessons
}

// Describe reads back a Message-ID the engine made: "confirm.SUB.ROUND@",
// "lesson.SUB.SLUG@", or "booking.", "brief.", "reminder." and "no_show."
// followed by the booking's id. Any other id is of kind "other".
func Describe(messageID string) About {
	local, _, _ := strings.Cut(strings.Trim(messageID, "<>"), "@")
	kind, rest, _ := strings.Cut(local, ".")
	id, tail, _ := strings.Cut(rest, ".")
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return About{Kind: "other"}
	}
	switch k := models.Kind(kind); k {
	case models.KindConfirm:
		return About{Kind: k, SubscriberID: n}
	case models.KindLesson:
		return About{Kind: k, SubscriberID: n, Lesson: tail}
	case models.KindBooking, models.KindBrief, models.KindReminder, models.KindNoShow:
		return About{Kind: k, BookingID: n}
	}
	return About{Kind: "other"}
}

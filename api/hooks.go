package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/dripbook/dripbook/address"
	"github.com/dripbook/dripbook/booking"
	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/timezone"
	"github.com/dripbook/dripbook/token"
)

// Scheduler is the external scheduler at BOOKING_URL, as the personal link
// and the scheduler's webhooks see it.
type Scheduler struct {
	// NameParam and EmailParam are the query parameters that prefill the
	// scheduler's form; RefParam carries the signed reference to the
	// subscriber, which the scheduler returns in its webhooks.
	NameParam, EmailParam, RefParam string
	// CalcomSecret and CalendlySecret verify the webhooks at /hooks/calcom
	// and /hooks/calendly; empty turns that route off.
	CalcomSecret, CalendlySecret string
}

// hookMaxAge is how old a signed delivery may be: an older one is taken for
// a replay. It also bounds how far ahead of our clock a delivery may be.
const hookMaxAge = 5 * time.Minute

// hookDelivery is a verified delivery from a scheduler, in dripbook's terms.
type hookDelivery struct {
	scheduler string
	digest    string        // of the signature: the delivery's identity, for replays
	event     booking.Event // empty: nothing dripbook records
	id        string        // the scheduler's id of the call
	previous  string        // for a move, the call's id before it
	start     time.Time
	end       time.Time
	timezone  string
	email     string          // the attendee's address
	refs      []string        // values that may be the signed reference
	answers   booking.Answers // to the scheduler's own form, by label
}

// hookAnswer is the body of every 2xx answer to a scheduler.
type hookAnswer struct {
	Status    string `json:"status"` // recorded, unchanged, ignored or unknown_attendee
	BookingID int64  `json:"booking_id,omitempty"`
}

// readHook reads a delivery's raw body, which its signature covers, or
// answers 404 when the route's secret is not set.
func (s *server) readHook(c echo.Context, secret, variable string) ([]byte, bool, error) {
	if secret == "" {
		s.Log.WarnContext(c.Request().Context(), "scheduler webhook refused: "+variable+" is not set", "route", c.Path())
		return nil, false, c.JSON(http.StatusNotFound, map[string]apiError{"error": {Message: variable + " is not set"}})
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return nil, false, err
	}
	return body, true, nil
}

// refuse answers 401 to a forged, stale or replayed delivery, and logs why.
func (s *server) refuse(c echo.Context, scheduler, why string) error {
	s.Log.WarnContext(c.Request().Context(), "scheduler webhook refused", "scheduler", scheduler, "reason", why)
	return c.JSON(http.StatusUnauthorized, map[string]apiError{"error": {Code: "unauthorized", Message: why}})
}

// malformed answers a genuine delivery dripbook cannot read: 400, so that
// nobody goes looking for a wrong secret.
func (s *server) malformed(c echo.Context, scheduler string) error {
	s.Log.WarnContext(c.Request().Context(), "scheduler webhook unreadable", "scheduler", scheduler)
	return c.JSON(http.StatusBadRequest, map[string]apiError{"error": {Code: "invalid", Message: "malformed body", Field: "body"}})
}

// fresh reports whether a delivery sent at sent is recent enough.
func (s *server) fresh(sent time.Time) bool {
	age := s.Now().Sub(sent)
	return age <= hookMaxAge && age >= -hookMaxAge
}

// verifyHex checks that sig is the hex HMAC-SHA256 of msg under secret.
// It returns the delivery's digest: a hash of the MAC itself, so a replay
// whose signature is spelled otherwise (upper-case hex) is still the same
// delivery.
func verifyHex(secret string, msg []byte, sig string) (digest string, ok bool) {
	got, err := hex.DecodeString(sig)
	if err != nil {
		return "", false
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(msg)
	want := m.Sum(nil)
	if !hmac.Equal(got, want) {
		return "", false
	}
	sum := sha256.Sum256(want)
	return hex.EncodeToString(sum[:]), true
}

// recordHook does what a booking made here does, for a verified delivery: the
// call is recorded, the sales lessons stop or resume, the coach is briefed
// and the booking.* event goes out. An attendee dripbook does not know is
// logged and acknowledged, so the scheduler stops retrying.
func (s *server) recordHook(c echo.Context, d hookDelivery) error {
	ctx := c.Request().Context()
	log := s.Log.With("scheduler", d.scheduler, "trigger", string(d.event))
	if d.event != "" && (d.id == "" || (d.event != booking.EventCancelled && !d.end.After(d.start))) {
		return s.malformed(c, d.scheduler)
	}
	known, subID := false, int64(0)
	if d.event != "" { // a trigger dripbook ignores needs nobody found
		var err error
		if subID, known, err = s.hookSubscriber(c, d); err != nil {
			return err
		}
	}
	if d.event == "" || !known {
		err := s.Store.RecordSchedulerDelivery(ctx, d.scheduler, d.digest)
		if errors.Is(err, models.ErrReplayed) {
			return s.refuse(c, d.scheduler, "replayed")
		}
		if err != nil {
			return err
		}
		if d.event == "" {
			return c.JSON(http.StatusOK, hookAnswer{Status: "ignored"})
		}
		log.WarnContext(ctx, "scheduler booking for an attendee dripbook does not know: nothing recorded")
		return c.JSON(http.StatusOK, hookAnswer{Status: "unknown_attendee"})
	}
	if !timezone.Valid(d.timezone) {
		d.timezone = ""
	}
	b, changed, err := s.Bookings.RecordExternal(ctx, booking.External{
		Scheduler: d.scheduler, ID: d.id, PreviousID: d.previous, Event: d.event, SubscriberID: subID,
		Start: d.start, End: d.end, Timezone: d.timezone, Delivery: d.digest, Answers: d.answers,
	})
	if errors.Is(err, models.ErrReplayed) {
		return s.refuse(c, d.scheduler, "replayed")
	}
	if err != nil {
		return err
	}
	if !changed {
		log.InfoContext(ctx, "scheduler booking already recorded", "subscriber_id", subID, "booking_id", b.ID)
		return c.JSON(http.StatusOK, hookAnswer{Status: "unchanged", BookingID: b.ID})
	}
	log.InfoContext(ctx, "scheduler booking recorded", "subscriber_id", subID, "booking_id", b.ID, "starts_at", b.Start)
	return c.JSON(http.StatusOK, hookAnswer{Status: "recorded", BookingID: b.ID})
}

// hookSubscriber finds whom a delivery is about: for a call already
// recorded (a move or a cancellation), its subscriber; else by the signed
// reference the personal link gave the scheduler, else by the attendee's
// address. Schedulers need not repeat the reference on a move, and the
// attendee may have booked with another address.
func (s *server) hookSubscriber(c echo.Context, d hookDelivery) (int64, bool, error) {
	ctx := c.Request().Context()
	for _, id := range []string{d.id, d.previous} {
		if id == "" {
			continue
		}
		b, err := s.Store.ExternalBooking(ctx, d.scheduler, id)
		if err == nil {
			return b.SubscriberID, true, nil
		}
		if !errors.Is(err, models.ErrNotFound) {
			return 0, false, err
		}
	}
	for _, ref := range d.refs {
		id, err := s.Signer.Verify(ref, token.SchedulerRef, 0, s.Now())
		if err != nil {
			continue
		}
		sub, err := s.Store.Subscriber(ctx, id)
		if errors.Is(err, models.ErrNotFound) {
			continue
		}
		if err != nil {
			return 0, false, err
		}
		if sub.Status != models.StatusErased {
			return sub.ID, true, nil
		}
	}
	email, err := address.Normalise(d.email)
	if err != nil {
		return 0, false, nil
	}
	sub, err := s.Store.SubscriberByEmail(ctx, email)
	if errors.Is(err, models.ErrNotFound) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	return sub.ID, sub.Status != models.StatusErased, nil
}

// stringValues lists the string values of a JSON object: wherever the scheduler
// put the reference, it is found by its signature.
func stringValues(m map[string]any) []string {
	var out []string
	for _, v := range m {
		if s, ok := v.(string); ok && s != "" {
			out = append(out, s)
		}
	}
	return out
}

package api

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/dripbook/dripbook/booking"
	"github.com/dripbook/dripbook/models"
)

// calendlyDelivery is the part of a Calendly webhook dripbook reads.
type calendlyDelivery struct {
	Event   string `json:"event"`
	Payload struct {
		URI         string         `json:"uri"` // the invitee: one booking of one person
		Email       string         `json:"email"`
		Timezone    string         `json:"timezone"`
		Rescheduled bool           `json:"rescheduled"` // on invitee.canceled: moved, not cancelled
		OldInvitee  string         `json:"old_invitee"` // on invitee.created: the invitee this one replaces
		Tracking    map[string]any `json:"tracking"`    // the booking link's utm_* parameters
		Questions   []struct {
			Question string `json:"question"`
			Answer   string `json:"answer"`
		} `json:"questions_and_answers"` // the booking form's questions, in order
		Event struct {
			StartTime time.Time `json:"start_time"`
			EndTime   time.Time `json:"end_time"`
		} `json:"scheduled_event"`
	} `json:"payload"`
}

// calendlyHook receives Calendly's webhooks. Calendly-Webhook-Signature is
// "t=<unix seconds>,v1=<hex HMAC-SHA256 of t.body>" with
// CALENDLY_WEBHOOK_SECRET, the subscription's signing key; a t more than
// five minutes off is stale. A move arrives as invitee.canceled with
// rescheduled true and an invitee.created naming the old invitee: the
// second moves the call, the first changes nothing.
func (s *server) calendlyHook(c echo.Context) error {
	body, ok, err := s.readHook(c, s.Scheduler.CalendlySecret, "CALENDLY_WEBHOOK_SECRET")
	if !ok || err != nil {
		return err
	}
	t, sig := calendlySignature(c.Request().Header.Get("Calendly-Webhook-Signature"))
	digest, ok := verifyHex(s.Scheduler.CalendlySecret, []byte(t+"."+string(body)), sig)
	if t == "" || !ok {
		return s.refuse(c, models.SchedulerCalendly, "bad signature")
	}
	secs, err := strconv.ParseInt(t, 10, 64)
	if err != nil || !s.fresh(time.Unix(secs, 0)) {
		return s.refuse(c, models.SchedulerCalendly, "stale")
	}
	var in calendlyDelivery
	if err := json.Unmarshal(body, &in); err != nil {
		return s.malformed(c, models.SchedulerCalendly)
	}
	p := in.Payload
	d := hookDelivery{
		scheduler: models.SchedulerCalendly, digest: digest, id: p.URI,
		start: p.Event.StartTime, end: p.Event.EndTime, timezone: p.Timezone, email: p.Email,
		refs: stringValues(p.Tracking),
	}
	pairs := make([][2]string, 0, len(p.Questions))
	for _, qa := range p.Questions {
		pairs = append(pairs, [2]string{qa.Question, qa.Answer})
	}
	d.answers = booking.SchedulerAnswers(pairs)
	switch {
	case in.Event == "invitee.created" && p.OldInvitee != "":
		d.event, d.previous = booking.EventRescheduled, p.OldInvitee
	case in.Event == "invitee.created":
		d.event = booking.EventBooked
	case in.Event == "invitee.canceled" && !p.Rescheduled:
		d.event = booking.EventCancelled
	}
	return s.recordHook(c, d)
}

// calendlySignature splits the signature header into its t and v1 parts.
func calendlySignature(h string) (t, v1 string) {
	for _, part := range strings.Split(h, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			t = v
		case "v1":
			v1 = v
		}
	}
	return t, v1
}

package api

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/dripbook/dripbook/booking"
	"github.com/dripbook/dripbook/models"
)

// calcomDelivery is the part of a Cal.com webhook dripbook reads.
type calcomDelivery struct {
	TriggerEvent string    `json:"triggerEvent"`
	CreatedAt    time.Time `json:"createdAt"` // when Cal.com sent it; inside the signed body
	Payload      struct {
		UID           string    `json:"uid"`
		RescheduleUID string    `json:"rescheduleUid"` // on a move: the uid of the booking it replaces
		StartTime     time.Time `json:"startTime"`
		EndTime       time.Time `json:"endTime"`
		Attendees     []struct {
			Email    string `json:"email"`
			TimeZone string `json:"timeZone"`
		} `json:"attendees"`
		Metadata map[string]any `json:"metadata"` // the booking link's metadata[...] parameters
		// Responses are the booking form's fields by name; the attendee's
		// own fields (calcomOwnFields) are not answers.
		Responses map[string]struct {
			Label string `json:"label"`
			Value any    `json:"value"`
		} `json:"responses"`
	} `json:"payload"`
}

// calcomOwnFields are the booking form's fields that say who and where,
// not what the attendee answered.
var calcomOwnFields = map[string]bool{"name": true, "email": true, "guests": true, "location": true, "rescheduleReason": true, "attendeePhoneNumber": true}

// calcomAnswers are the attendee's answers to the booking form's own
// questions, in the order of their field names; a value that is a list
// (checkboxes) is joined.
func calcomAnswers(in calcomDelivery) booking.Answers {
	names := make([]string, 0, len(in.Payload.Responses))
	for name := range in.Payload.Responses {
		if !calcomOwnFields[name] {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	var pairs [][2]string
	for _, name := range names {
		r := in.Payload.Responses[name]
		label := r.Label
		if label == "" {
			label = name
		}
		switch v := r.Value.(type) {
		case string:
			pairs = append(pairs, [2]string{label, v})
		case bool:
			pairs = append(pairs, [2]string{label, strconv.FormatBool(v)})
		case float64:
			pairs = append(pairs, [2]string{label, strconv.FormatFloat(v, 'f', -1, 64)})
		case []any:
			var parts []string
			for _, p := range v {
				if s, ok := p.(string); ok {
					parts = append(parts, s)
				}
			}
			pairs = append(pairs, [2]string{label, strings.Join(parts, ", ")})
		}
	}
	return booking.SchedulerAnswers(pairs)
}

// calcomEvents are the Cal.com triggers dripbook records.
var calcomEvents = map[string]booking.Event{
	"BOOKING_CREATED":     booking.EventBooked,
	"BOOKING_RESCHEDULED": booking.EventRescheduled,
	"BOOKING_CANCELLED":   booking.EventCancelled,
}

// calcomHook receives Cal.com's webhooks. X-Cal-Signature-256 is the hex
// HMAC-SHA256 of the body with CALCOM_WEBHOOK_SECRET. Cal.com signs no
// timestamp of its own, but the signed body's createdAt is the time it was
// sent: a delivery more than five minutes off is stale, and one whose
// signature was already received is a replay.
func (s *server) calcomHook(c echo.Context) error {
	body, ok, err := s.readHook(c, s.Scheduler.CalcomSecret, "CALCOM_WEBHOOK_SECRET")
	if !ok || err != nil {
		return err
	}
	digest, ok := verifyHex(s.Scheduler.CalcomSecret, body, c.Request().Header.Get("X-Cal-Signature-256"))
	if !ok {
		return s.refuse(c, models.SchedulerCalcom, "bad signature")
	}
	var in calcomDelivery
	if err := json.Unmarshal(body, &in); err != nil {
		return s.malformed(c, models.SchedulerCalcom)
	}
	if !s.fresh(in.CreatedAt) {
		return s.refuse(c, models.SchedulerCalcom, "stale")
	}
	d := hookDelivery{
		scheduler: models.SchedulerCalcom, digest: digest, event: calcomEvents[in.TriggerEvent],
		id: in.Payload.UID, start: in.Payload.StartTime, end: in.Payload.EndTime,
		refs: stringValues(in.Payload.Metadata), answers: calcomAnswers(in),
	}
	if d.event == booking.EventRescheduled {
		d.previous = in.Payload.RescheduleUID
	}
	if len(in.Payload.Attendees) > 0 {
		d.email, d.timezone = in.Payload.Attendees[0].Email, in.Payload.Attendees[0].TimeZone
	}
	return s.recordHook(c, d)
}

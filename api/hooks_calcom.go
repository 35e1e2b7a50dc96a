package api

import (
	"encoding/json"
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
	} `json:"payload"`
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
		return s.refuse(c, models.SchedulerCalcom, "malformed body")
	}
	if !s.fresh(in.CreatedAt) {
		return s.refuse(c, models.SchedulerCalcom, "stale")
	}
	d := hookDelivery{
		scheduler: models.SchedulerCalcom, digest: digest, event: calcomEvents[in.TriggerEvent],
		id: in.Payload.UID, start: in.Payload.StartTime, end: in.Payload.EndTime,
		refs: stringValues(in.Payload.Metadata),
	}
	if d.event == booking.EventRescheduled {
		d.previous = in.Payload.RescheduleUID
	}
	if len(in.Payload.Attendees) > 0 {
		d.email, d.timezone = in.Payload.Attendees[0].Email, in.Payload.Attendees[0].TimeZone
	}
	if d.event != "" && (d.id == "" || (d.event != booking.EventCancelled && !d.end.After(d.start))) {
		return s.refuse(c, models.SchedulerCalcom, "malformed body")
	}
	return s.recordHook(c, d)
}

package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/dripbook/dripbook/booking"
	"github.com/dripbook/dripbook/fault"
	"github.com/dripbook/dripbook/locale"
	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/token"
)

// maxSlotRange bounds one slots query, so that a client cannot make the
// server lay out years of slots.
const maxSlotRange = 62 * 24 * time.Hour

// slotJSON is one free slot, in UTC.
type slotJSON struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// bookingJSON is a booking as the API shows it.
type bookingJSON struct {
	ID        int64  `json:"id"`
	Start     string `json:"start"`
	End       string `json:"end"`
	Status    string `json:"status"`
	ManageURL string `json:"manage_url"`
}

func (s *server) bookingJSON(b models.Booking) map[string]bookingJSON {
	return map[string]bookingJSON{"booking": {
		ID: b.ID, Start: formatUTC(b.Start), End: formatUTC(b.End), Status: b.Status, ManageURL: s.Links.Manage(b.ID),
	}}
}

// slotsJSON lists the free slots in [from, to): by default from now to the
// end of the booking horizon.
func (s *server) slotsJSON(c echo.Context) error {
	from, to, err := s.slotRange(c.QueryParam("from"), c.QueryParam("to"))
	if err != nil {
		return err
	}
	slots, err := s.Bookings.Slots(c.Request().Context(), from, to)
	if err != nil {
		return err
	}
	out := make([]slotJSON, 0, len(slots))
	for _, sl := range slots {
		out = append(out, slotJSON{Start: formatUTC(sl.Start), End: formatUTC(sl.End)})
	}
	return c.JSON(http.StatusOK, map[string][]slotJSON{"slots": out})
}

// slotRange reads and checks the query's range.
func (s *server) slotRange(fromParam, toParam string) (from, to time.Time, err error) {
	from = s.Now()
	if fromParam != "" {
		if from, err = time.Parse(time.RFC3339, fromParam); err != nil {
			return from, to, &fault.FieldError{Field: "from", Message: "Give from as RFC 3339, e.g. 2026-11-02T00:00:00Z."}
		}
	}
	to = from.AddDate(0, 0, s.Bookings.Rules().Horizon)
	if to.Sub(from) > maxSlotRange {
		to = from.Add(maxSlotRange)
	}
	if toParam != "" {
		if to, err = time.Parse(time.RFC3339, toParam); err != nil {
			return from, to, &fault.FieldError{Field: "to", Message: "Give to as RFC 3339, e.g. 2026-11-16T00:00:00Z."}
		}
	}
	switch {
	case !to.After(from):
		return from, to, &fault.FieldError{Field: "to", Message: "to must be after from."}
	case to.Sub(from) > maxSlotRange:
		return from, to, &fault.FieldError{Field: "to", Message: "Ask for at most 62 days at a time."}
	}
	return from, to, nil
}

// bookJSON books a slot for the subscriber whose booking link's token it
// carries. With an Idempotency-Key, a repeat answers with the first booking.
func (s *server) bookJSON(c echo.Context) error {
	var req bookingRequest
	if err := decodeJSON(c.Request(), &req, "Send one JSON object with token, start and answers"); err != nil {
		return err
	}
	sub, err := s.bookingSubscriber(c.Request().Context(), req.Token)
	if err != nil {
		return err
	}
	subID := sub.ID
	start, err := parseStart(req.Start)
	if err != nil {
		return err
	}
	key, err := idempotencyKey(subID, c.Request().Header.Get("Idempotency-Key"))
	if err != nil {
		return err
	}
	if err := checkTimezone(req.Timezone); err != nil {
		return err
	}
	ctx := c.Request().Context()
	r := booking.Request{
		SubscriberID: subID, Start: start, Answers: req.Answers.domain(), IdempotencyKey: key, Timezone: req.Timezone,
		Locale: locale.Parse("", c.Request().Header.Get("Accept-Language")).Tag(),
	}
	if s.isLesson(req.From) {
		r.SourceLesson = req.From
	}
	b, created, err := s.Bookings.Book(ctx, r)
	if err != nil {
		return err
	}
	s.Log.InfoContext(ctx, "booking", "booking_id", b.ID, "subscriber_id", subID, "created", created, "request_id", requestID(c))
	return c.JSON(http.StatusCreated, s.bookingJSON(b))
}

// cancelJSON cancels a booking; the token is its manage link's.
func (s *server) cancelJSON(c echo.Context) error {
	var req cancelRequest
	if err := decodeJSON(c.Request(), &req, "Send one JSON object with token"); err != nil {
		return err
	}
	id, err := s.authorizeManage(c, req.Token)
	if err != nil {
		return err
	}
	b, err := s.Bookings.Cancel(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.bookingJSON(b))
}

// rescheduleJSON moves a booking to another free slot.
func (s *server) rescheduleJSON(c echo.Context) error {
	var req rescheduleRequest
	if err := decodeJSON(c.Request(), &req, "Send one JSON object with token and start"); err != nil {
		return err
	}
	id, err := s.authorizeManage(c, req.Token)
	if err != nil {
		return err
	}
	start, err := parseStart(req.Start)
	if err != nil {
		return err
	}
	b, err := s.Bookings.Reschedule(c.Request().Context(), id, start)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.bookingJSON(b))
}

// authorizeManage checks that tok is the manage token of the booking in the
// path.
func (s *server) authorizeManage(c echo.Context, tok string) (int64, error) {
	id, ok := parseID(c.Param("id"))
	if !ok {
		return 0, echo.ErrNotFound
	}
	tokID, err := s.verifyBooking(tok, token.Manage)
	if err != nil {
		return 0, err
	}
	if tokID != id {
		return 0, errWrongBooking
	}
	if _, err := s.liveBooking(c.Request().Context(), id); err != nil {
		return 0, err
	}
	return id, nil
}

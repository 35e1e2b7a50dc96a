package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/dripbook/dripbook/booking"
	"github.com/dripbook/dripbook/fault"
	"github.com/dripbook/dripbook/models"
)

// bookingsPage is what GET /admin/bookings shows.
type bookingsPage struct {
	CSRF     string
	Upcoming []bookingRow
	Past     []bookingRow
	Done     bool
}

// bookingsShown bounds each list of calls.
const bookingsShown = 100

func (s *server) bookingsList(c echo.Context) error {
	return s.renderBookings(c, http.StatusOK, nil)
}

// placeRefusal is an entry in one call's place form that was refused.
type placeRefusal struct {
	BookingID      int64
	Input, Problem string
}

// renderBookings shows the calls, with refused (when not nil) shown in its
// call's place form.
func (s *server) renderBookings(c echo.Context, status int, refused *placeRefusal) error {
	ctx := c.Request().Context()
	p := bookingsPage{CSRF: csrfToken(c), Done: c.QueryParam("done") != ""}
	for _, past := range []bool{false, true} {
		bs, err := s.Store.ConsoleBookings(ctx, s.Now(), past, bookingsShown)
		if err != nil {
			return err
		}
		rows, err := s.bookingRows(ctx, bs)
		if err != nil {
			return err
		}
		if err := s.withProgress(ctx, rows); err != nil {
			return err
		}
		for i := range rows {
			rows[i].CSRF = p.CSRF
			if refused != nil && rows[i].ID == refused.BookingID {
				rows[i].PlaceInput, rows[i].PlaceProblem = refused.Input, refused.Problem
			}
		}
		if past {
			p.Past = rows
		} else {
			p.Upcoming = rows
		}
	}
	return s.render(c, status, "admin_bookings", "Calls", p)
}

// setPlace sets where one upcoming call happens, for that call alone, or
// with "clear" (or nothing entered) goes back to MEETING_URL and
// MEETING_LOCATION. The subscriber gets the updated invite and a short
// email; the coach's calendar copy follows.
func (s *server) setPlace(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return errBadID
	}
	input := c.FormValue("place")
	var place booking.Place
	if c.FormValue("clear") == "" {
		if place, err = booking.ParsePlace(input); err != nil {
			return s.renderBookings(c, http.StatusUnprocessableEntity,
				&placeRefusal{BookingID: id, Input: input, Problem: placeProblem(err)})
		}
	}
	b, err := s.Bookings.SetPlace(c.Request().Context(), id, place)
	var refused *fault.Error
	if errors.As(err, &refused) && refused.Kind == fault.Conflict {
		// The call cannot take a place now: say why on its row.
		return s.renderBookings(c, http.StatusConflict,
			&placeRefusal{BookingID: id, Input: input, Problem: refused.Message})
	}
	if err != nil {
		return err
	}
	s.Log.InfoContext(c.Request().Context(), "booking place set", "booking_id", b.ID, "sequence", b.Sequence,
		"own_place", place.Known(), "request_id", requestID(c))
	return c.Redirect(http.StatusSeeOther, "/admin/bookings?done=1")
}

// placeProblem says in the console why a place was refused.
func placeProblem(err error) string {
	if errors.Is(err, booking.ErrPlaceTooLong) {
		return fmt.Sprintf("That is too long: at most %d bytes, such as a link or a phone number.", booking.MaxPlaceText)
	}
	return "A link must be a full http:// or https:// address, such as https://meet.example/you. For a phone number or an address, leave out \"://\"."
}

// withProgress adds how far into the course each caller got: the brief the
// coach reads before the call.
func (s *server) withProgress(ctx context.Context, rows []bookingRow) error {
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.SubscriberID
	}
	progress, err := s.Store.CallersProgress(ctx, ids)
	if err != nil {
		return err
	}
	for i := range rows {
		p := progress[rows[i].SubscriberID]
		rows[i].Sent, rows[i].Clicked, rows[i].Scorecard = p.Sent, p.Clicked, p.Scorecard
	}
	return nil
}

// markOutcome records whether a call was attended or a no-show.
func (s *server) markOutcome(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return errBadID
	}
	if err := s.Store.MarkOutcome(c.Request().Context(), id, c.FormValue("outcome")); err != nil {
		return err
	}
	s.followUpNoShow(c, id, c.FormValue("outcome"))
	return c.Redirect(http.StatusSeeOther, "/admin/bookings?done=1")
}

// parseAnswers labels the intake answers as the booking form asks them, in
// its order; answers to questions it no longer asks keep their id as the
// label.
func parseAnswers(questions []booking.Question, raw string) []answer {
	var a booking.Answers
	if raw == "" || json.Unmarshal([]byte(raw), &a) != nil {
		return nil
	}
	var out []answer
	for _, qa := range booking.Labelled(questions, a) {
		if qa.Answer != "" {
			out = append(out, answer{Label: qa.Question, Text: qa.Answer})
		}
	}
	return out
}

// NoShows starts the follow-up of a call marked as missed; the drip Engine
// implements it.
type NoShows interface {
	FollowUpNoShow(ctx context.Context, bookingID int64) error
}

// followUpNoShow starts the follow-up of a call the coach just marked a
// no-show. A failure is only logged: the mark is stored, and the
// reconciler's next round queues the follow-up.
func (s *server) followUpNoShow(c echo.Context, bookingID int64, outcome string) {
	if s.NoShows == nil || outcome != models.OutcomeNoShow {
		return
	}
	ctx := c.Request().Context()
	if err := s.NoShows.FollowUpNoShow(ctx, bookingID); err != nil {
		s.Log.WarnContext(ctx, "start no-show follow-up", "booking_id", bookingID, "error", err, "request_id", requestID(c))
	}
}

package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/dripbook/dripbook/booking"
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
		}
		if past {
			p.Past = rows
		} else {
			p.Upcoming = rows
		}
	}
	return s.render(c, http.StatusOK, "admin_bookings", "Calls", p)
}

// withProgress adds how far into the course each caller got: the brief the
// coach reads before the call.
func (s *server) withProgress(ctx context.Context, rows []bookingRow) error {
	for i := range rows {
		sent, err := s.Store.SentSteps(ctx, rows[i].SubscriberID, models.KindLesson)
		if err != nil {
			return err
		}
		rows[i].Sent = len(sent)
		if rows[i].Scorecard, err = s.Store.ScorecardAnswers(ctx, rows[i].SubscriberID); err != nil {
			return err
		}
		clicks, err := s.Store.Clicks(ctx, rows[i].SubscriberID)
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, cl := range clicks {
			if !seen[cl.Lesson] {
				seen[cl.Lesson] = true
				rows[i].Clicked = append(rows[i].Clicked, cl.Lesson)
			}
		}
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

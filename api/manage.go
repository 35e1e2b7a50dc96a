package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/dripbook/dripbook/booking"
	"github.com/dripbook/dripbook/calendar"
	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/timezone"
	"github.com/dripbook/dripbook/token"
)

// manageView is a booking's own page, and the pages that cancel it.
type manageView struct {
	token.Paths
	When      string
	Confirmed bool
	Attended  bool // the coach marked it attended: nothing left to change
	Booked    bool // just booked: say so and offer the calendar file
	Moved     bool // just rescheduled
	BookAgain string
	Place     booking.Place // where the call happens
	// Google and Outlook add a confirmed call to those web calendars.
	Google, Outlook string
}

// managed verifies the path's token for purpose and loads its booking.
func (s *server) managed(c echo.Context, purpose string) (models.Booking, error) {
	id, err := s.verifyBooking(c.Param("token"), purpose)
	if err != nil {
		return models.Booking{}, err
	}
	return s.liveBooking(c.Request().Context(), id)
}

// liveBooking loads a booking a link names, unless its subscriber was
// erased: their old links find nobody, and nothing about their calls is
// changed or announced again (a call that had started when they asked to
// be forgotten is still confirmed).
func (s *server) liveBooking(ctx context.Context, id int64) (models.Booking, error) {
	b, err := s.Bookings.Booking(ctx, id)
	if err != nil {
		return b, err
	}
	if _, err := s.liveSubscriber(ctx, b.SubscriberID); err != nil {
		return models.Booking{}, err
	}
	return b, nil
}

// manageView describes b for its pages, in the zone it was booked in and
// the visitor's locale.
func (s *server) manageView(c echo.Context, b models.Booking) manageView {
	lc, _ := visitorLocale(c)
	v := manageView{
		Paths:     token.BookingPaths(s.Signer, b.ID, s.Now()),
		When:      callTime(b, timezone.First(s.Bookings.Rules().Location, b.Timezone), lc),
		Confirmed: b.Status == models.BookingConfirmed,
		Attended:  b.Status == models.BookingConfirmed && b.Outcome == models.OutcomeAttended,
		BookAgain: s.Links.Book(b.SubscriberID, ""),
		Place:     booking.CallPlace(b, s.Place),
	}
	if v.Confirmed {
		ev := s.callEvent(b, s.BaseURL+v.Manage)
		v.Google, v.Outlook = calendar.GoogleURL(ev), calendar.OutlookURL(ev)
	}
	return v
}

// callEvent is a booking as the subscriber's calendar shows it; manage is
// its page, for changes.
func (s *server) callEvent(b models.Booking, manage string) calendar.Event {
	return booking.SubscriberInvite(b, s.Place, s.Coach, calendar.Person{}, manage)
}

// managePage shows a booking and links to move or cancel it. Like every GET
// here it changes nothing: mail scanners follow the links in the emails.
func (s *server) managePage(c echo.Context) error {
	b, err := s.managed(c, token.Manage)
	if err != nil {
		return err
	}
	v := s.manageView(c, b)
	v.Booked = v.Confirmed && c.QueryParam("booked") == "1"
	v.Moved = v.Confirmed && c.QueryParam("moved") == "1"
	return s.render(c, http.StatusOK, "booking", "Your discovery call", v)
}

// invite is the "add to calendar" file of a confirmed booking.
func (s *server) invite(c echo.Context) error {
	b, err := s.managed(c, token.Manage)
	if err != nil {
		return err
	}
	if b.Status != models.BookingConfirmed {
		return models.ErrNotConfirmed
	}
	sub, err := s.Store.Subscriber(c.Request().Context(), b.SubscriberID)
	if err != nil {
		return err
	}
	ev := s.callEvent(b, s.BaseURL+"/booking/"+c.Param("token"))
	ev.Attendee = calendar.Person{Name: sub.Name, Email: sub.Email}
	ics := calendar.Publish(ev)
	h := c.Response().Header()
	h.Set("Content-Disposition", "attachment; filename=invite.ics")
	h.Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, "text/calendar; charset=utf-8", ics)
}

// cancelPage asks before cancelling; a cancelled call shows as such.
func (s *server) cancelPage(c echo.Context) error {
	b, err := s.managed(c, token.Cancel)
	if err != nil {
		return err
	}
	v := s.manageView(c, b)
	if !v.Confirmed {
		return s.render(c, http.StatusOK, "cancelled", "Your call is canceled", v)
	}
	return s.render(c, http.StatusOK, "cancel", "Cancel your call", v)
}

// cancelForm cancels the call. Cancelling twice shows the same page: the
// second click, or a retried POST, finds what the visitor wanted done.
func (s *server) cancelForm(c echo.Context) error {
	id, err := s.verifyBooking(c.Param("token"), token.Cancel)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if _, err := s.liveBooking(ctx, id); err != nil {
		return err
	}
	b, err := s.Bookings.Cancel(ctx, id)
	if errors.Is(err, models.ErrNotConfirmed) {
		b, err = s.Bookings.Booking(ctx, id)
	}
	if err != nil {
		return err
	}
	s.Log.InfoContext(ctx, "booking cancelled", "booking_id", b.ID, "subscriber_id", b.SubscriberID, "request_id", requestID(c))
	return s.render(c, http.StatusOK, "cancelled", "Your call is canceled", s.manageView(c, b))
}

package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/timezone"
	"github.com/dripbook/dripbook/token"
)

// rescheduleView is the page that moves a call to another slot.
type rescheduleView struct {
	manageView
	Problem *problem
	Picker  slotPicker
}

// reschedulePage lists the free slots to move the call to.
func (s *server) reschedulePage(c echo.Context) error {
	b, err := s.managed(c, token.Reschedule)
	if err != nil {
		return err
	}
	tz := c.QueryParam("tz")
	return s.renderReschedule(c, http.StatusOK, b, tz, "", !c.QueryParams().Has("tz"), nil)
}

// rescheduleForm moves the call and shows its page with the news.
func (s *server) rescheduleForm(c echo.Context) error {
	id, err := s.verifyBooking(c.Param("token"), token.Reschedule)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	tz, chosen := c.FormValue("tz"), c.FormValue("start")
	b, err := s.reschedule(c, id, chosen)
	if err != nil {
		return retry(err, func(c echo.Context, p problem) error {
			cur, err := s.Bookings.Booking(ctx, id)
			if err != nil {
				return err
			}
			return s.renderReschedule(c, p.Status, cur, tz, chosen, false, &p)
		})
	}
	_, lang := visitorLocale(c)
	return c.Redirect(http.StatusSeeOther, withLang(s.Links.Manage(b.ID)+"?moved=1", lang))
}

func (s *server) reschedule(c echo.Context, id int64, chosen string) (models.Booking, error) {
	start, err := parseStart(chosen)
	if err != nil {
		return models.Booking{}, err
	}
	ctx := c.Request().Context()
	if _, err := s.liveBooking(ctx, id); err != nil {
		return models.Booking{}, err
	}
	b, err := s.Bookings.Reschedule(ctx, id, start)
	if err == nil {
		s.Log.InfoContext(ctx, "booking rescheduled", "booking_id", b.ID, "subscriber_id", b.SubscriberID, "request_id", requestID(c))
	}
	return b, err
}

// renderReschedule shows the slots to move b to, in the zone asked for, or
// the one it was booked in, or the subscriber's. A cancelled call cannot
// move, and the page says so.
func (s *server) renderReschedule(c echo.Context, status int, b models.Booking, tz, chosen string, autoZone bool, p *problem) error {
	v := rescheduleView{manageView: s.manageView(c, b), Problem: p}
	if !v.Confirmed {
		return s.render(c, status, "cancelled", "Your call is canceled", v.manageView)
	}
	ctx := c.Request().Context()
	sub, err := s.Store.Subscriber(ctx, b.SubscriberID)
	if err != nil {
		return err
	}
	loc := timezone.First(s.Bookings.Rules().Location, tz, b.Timezone, sub.Timezone)
	lc, lang := visitorLocale(c)
	if v.Picker, err = s.picker(ctx, loc, lc, chosen, b.Start); err != nil {
		return err
	}
	v.When = callTime(b, loc, lc)
	v.Picker.ZoneAction, v.Picker.Lang, v.Picker.AutoZone = v.Reschedule, lang, autoZone
	return s.render(c, status, "reschedule", "Move your call", v)
}

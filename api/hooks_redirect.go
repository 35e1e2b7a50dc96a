package api

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/dripbook/dripbook/token"
)

// toScheduler sends the visitor on to the external scheduler, its form
// prefilled with their name and address, and with the signed reference that
// the scheduler returns in its webhooks, so the call is matched to them even
// when they book with another address.
func (s *server) toScheduler(c echo.Context, subID int64) error {
	sub, err := s.Store.Subscriber(c.Request().Context(), subID)
	if err != nil {
		return err
	}
	u, err := url.Parse(s.BookingURL)
	if err != nil {
		return err
	}
	q := u.Query()
	for k, v := range map[string]string{
		s.Scheduler.NameParam:  sub.Name,
		s.Scheduler.EmailParam: sub.Email,
		s.Scheduler.RefParam:   s.Signer.Sign(token.SchedulerRef, sub.ID, s.Now()),
	} {
		if k != "" && v != "" {
			q.Set(k, v)
		}
	}
	u.RawQuery = q.Encode()
	return c.Redirect(http.StatusFound, u.String())
}

package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/dripbook/dripbook/token"
)

// confirm is the double opt-in link. Clicking it twice shows the same page
// and enrolls once: the course's Confirm is idempotent.
func (s *server) confirm(c echo.Context) error {
	id, err := s.Signer.Verify(c.Param("token"), token.Confirm, token.ConfirmMaxAge, s.Now())
	if err != nil {
		return err
	}
	if err := s.Course.Confirm(c.Request().Context(), id); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "confirmed", "You're in", nil)
}

package api

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/dripbook/dripbook/token"
)

// confirmPage asks before acting: mail scanners fetch every link in a
// message, and a GET that confirmed would opt the reader in on behalf of
// whoever typed their address. It changes nothing.
func (s *server) confirmPage(c echo.Context) error {
	tok := c.Param("token")
	if _, err := s.verifyConfirm(tok); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "confirm", "Confirm your subscription", map[string]string{"Token": tok})
}

// confirm is the page's button, a plain form POST. The signed link is the
// credential, so it needs no cookie or CSRF token: a forged request would
// need the token from the subscriber's inbox. Confirming twice shows the
// same page and enrolls once: the course's Confirm is idempotent.
func (s *server) confirm(c echo.Context) error {
	id, err := s.verifyConfirm(c.Param("token"))
	if err != nil {
		return err
	}
	// Once the subscriber is active, the enrollment must follow even if
	// the visitor closes the tab: the request's end does not cut it off.
	if err := s.Course.Confirm(context.WithoutCancel(c.Request().Context()), id); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "confirmed", s.Pages.Confirmed.Heading, nil)
}

// verifyConfirm checks a confirmation link, which works for ConfirmMaxAge.
func (s *server) verifyConfirm(tok string) (int64, error) {
	return s.Signer.Verify(tok, token.Confirm, token.ConfirmMaxAge, s.Now())
}

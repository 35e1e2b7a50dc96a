package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/dripbook/dripbook/token"
)

// unsubscribePage asks before acting: mail scanners fetch every link in a
// message, and a GET that unsubscribed would let them do it for the reader.
func (s *server) unsubscribePage(c echo.Context) error {
	tok := c.Param("token")
	if _, err := s.verifyUnsubscribe(tok); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "unsubscribe", "Unsubscribe", map[string]string{"Token": tok})
}

// unsubscribe is both the page's button and the RFC 8058 one-click POST a
// mail client sends. It needs no cookie or CSRF token (the signed link is the
// credential), accepts any body, and answers 200 without redirecting.
func (s *server) unsubscribe(c echo.Context) error {
	id, err := s.verifyUnsubscribe(c.Param("token"))
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	changed, err := s.Store.Unsubscribe(ctx, id)
	if err != nil {
		return err
	}
	// A mail client's one-click POST carries List-Unsubscribe=One-Click; the
	// page's button sends nothing. The log tells them apart.
	s.Log.InfoContext(ctx, "unsubscribe", "subscriber_id", id, "changed", changed,
		"one_click", c.FormValue("List-Unsubscribe") == "One-Click", "request_id", requestID(c))
	return s.render(c, http.StatusOK, "unsubscribed", "You're unsubscribed", nil)
}

// verifyUnsubscribe checks an unsubscribe token. These never expire: a
// lesson read a year from now must still let its reader leave.
func (s *server) verifyUnsubscribe(tok string) (int64, error) {
	return s.Signer.Verify(tok, token.Unsubscribe, 0, s.Now())
}

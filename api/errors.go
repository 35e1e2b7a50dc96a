package api

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/dripbook/dripbook/emails"
	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/token"
)

// FieldError is invalid input in one named field. The API answers it with
// 400 and the field's name; a form shows the message next to the field.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e *FieldError) Error() string { return fmt.Sprintf("invalid %s: %s", e.Field, e.Message) }

// problem is an error as a visitor sees it.
type problem struct {
	Status  int
	Title   string
	Message string
	Link    string // where to go next, if anywhere
	Linked  string // the link's text
}

// handleError is the one place errors become responses: handlers return
// domain errors and this maps them to a status, as JSON under /api/ and as a
// small page everywhere else.
func (s *server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	var fe *FieldError
	if errors.As(err, &fe) {
		if isAPI(c) {
			s.respond(c, c.JSON(http.StatusBadRequest, map[string]any{"error": fe}))
			return
		}
		// The signup form is the only form with fields, so a field error
		// outside the API sends it back with the message next to the field.
		s.respond(c, s.renderLanding(c, http.StatusBadRequest, signupFormFrom(c), fe))
		return
	}
	p := classify(err)
	if p.Status >= http.StatusInternalServerError {
		s.Log.ErrorContext(c.Request().Context(), "request failed",
			"error", err, "method", c.Request().Method, "uri", c.Request().RequestURI,
			"request_id", requestID(c))
	}
	switch {
	case c.Request().Method == http.MethodHead:
		err = c.NoContent(p.Status)
	case isAPI(c):
		err = c.JSON(p.Status, map[string]any{"error": map[string]string{"message": p.Message}})
	default:
		err = s.render(c, p.Status, "error", p.Title, p)
	}
	s.respond(c, err)
}

// classify maps an error to what the visitor is told. Anything unknown is
// our fault, and its details stay in the log.
func classify(err error) problem {
	var he *echo.HTTPError
	switch {
	case errors.Is(err, token.ErrInvalid):
		return problem{Status: http.StatusBadRequest, Title: "This link is not valid",
			Message: "Please check that you copied the whole link from the email.", Link: "/", Linked: "Go to the home page"}
	case errors.Is(err, token.ErrExpired):
		return problem{Status: http.StatusGone, Title: "This link has expired",
			Message: "This link has expired — sign up again to get a fresh one.", Link: "/", Linked: "Sign up again"}
	case errors.Is(err, models.ErrNotFound), errors.Is(err, emails.ErrNotInOutbox):
		return problem{Status: http.StatusNotFound, Title: "Not found", Message: "There is nothing here.", Link: "/", Linked: "Go to the home page"}
	case errors.As(err, &he) && he.Code < http.StatusInternalServerError:
		msg, ok := he.Message.(string)
		if !ok || msg == "" {
			msg = http.StatusText(he.Code)
		}
		return problem{Status: he.Code, Title: http.StatusText(he.Code), Message: msg, Link: "/", Linked: "Go to the home page"}
	default:
		return problem{Status: http.StatusInternalServerError, Title: "Something went wrong",
			Message: "Something went wrong on our side. Please try again in a moment."}
	}
}

// respond logs a response that could not be written; there is no one left
// to tell.
func (s *server) respond(c echo.Context, err error) {
	if err != nil {
		s.Log.ErrorContext(c.Request().Context(), "write error response",
			"error", err, "request_id", requestID(c))
	}
}

func isAPI(c echo.Context) bool {
	return strings.HasPrefix(c.Request().URL.Path, "/api/")
}

func requestID(c echo.Context) string {
	return c.Response().Header().Get(echo.HeaderXRequestID)
}

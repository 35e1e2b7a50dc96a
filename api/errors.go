package api

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/dripbook/dripbook/booking"
	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/outbox"
	"github.com/dripbook/dripbook/token"
)

// FieldError is invalid input in one named field. The API answers it with
// 400 and the field's name; a form shows the message next to the field.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e *FieldError) Error() string { return fmt.Sprintf("invalid %s: %s", e.Field, e.Message) }

// errWrongBooking means a manage link was used on another booking's API path.
var errWrongBooking = errors.New("token is for another booking")

// formRetry is a domain error from a form's POST, with the way to show that
// form again. The central handler decides the status and the message; the
// form shows them at its top, above what the visitor chose and typed.
type formRetry struct {
	err  error
	show func(c echo.Context, p problem) error
}

func (f *formRetry) Error() string { return f.err.Error() }
func (f *formRetry) Unwrap() error { return f.err }

// retry wraps err so that, if the visitor can fix it, the form is shown
// again through show. A nil err stays nil.
func retry(err error, show func(c echo.Context, p problem) error) error {
	if err == nil {
		return nil
	}
	return &formRetry{err: err, show: show}
}

// problem is an error as a visitor or an API client sees it.
type problem struct {
	Status  int
	Code    string // a stable name for the API, where one helps
	Field   string // the input at fault, for the API
	Title   string
	Message string
	Link    string // where to go next, if anywhere
	Linked  string // the link's text
	// APIMessage replaces Message in a JSON answer.
	APIMessage string
	// Fixable means the visitor can put it right on the form they sent.
	Fixable bool
}

// apiError is the body of every JSON error: {"error": apiError}.
type apiError struct {
	Code    string `json:"code,omitempty"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

func (p problem) api() apiError {
	msg := p.Message
	if p.APIMessage != "" {
		msg = p.APIMessage
	}
	return apiError{Code: p.Code, Field: p.Field, Message: msg}
}

// handleError is the one place errors become responses: handlers return
// domain errors and this maps them to a status, as JSON under /api/ and as a
// small page everywhere else.
func (s *server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	p := classify(err)
	if p.Status >= http.StatusInternalServerError {
		s.Log.ErrorContext(c.Request().Context(), "request failed",
			"error", err, "method", c.Request().Method, "uri", c.Request().RequestURI,
			"request_id", requestID(c))
	}
	var (
		form *formRetry
		fe   *FieldError
	)
	switch {
	case c.Request().Method == http.MethodHead:
		err = c.NoContent(p.Status)
	case isAPI(c):
		err = c.JSON(p.Status, map[string]any{"error": p.api()})
	case p.Fixable && errors.As(err, &form):
		err = s.showAgain(c, form, p)
	case errors.As(err, &fe):
		// Outside the booking forms, only the signup form has fields: it
		// goes back with the message next to the field.
		err = s.renderLanding(c, http.StatusBadRequest, signupFormFrom(c), fe)
	default:
		err = s.render(c, p.Status, "error", p.Title, p)
	}
	s.respond(c, err)
}

// showAgain shows a form with its problem. If the form itself cannot be
// shown, the visitor gets the error page instead of nothing.
func (s *server) showAgain(c echo.Context, form *formRetry, p problem) error {
	err := form.show(c, p)
	if err == nil || c.Response().Committed {
		return err
	}
	s.Log.ErrorContext(c.Request().Context(), "show form again",
		"error", err, "problem", form.err, "uri", c.Request().RequestURI, "request_id", requestID(c))
	fail := classify(err)
	return s.render(c, fail.Status, "error", fail.Title, fail)
}

// classify maps an error to what the visitor is told. Anything unknown is
// our fault, and its details stay in the log.
func classify(err error) problem {
	var (
		he  *echo.HTTPError
		fe  *FieldError
		bfe *booking.FieldError
	)
	home := func(p problem) problem {
		p.Link, p.Linked = "/", "Go to the home page"
		return p
	}
	switch {
	case errors.As(err, &fe):
		return problem{Status: http.StatusBadRequest, Field: fe.Field, Title: "Please check the form",
			Message: fe.Message, Fixable: true}
	case errors.As(err, &bfe):
		return problem{Status: http.StatusBadRequest, Field: bfe.Field, Title: "Please check your answers",
			Message: answerLabel(bfe.Field) + ": " + bfe.Message + ".", Fixable: true}
	case errors.Is(err, token.ErrInvalid):
		return home(problem{Status: http.StatusBadRequest, Field: "token", Title: "This link is not valid",
			Message:    "Please check that you copied the whole link from the email.",
			APIMessage: token.ErrInvalid.Error()})
	case errors.Is(err, token.ErrExpired):
		return problem{Status: http.StatusGone, Field: "token", Code: "link_expired", Title: "This link has expired",
			Message: "This link has expired — sign up again to get a fresh one.", Link: "/", Linked: "Sign up again",
			APIMessage: token.ErrExpired.Error()}
	case errors.Is(err, models.ErrSlotTaken):
		return problem{Status: http.StatusConflict, Code: "slot_taken", Title: "That time was just taken",
			Message: "Someone just took that time — please pick another.", Fixable: true}
	case errors.Is(err, models.ErrAlreadyBooked):
		return problem{Status: http.StatusConflict, Code: "already_booked", Title: "You already have a call booked",
			Message: "You already have a call booked — you can reschedule or cancel it instead.", Fixable: true}
	case errors.Is(err, models.ErrNotConfirmed):
		return home(problem{Status: http.StatusConflict, Code: "not_confirmed", Title: "This call was cancelled",
			Message: "This call was cancelled, so it can no longer be changed.", Fixable: true})
	case errors.Is(err, booking.ErrNotOffered):
		return problem{Status: http.StatusUnprocessableEntity, Code: "not_a_slot", Field: "start", Title: "That time is not available",
			Message: "That time is not available — please pick one of the times shown.", Fixable: true}
	case errors.Is(err, booking.ErrInPast):
		return problem{Status: http.StatusUnprocessableEntity, Code: "not_a_slot", Field: "start", Title: "That time has passed",
			Message: "That time has already passed — please pick another.", Fixable: true}
	case errors.Is(err, errWrongBooking):
		return home(problem{Status: http.StatusForbidden, Code: "wrong_booking", Field: "token", Title: "This link is for another booking",
			Message: errWrongBooking.Error()})
	case errors.Is(err, models.ErrNotFound), errors.Is(err, outbox.ErrNotFound):
		return home(problem{Status: http.StatusNotFound, Title: "Not found", Message: "There is nothing here."})
	case errors.As(err, &he) && he.Code < http.StatusInternalServerError:
		msg, ok := he.Message.(string)
		if !ok || msg == "" {
			msg = http.StatusText(he.Code)
		}
		return home(problem{Status: he.Code, Title: http.StatusText(he.Code), Message: msg})
	default:
		return problem{Status: http.StatusInternalServerError, Title: "Something went wrong",
			Message: "Something went wrong on our side. Please try again in a moment."}
	}
}

// answerLabel names an intake answer as the booking form labels it.
func answerLabel(field string) string {
	switch field {
	case "answers.role":
		return "Your current role"
	case "answers.gap":
		return "The gap you most want to close"
	case "answers.notes":
		return "Anything else"
	}
	return field
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

package api

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/dripbook/dripbook/booking"
	"github.com/dripbook/dripbook/fault"
	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/storage"
	"github.com/dripbook/dripbook/token"
)

// errWrongBooking means a manage link was used on another booking's API path.
var errWrongBooking = fault.New(fault.Forbidden, "wrong_booking", "token is for another booking")

// retryError is a domain error from a form's POST, with the way to show that
// form again. The central handler decides the status and the message; the
// form shows them at its top, above what the visitor chose and typed.
type retryError struct {
	err  error
	show func(c echo.Context, p problem) error
}

func (f *retryError) Error() string { return f.err.Error() }
func (f *retryError) Unwrap() error { return f.err }

// retry wraps err so that, if the visitor can fix it, the form is shown
// again through show. A nil err stays nil.
func retry(err error, show func(c echo.Context, p problem) error) error {
	if err == nil {
		return nil
	}
	return &retryError{err: err, show: show}
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
// domain errors and this maps them to a status, as JSON where machines ask
// (isAPI) and as a small page everywhere else.
func (s *server) handleError(err error, c echo.Context) {
	s.answerError(err, c, isAPI(c))
}

// handleJSONError is handleError for a server that answers only machines
// ("dripbook worker"'s health and metrics): every error is JSON.
func (s *server) handleJSONError(err error, c echo.Context) {
	s.answerError(err, c, true)
}

func (s *server) answerError(err error, c echo.Context, asJSON bool) {
	if c.Response().Committed {
		// Too late to answer with it, not too late to say it.
		s.requestLog(c).ErrorContext(c.Request().Context(), "request failed after its response began", "error", err)
		return
	}
	p := classify(err)
	if p.Status >= http.StatusInternalServerError {
		s.requestLog(c).ErrorContext(c.Request().Context(), "request failed", "error", err)
	}
	if after, ok := fault.RetryAfterOf(err); ok {
		c.Response().Header().Set("Retry-After", retryAfterSeconds(after))
	}
	var (
		form *retryError
		fe   *fault.FieldError
	)
	switch {
	case asJSON:
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
func (s *server) showAgain(c echo.Context, form *retryError, p problem) error {
	err := form.show(c, p)
	if err == nil || c.Response().Committed {
		return err
	}
	s.requestLog(c).ErrorContext(c.Request().Context(), "show form again", "error", err, "problem", form.err)
	fail := classify(err)
	return s.render(c, fail.Status, "error", fail.Title, fail)
}

// byKind is the one table from an error's kind to its status, with the
// general words for an error of that kind that has none of its own in
// wording. A kind not here is ours: a 500.
var byKind = map[fault.Kind]problem{
	fault.Invalid: {Status: http.StatusBadRequest, Title: "Please check what you sent",
		Message: "Something you sent is not valid — please check it and try again.", Fixable: true},
	fault.NotFound: {Status: http.StatusNotFound, Title: "Not found", Message: "There is nothing here."},
	fault.Conflict: {Status: http.StatusConflict, Title: "That has changed",
		Message: "Something changed in the meantime — please check and try again.", Fixable: true},
	fault.Gone:      {Status: http.StatusGone, Title: "No longer here", Message: "This is no longer available."},
	fault.Forbidden: {Status: http.StatusForbidden, Title: "Not allowed", Message: "This link does not allow that."},
	fault.Unprocessable: {Status: http.StatusUnprocessableEntity, Title: "That can't be done",
		Message: "That can't be done — please check what you chose and try again.", Fixable: true},
	fault.TooMany: {Status: http.StatusTooManyRequests, Title: "Please try again a little later",
		Message: "There have been a lot of requests like this one — please try again in a little while."},
}

// wording is what a visitor is told of the errors they meet, in place of
// their kind's general words. The status and the code still come from the
// error.
var wording = []struct {
	err error
	p   problem
}{
	{token.ErrInvalid, home(problem{Field: "token", Title: "This link is not valid",
		Message:    "Please check that you copied the whole link from the email.",
		APIMessage: token.ErrInvalid.Error()})},
	{token.ErrExpired, problem{Field: "token", Title: "This link has expired",
		Message: "This link has expired — sign up again to get a fresh one.", Link: "/", Linked: "Sign up again",
		APIMessage: token.ErrExpired.Error()}},
	{models.ErrNoLongerSubscribed, problem{Title: "You've left this course",
		Message: "This address left the course after this link was sent, so it changes nothing. To join again, sign up afresh.",
		Link:    "/", Linked: "Sign up again", APIMessage: models.ErrNoLongerSubscribed.Error()}},
	{storage.ErrConfirmQuota, problem{Title: "Enough confirmation emails for today",
		Message:    "This mailbox has had three confirmation emails in the last 24 hours. Try again tomorrow, so it is not flooded.",
		APIMessage: storage.ErrConfirmQuota.Error()}},
	{models.ErrSlotTaken, problem{Title: "That time was just taken",
		Message: "Someone just took that time — please pick another.", Fixable: true}},
	{models.ErrAlreadyBooked, problem{Title: "You already have a call booked",
		Message: "You already have a call booked — you can reschedule or cancel it instead.", Fixable: true}},
	{models.ErrNotConfirmed, home(problem{Title: "This call was canceled",
		Message: "This call was canceled, so it can no longer be changed.", Fixable: true})},
	{booking.ErrCallAttended, home(problem{Title: "This call has taken place",
		Message: "This call took place, so it can no longer be moved or canceled."})},
	{booking.ErrNotOffered, problem{Field: "start", Title: "That time is not available",
		Message: "That time is not available — please pick one of the times shown.", Fixable: true}},
	{booking.ErrInPast, problem{Field: "start", Title: "That time has passed",
		Message: "That time has already passed — please pick another.", Fixable: true}},
	{errWrongBooking, home(problem{Field: "token", Title: "This link is for another booking",
		Message: errWrongBooking.Error()})},
	{booking.ErrTooManyChanges, home(problem{Title: "That's a lot of changes for one day",
		Message: "You've changed your call several times today, so changes are paused for a while. " +
			"A call you have booked still stands, and you can still cancel it.",
		APIMessage: booking.ErrTooManyChanges.Error()})},
}

// internalError is what the visitor is told of a failure of ours; its
// details stay in the log.
var internalError = problem{Status: http.StatusInternalServerError, Title: "Something went wrong",
	Message: "Something went wrong on our side. Please try again in a moment."}

// classify maps an error to what the visitor is told. The status comes from
// the error's kind, so an error without words of its own still gets its
// kind's status; only an error without a kind is a 500.
func classify(err error) problem {
	var (
		fe *fault.FieldError
		he *echo.HTTPError
	)
	kind := fault.KindOf(err)
	switch {
	case errors.As(err, &fe):
		return fieldProblem(fe)
	case kind != fault.Internal:
		return kindProblem(err, kind)
	case errors.As(err, &he) && he.Code < http.StatusInternalServerError:
		msg, ok := he.Message.(string)
		if !ok || msg == "" {
			msg = http.StatusText(he.Code)
		}
		return home(problem{Status: he.Code, Title: http.StatusText(he.Code), Message: msg})
	default:
		return internalError
	}
}

// kindProblem is a domain error of a known kind: its own words if it has
// them, its kind's otherwise.
func kindProblem(err error, kind fault.Kind) problem {
	general, ok := byKind[kind]
	if !ok {
		return internalError
	}
	p := home(general)
	for _, w := range wording {
		if errors.Is(err, w.err) {
			p = w.p
			break
		}
	}
	p.Status, p.Code = general.Status, fault.CodeOf(err)
	return p
}

// fieldProblem is invalid input in one field. A problem with an intake
// answer already names the question as the form labels it.
func fieldProblem(fe *fault.FieldError) problem {
	p := problem{Status: byKind[fault.Invalid].Status, Field: fe.Field, Title: "Please check the form",
		Message: fe.Message, Fixable: true}
	if strings.HasPrefix(fe.Field, "answers.") {
		p.Title, p.Message = "Please check your answers", fe.Message+"."
	}
	return p
}

// home links a problem to the home page.
func home(p problem) problem {
	p.Link, p.Linked = "/", "Go to the home page"
	return p
}

// respond logs a response that could not be written; there is no one left
// to tell.
func (s *server) respond(c echo.Context, err error) {
	if err != nil {
		s.requestLog(c).ErrorContext(c.Request().Context(), "write error response", "error", err)
	}
}

// requestLog is the logger for what goes wrong with a request: it names the
// method, the route and the request's id. The route is the pattern, such as
// /confirm/:token, never the URI: URIs carry the signed tokens of the links
// in emails, which must not end up in log files.
func (s *server) requestLog(c echo.Context) *slog.Logger {
	return s.Log.With("method", c.Request().Method, "route", c.Path(), "request_id", requestID(c))
}

// retryAfterSeconds is a Retry-After value: whole seconds, rounded up, at
// least one, so a client never retries at once.
func retryAfterSeconds(d time.Duration) string {
	secs := int64((d + time.Second - 1) / time.Second)
	return strconv.FormatInt(max(secs, 1), 10)
}

// isAPI reports whether a machine asks: the JSON API, the schedulers'
// webhooks, and the health and metrics endpoints.
func isAPI(c echo.Context) bool {
	path := c.Request().URL.Path
	switch path {
	case "/healthz", "/readyz", "/metrics":
		return true
	}
	return strings.HasPrefix(path, "/api/") || strings.HasPrefix(path, "/hooks/")
}

func requestID(c echo.Context) string {
	return c.Response().Header().Get(echo.HeaderXRequestID)
}

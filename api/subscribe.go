package api

import (
	"context"

	"fmt"
	"strings"

	"errors"
	"io"
	"mime"
	"net/http"
	"time"

	"encoding/json/jsontext"
	json "encoding/json/v2"

	"github.com/labstack/echo/v4"

	"github.com/dripbook/dripbook/address"
	"github.com/dripbook/dripbook/fault"
	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/timezone"
)

// maxJSONBody caps a JSON body; a real signup is a few hundred bytes, a
// booking with long answers a few KiB.
const maxJSONBody = 16 << 10

// enqueueTimeout bounds the one queue write on the signup path. A signup
// whose enqueue fails is still stored, and the reconciler sends it later.
const enqueueTimeout = 5 * time.Second

// signupForm is the landing page form: what was typed, and what was wrong
// with it.
type signupForm struct {
	Email    string
	Name     string
	Timezone string
	Errors   map[string]string
}

// landing shows the course and the signup form.
func (s *server) landing(c echo.Context) error {
	return s.renderLanding(c, http.StatusOK, signupForm{}, nil)
}

// honeypotField is a field of the landing form that people never see: it
// is off screen, hidden from screen readers and skipped by the tab key. A
// bot that fills every field fills it too.
const honeypotField = "website"

// subscribeForm is the landing page's form POST.
func (s *server) subscribeForm(c echo.Context) error {
	f := signupFormFrom(c)
	if !timezone.Valid(f.Timezone) {
		// The browser's zone, in a field the visitor never sees: one not
		// known here is dropped (DEFAULT_TZ serves), not refused, which
		// the visitor could not mend.
		f.Timezone = ""
	}
	req := signupRequest{Email: f.Email, Name: f.Name, Timezone: f.Timezone}
	if err := req.validate(); err != nil {
		return err
	}
	if v := c.FormValue("consent_version"); v != "" && v != s.Pages.Landing.ConsentVersion {
		// The consent line changed while the page was open: a consent is
		// recorded only to words the visitor was shown.
		return s.renderLanding(c, http.StatusConflict, f, &fault.FieldError{Field: "consent",
			Message: "The words below the button have changed since this page opened: please read them and press the button again."})
	}
	if c.FormValue(honeypotField) != "" {
		// The usual answer, so the bot learns nothing; nothing is stored
		// and nothing is sent.
		s.Log.InfoContext(c.Request().Context(), "signup honeypot filled", "request_id", requestID(c))
	} else if err := s.signup(c, req); err != nil {
		return err
	}
	page, err := s.Pages.checkInbox(req.Email)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "check_inbox", page.Heading, page)
}

// subscribeJSON is the API signup. It answers the same for a new, pending or
// active address, so it cannot be used to find out who is on the list.
func (s *server) subscribeJSON(c echo.Context) error {
	req, err := decodeSignup(c.Request())
	if err != nil {
		return err
	}
	if err := req.validate(); err != nil {
		return err
	}
	if err := s.signup(c, req); err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, map[string]string{"status": "pending_confirmation"})
}

// signup checks the limits, stores the subscriber with their consent, and
// queues the confirmation email when one is due: one insert and one enqueue.
// req is validated.
func (s *server) signup(c echo.Context, req signupRequest) error {
	ctx := c.Request().Context()
	if err := s.signupAllowed(c, req.Email); err != nil {
		return err
	}
	res, err := s.Store.Subscribe(ctx, models.Signup{
		Email:       req.Email,
		Name:        req.Name,
		Timezone:    req.Timezone,
		IP:          c.RealIP(),
		UserAgent:   c.Request().UserAgent(),
		TextVersion: s.Pages.Landing.ConsentVersion, // the consent line beside the form
	})
	if err != nil {
		return err
	}
	if res.SubscriberID == 0 {
		// A new address of a mailbox whose confirmation quota is spent is
		// not stored; the answer is the same, so it says nothing.
		s.Log.InfoContext(ctx, "signup not stored: the mailbox's confirmations are used up", "request_id", requestID(c))
		return nil
	}
	s.observeSignup()
	s.Log.InfoContext(ctx, "signup", "subscriber_id", res.SubscriberID, "round", res.Round, "request_id", requestID(c))
	if res.Round == 0 {
		return nil
	}
	// The row is stored; a visitor who closes the tab now should still get
	// their email, so the enqueue outlives the request.
	qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), enqueueTimeout)
	defer cancel()
	if err := s.Course.RequestConfirmation(qctx, res.SubscriberID, res.Round); err != nil {
		s.Log.WarnContext(ctx, "queue confirmation; the reconciler will retry",
			"error", err, "subscriber_id", res.SubscriberID, "round", res.Round, "request_id", requestID(c))
	}
	return nil
}

// signupAllowed counts a signup against the limits per client, per mailbox
// and in total, in that order and in one round trip, so that one noisy
// client spends only its own allowance and nobody else's.
func (s *server) signupAllowed(c echo.Context, email string) error {
	return s.limiter.allowAll(c.Request().Context(),
		limitCheck{"signup:ip", clientKey(c.RealIP()), s.Limits.SignupPerIP},
		limitCheck{"signup:mailbox", hashKey(address.Mailbox(email)), s.Limits.SignupPerMailbox},
		limitCheck{"signup:total", "all", s.Limits.SignupTotal})
}

// renderLanding shows the landing page, with the form as it was sent and
// the problem with it, if any.
func (s *server) renderLanding(c echo.Context, status int, f signupForm, fe *fault.FieldError) error {
	if fe != nil {
		f.Errors = map[string]string{fe.Field: fe.Message}
	}
	return s.render(c, status, "landing", "", f)
}

// signupFormFrom reads the form as the visitor typed it, to send it back
// with an error.
func signupFormFrom(c echo.Context) signupForm {
	return signupForm{
		Email:    c.FormValue("email"),
		Name:     c.FormValue("name"),
		Timezone: c.FormValue("timezone"),
	}
}

// decodeSignup reads a JSON signup.
func decodeSignup(r *http.Request) (signupRequest, error) {
	var req signupRequest
	err := decodeJSON(r, &req, "Send one JSON object with email, name and timezone")
	return req, err
}

// decodeJSON reads a JSON body into v strictly: one object, known fields
// only, at most maxJSONBody bytes. An oversized body is a bad request like
// any other malformed one, not a 413, so clients see one error shape. hint
// says what the object should hold.
func decodeJSON(r *http.Request, v any, hint string) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType))
	if err != nil || mt != echo.MIMEApplicationJSON {
		return echo.NewHTTPError(http.StatusUnsupportedMediaType, "Send the body as application/json.")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxJSONBody+1))
	if err != nil {
		return &fault.FieldError{Field: "body", Message: "The request body could not be read."}
	}
	if len(body) > maxJSONBody {
		return &fault.FieldError{Field: "body", Message: "The request body is larger than 16 KiB."}
	}
	// Member names match exactly: a key that differs only by case, a key
	// given twice or one the object does not have is refused, naming it.
	err = json.Unmarshal(body, v, json.RejectUnknownMembers(true))
	var serr *json.SemanticError
	var syn *jsontext.SyntacticError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &serr) && errors.Is(serr.Err, json.ErrUnknownName):
		return &fault.FieldError{Field: "body", Message: fmt.Sprintf("%s: %q is not a known key (keys are case-sensitive).", hint, serr.JSONPointer)}
	case errors.As(err, &syn) && strings.Contains(syn.Err.Error(), "duplicate"):
		return &fault.FieldError{Field: "body", Message: fmt.Sprintf("%s: the key %q is given more than once.", hint, syn.JSONPointer)}
	case errors.As(err, &syn) && strings.Contains(syn.Err.Error(), "after top-level value"):
		return &fault.FieldError{Field: "body", Message: "Send one JSON object and nothing after it."}
	default:
		return &fault.FieldError{Field: "body", Message: hint + ": " + err.Error()}
	}
}

package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/dripbook/dripbook/fault"
	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/scorecard"
	"github.com/dripbook/dripbook/storage"
)

// Bounces undoes a bounce and resumes the course. The drip Engine
// implements it.
type Bounces interface {
	RestoreBounced(ctx context.Context, subscriberID int64) error
}

// pageSize is how many subscribers one page of the list shows.
const pageSize = 50

var (
	errBadID     = fault.New(fault.NotFound, "", "no such subscriber")
	errBadStatus = fault.New(fault.Invalid, "bad_status", "unknown status")
	errNotState  = fault.New(fault.Conflict, "wrong_state", "the subscriber is not in a state that allows this")
	// errNotConfirmed is an erasure whose box was not ticked.
	errNotConfirmed = fault.New(fault.Invalid, "not_confirmed", "tick the box to confirm the erasure")
)

// statuses are the states the list filters by.
var statuses = []string{models.StatusPending, models.StatusActive, models.StatusUnsubscribed, models.StatusBounced, models.StatusErased}

// subscriberList is what GET /admin/subscribers shows.
type subscriberList struct {
	CSRF     string
	Query    string
	Status   string
	Statuses []string
	Rows     []models.Subscriber
	Next     string // the next page's URL, if there may be one
}

func (s *server) subscribers(c echo.Context) error {
	f := storage.SubscriberFilter{Query: c.QueryParam("q"), Status: c.QueryParam("status"), Limit: pageSize}
	if f.Status != "" && !slices.Contains(statuses, f.Status) {
		return errBadStatus
	}
	if a := c.QueryParam("after"); a != "" {
		after, err := strconv.ParseInt(a, 10, 64)
		if err != nil || after < 0 {
			return errBadID
		}
		f.After = after
	}
	rows, err := s.Store.SearchSubscribers(c.Request().Context(), f)
	if err != nil {
		return err
	}
	l := subscriberList{CSRF: csrfToken(c), Query: f.Query, Status: f.Status, Statuses: statuses, Rows: rows}
	if len(rows) == pageSize {
		q := url.Values{"after": {strconv.FormatInt(rows[len(rows)-1].ID, 10)}}
		if f.Query != "" {
			q.Set("q", f.Query)
		}
		if f.Status != "" {
			q.Set("status", f.Status)
		}
		l.Next = "/admin/subscribers?" + q.Encode()
	}
	return s.render(c, http.StatusOK, "admin_subscribers", "Subscribers", l)
}

// record is everything dripbook holds about one subscriber: the timeline
// page and the Art. 15 export both show it.
type record struct {
	Subscriber models.Subscriber  `json:"subscriber"`
	Consents   []models.Consent   `json:"consents"`
	Enrollment *models.Enrollment `json:"enrollment,omitempty"`
	Deliveries []models.Delivery  `json:"emails"`
	Clicks     []models.Click     `json:"clicks"`
	Bookings   []models.Booking   `json:"bookings"`
	Scorecard  scorecard.Answers  `json:"scorecard"` // zero when not filled in
	// Held is the rest: the events written about them, their booking
	// changes, the confirmation rounds counted against their mailbox.
	storage.Held
}

func (s *server) record(ctx context.Context, idParam string) (record, error) {
	id, err := strconv.ParseInt(idParam, 10, 64)
	if err != nil {
		return record{}, errBadID
	}
	var r record
	if r.Subscriber, err = s.Store.Subscriber(ctx, id); err != nil {
		return record{}, err
	}
	if r.Consents, err = s.Store.Consents(ctx, id); err != nil {
		return record{}, err
	}
	switch enr, err := s.Store.Enrollment(ctx, id); {
	case err == nil:
		r.Enrollment = &enr
	case fault.KindOf(err) != fault.NotFound:
		return record{}, err
	}
	if r.Deliveries, err = s.Store.Deliveries(ctx, id); err != nil {
		return record{}, err
	}
	if r.Clicks, err = s.Store.Clicks(ctx, id); err != nil {
		return record{}, err
	}
	if r.Bookings, err = s.Store.BookingsFor(ctx, id); err != nil {
		return record{}, err
	}
	if r.Scorecard, err = s.Store.ScorecardAnswers(ctx, id); err != nil {
		return record{}, err
	}
	if r.Held, err = s.Store.HeldAbout(ctx, id); err != nil {
		return record{}, err
	}
	return r, nil
}

// subscriberPage is what GET /admin/subscribers/:id shows.
type subscriberPage struct {
	record
	CSRF   string
	Done   string // what the last action did
	Erased bool
}

func (s *server) subscriber(c echo.Context) error {
	r, err := s.record(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "admin_subscriber", "Subscriber", subscriberPage{
		record: r, CSRF: csrfToken(c), Done: doneMessages[c.QueryParam("done")],
		Erased: r.Subscriber.Status == models.StatusErased,
	})
}

// doneMessages confirm an action after its redirect.
var doneMessages = map[string]string{
	"resent":       "A new confirmation email is on its way.",
	"unsubscribed": "Unsubscribed: no more email goes to this address.",
	"restored":     "The bounce is undone and the course resumes.",
	"erased":       "Erased: no personal data about this subscriber is left.",
}

// subscriberAction runs one console action on a subscriber and goes back
// to their page.
func (s *server) subscriberAction(c echo.Context) error {
	ctx := c.Request().Context()
	r, err := s.record(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	sub := r.Subscriber
	action := c.Param("action")
	switch action {
	case "resend":
		err = s.resend(ctx, sub)
		action = "resent"
	case "unsubscribe":
		var changed bool
		if changed, err = s.Store.Unsubscribe(ctx, sub.ID); err == nil && !changed {
			err = errNotState
		}
		action = "unsubscribed"
	case "restore":
		err = s.restore(ctx, sub)
		action = "restored"
	case "erase":
		if c.FormValue("confirm") != "yes" {
			return errNotConfirmed
		}
		err = s.erase(ctx, r)
		action = "erased"
	default:
		return errBadID
	}
	if err != nil {
		return err
	}
	s.requestLog(c).InfoContext(ctx, "console action", "action", action, "subscriber_id", sub.ID)
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/admin/subscribers/%d?done=%s", sub.ID, action))
}

func (s *server) resend(ctx context.Context, sub models.Subscriber) error {
	round, err := s.Store.NewConfirmRound(ctx, sub.ID)
	if err != nil {
		return err
	}
	if round == 0 {
		return errNotState
	}
	return s.Course.RequestConfirmation(ctx, sub.ID, round)
}

func (s *server) restore(ctx context.Context, sub models.Subscriber) error {
	if sub.Status != models.StatusBounced {
		return errNotState
	}
	if s.Bounces != nil {
		return s.Bounces.RestoreBounced(ctx, sub.ID)
	}
	_, err := s.Store.RestoreBounced(ctx, sub.ID)
	return err
}

// erase removes the subscriber's personal data (see storage.Erase) and
// then, as far as the queue allows, the emails still queued for them. The
// engine sends nothing to an erased subscriber, so a task left behind does
// no harm.
func (s *server) erase(ctx context.Context, r record) error {
	if err := s.Store.Erase(ctx, r.Subscriber.ID); err != nil {
		return err
	}
	if s.Tasks != nil {
		if err := s.Tasks.CancelSubscriber(ctx, r.Subscriber.ID, r.Subscriber.ConfirmRound, s.Lessons); err != nil {
			s.Log.WarnContext(ctx, "cancel an erased subscriber's tasks", "error", err, "subscriber_id", r.Subscriber.ID)
		}
	}
	return nil
}

// export is the Art. 15 and 20 copy: everything held about one subscriber
// as one JSON file.
func (s *server) export(c echo.Context) error {
	r, err := s.record(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	c.Response().Header().Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="subscriber-%d.json"`, r.Subscriber.ID))
	return c.JSONPretty(http.StatusOK, r, "  ")
}

package api

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/dripbook/dripbook/booking"
	"github.com/dripbook/dripbook/locale"
	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/timezone"
	"github.com/dripbook/dripbook/token"
)

// bookInput is the booking form as the visitor sent it, or the page's query
// on a GET.
type bookInput struct {
	From     string // the lesson whose link led here
	TZ       string // the zone the visitor asked for
	Start    string
	Answers  answersInput
	Key      string
	AutoZone bool
	Locale   locale.Locale
	Lang     string // the lang parameter, kept from page to page
}

// bookView is the booking page.
type bookView struct {
	Token   string
	Name    string
	Email   string
	Minutes string
	Problem *problem
	Active  *activeView
	Picker  slotPicker
	Answers answersInput
	From    string
	Key     string
	Place   booking.Place // where the call happens
}

// activeView is a booking the subscriber already has, shown instead of the
// slots.
type activeView struct {
	When string
	token.Paths
}

// bookPage is the personal booking link at the end of the course. It
// records the click, then sends the visitor to the external scheduler if one
// is configured, or shows the free slots in the visitor's time zone.
func (s *server) bookPage(c echo.Context) error {
	tok := c.Param("token")
	sub, err := s.bookingSubscriber(c.Request().Context(), tok)
	if err != nil {
		return err
	}
	// The links in emails never carry tz: a URL with one is this page
	// reloaded in another zone, not another click.
	reloaded := c.QueryParams().Has("tz")
	if !reloaded {
		s.recordClick(c, sub.ID, c.QueryParam("from"))
	}
	if s.BookingURL != "" {
		return s.toScheduler(c, sub.ID)
	}
	in := bookInput{From: c.QueryParam("from"), TZ: c.QueryParam("tz"), AutoZone: !reloaded}
	in.Locale, in.Lang = visitorLocale(c)
	return s.renderBook(c, http.StatusOK, tok, sub, in, nil)
}

// bookForm books the chosen slot and sends the visitor on to the booking's
// own page. A problem the visitor can fix shows the form again, answers and
// all.
func (s *server) bookForm(c echo.Context) error {
	tok := c.Param("token")
	sub, err := s.bookingSubscriber(c.Request().Context(), tok)
	if err != nil {
		return err
	}
	in := bookInput{
		From: c.FormValue("from"), TZ: c.FormValue("tz"), Start: c.FormValue("start"), Key: c.FormValue("idempotency_key"),
		Answers: s.formAnswers(c),
	}
	in.Locale, in.Lang = visitorLocale(c)
	b, err := s.book(c, sub.ID, in)
	if err != nil {
		return retry(err, func(c echo.Context, p problem) error {
			return s.renderBook(c, p.Status, tok, sub, in, &p)
		})
	}
	return c.Redirect(http.StatusSeeOther, withLang(s.Links.Manage(b.ID)+"?booked=1", in.Lang))
}

// book turns the form into a booking request.
func (s *server) book(c echo.Context, subID int64, in bookInput) (models.Booking, error) {
	start, err := parseStart(in.Start)
	if err != nil {
		return models.Booking{}, err
	}
	key, err := idempotencyKey(subID, in.Key)
	if err != nil {
		return models.Booking{}, err
	}
	r := booking.Request{SubscriberID: subID, Start: start, Answers: in.Answers.domain(), IdempotencyKey: key}
	if s.isLesson(in.From) {
		r.SourceLesson = in.From
	}
	if timezone.Valid(in.TZ) {
		r.Timezone = in.TZ
	}
	r.Locale = in.Locale.Tag()
	b, created, err := s.Bookings.Book(c.Request().Context(), r)
	if err == nil {
		s.Log.InfoContext(c.Request().Context(), "booking", "booking_id", b.ID, "subscriber_id", subID,
			"created", created, "source_lesson", r.SourceLesson, "request_id", requestID(c))
	}
	return b, err
}

// renderBook shows the booking page: the booking the subscriber already
// has, or the free slots with the form.
func (s *server) renderBook(c echo.Context, status int, tok string, sub models.Subscriber, in bookInput, p *problem) error {
	ctx := c.Request().Context()
	v := bookView{
		Token: tok, Name: sub.Name, Email: sub.Email, Problem: p, Answers: in.Answers, Key: newFormKey(),
		Minutes: minutes(s.Bookings.Rules().Call), Place: s.Place,
	}
	if s.isLesson(in.From) {
		v.From = in.From
	}
	active, err := s.Bookings.ActiveFor(ctx, sub.ID)
	switch {
	case err == nil:
		v.Place = booking.CallPlace(active, s.Place)
		v.Active = &activeView{
			When:  callTime(active, timezone.First(s.Bookings.Rules().Location, active.Timezone, sub.Timezone), in.Locale),
			Paths: token.BookingPaths(s.Signer, active.ID, s.Now()),
		}
	case errors.Is(err, models.ErrNotFound):
		loc := timezone.First(s.Bookings.Rules().Location, in.TZ, sub.Timezone)
		if v.Picker, err = s.picker(ctx, loc, in.Locale, in.Start, time.Time{}); err != nil {
			return err
		}
		v.Picker.ZoneAction, v.Picker.From, v.Picker.Lang, v.Picker.AutoZone = "/book/"+tok, v.From, in.Lang, in.AutoZone
	default:
		return err
	}
	return s.render(c, status, "book", s.Pages.BookingHeading, v)
}

// recordClick notes which lesson's link was followed: a known lesson, or
// none. A from that names no lesson is not recorded. Failing to record is
// not the visitor's problem, so it is only logged.
func (s *server) recordClick(c echo.Context, subID int64, from string) {
	if from != "" && !s.isLesson(from) {
		return
	}
	ctx := c.Request().Context()
	if err := s.Bookings.RecordClick(ctx, subID, from); err != nil {
		s.Log.WarnContext(ctx, "record booking link click", "error", err, "subscriber_id", subID, "request_id", requestID(c))
	}
}

func (s *server) isLesson(slug string) bool {
	return slug != "" && s.IsLesson != nil && s.IsLesson(slug)
}

// verifyBook checks a personal booking link, which works for BookMaxAge.
func (s *server) verifyBook(tok string) (int64, error) {
	return s.Signer.Verify(tok, token.Book, token.BookMaxAge, s.Now())
}

// bookingSubscriber checks a booking link and loads its subscriber. An
// erased subscriber is not found: an old email's link must not write
// anything about them again.
func (s *server) bookingSubscriber(ctx context.Context, tok string) (models.Subscriber, error) {
	id, err := s.verifyBook(tok)
	if err != nil {
		return models.Subscriber{}, err
	}
	return s.liveSubscriber(ctx, id)
}

// liveSubscriber loads the subscriber a link names; an erased one is not
// found, so that an old email's link writes nothing about them again.
func (s *server) liveSubscriber(ctx context.Context, id int64) (models.Subscriber, error) {
	sub, err := s.Store.Subscriber(ctx, id)
	if err == nil && sub.Status == models.StatusErased {
		return models.Subscriber{}, models.ErrNotFound
	}
	return sub, err
}

// verifyBooking checks a booking link signed for purpose (manage, cancel or
// reschedule). These never expire: the call can be moved from the
// confirmation email until it happens.
func (s *server) verifyBooking(tok, purpose string) (int64, error) {
	return s.Signer.Verify(tok, purpose, 0, s.Now())
}

// withLang adds the visitor's lang parameter, if they chose one, to a URL
// that already has a query.
func withLang(u, lang string) string {
	if lang == "" {
		return u
	}
	return u + "&lang=" + url.QueryEscape(lang)
}

// formatUTC writes an instant the way the API and the form send them.
func formatUTC(t time.Time) string { return t.UTC().Format(time.RFC3339) }

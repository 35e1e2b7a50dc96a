package api

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/dripbook/dripbook/fault"
	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/scorecard"
	"github.com/dripbook/dripbook/storage"
)

// Sending says whether mail is held back while the relay fails. The relay
// Sender implements it.
type Sending interface {
	Paused() (bool, time.Time)
}

// Tasks is the queue as the console sees it. The worker's Queue implements
// it.
type Tasks interface {
	// ArchivedTasks counts the tasks that ran out of retries.
	ArchivedTasks(ctx context.Context) (int, error)
	// CancelSubscriber deletes a subscriber's queued confirmation rounds
	// and lessons, as far as it can.
	CancelSubscriber(ctx context.Context, subscriberID int64, rounds int, lessons []string) error
}

// errBadDate is a period the dashboard cannot read.
var errBadDate = fault.New(fault.Invalid, "bad_date", "dates are YYYY-MM-DD, from before to")

// step is one row of the funnel.
type step struct {
	Name  string
	Count int64
	Rate  string // a percentage of the step named Of; empty for the first
	Of    string
}

// dashboard is what GET /admin shows.
type dashboard struct {
	CSRF           string
	From, To       string // the period, as typed: YYYY-MM-DD, To inclusive
	Steps          []step
	Chart          chart
	Upcoming       []bookingRow
	PausedUntil    string // when sending resumes, if paused
	Archived       int
	ArchivedFailed bool // the queue could not be asked
}

func (s *server) dashboard(c echo.Context) error {
	ctx := c.Request().Context()
	from, to, err := s.period(c.QueryParam("from"), c.QueryParam("to"))
	if err != nil {
		return err
	}
	f, err := s.Store.Funnel(ctx, from, to)
	if err != nil {
		return err
	}
	days, err := s.Store.SignupsPerDay(ctx, from, to)
	if err != nil {
		return err
	}
	upcoming, err := s.Store.ConsoleBookings(ctx, s.Now(), false, 10)
	if err != nil {
		return err
	}
	d := dashboard{
		CSRF: csrfToken(c), From: from.Format(time.DateOnly), To: to.AddDate(0, 0, -1).Format(time.DateOnly),
		Steps: s.funnelSteps(f), Chart: newChart(from, to, days),
	}
	if d.Upcoming, err = s.bookingRows(ctx, upcoming); err != nil {
		return err
	}
	if s.Sending != nil {
		if paused, until := s.Sending.Paused(); paused {
			d.PausedUntil = until.UTC().Format("2006-01-02 15:04 MST")
		}
	}
	if s.Tasks != nil {
		n, err := s.Tasks.ArchivedTasks(ctx)
		if err != nil {
			s.requestLog(c).WarnContext(ctx, "count archived tasks", "error", err)
			d.ArchivedFailed = true
		}
		d.Archived = n
	}
	return s.render(c, http.StatusOK, "admin_dashboard", "Dashboard", d)
}

// period reads ?from=&to= (inclusive days, UTC); the default is the last 30
// days. The result is [from, to) with to the midnight after the last day.
func (s *server) period(fromQ, toQ string) (time.Time, time.Time, error) {
	today := s.Now().UTC().Truncate(24 * time.Hour)
	to, from := today, today.AddDate(0, 0, -29)
	var err error
	if toQ != "" {
		if to, err = time.Parse(time.DateOnly, toQ); err != nil {
			return time.Time{}, time.Time{}, errBadDate
		}
	}
	if fromQ != "" {
		if from, err = time.Parse(time.DateOnly, fromQ); err != nil {
			return time.Time{}, time.Time{}, errBadDate
		}
	} else if toQ != "" {
		from = to.AddDate(0, 0, -29)
	}
	if from.After(to) || to.Sub(from) > 3660*24*time.Hour {
		return time.Time{}, time.Time{}, errBadDate
	}
	return from, to.AddDate(0, 0, 1), nil
}

// funnelSteps lays the funnel out in the course's order: each lesson sent,
// then its booking link clicked. Each step's rate is a share of the step it
// follows from: a lesson of the lesson before it (the first of Confirmed), a
// click of its lesson, a booking of Confirmed (sales lessons stop once a
// call is booked, so the last lesson is no base), attending of booking.
func (s *server) funnelSteps(f storage.Funnel) []step {
	var steps []step
	add := func(name string, n int64, base int) int {
		st := step{Name: name, Count: n}
		if base >= 0 {
			b := steps[base]
			st.Of = b.Name
			st.Rate = "–"
			if b.Count > 0 {
				st.Rate = fmt.Sprintf("%.0f%%", 100*float64(n)/float64(b.Count))
			}
		}
		steps = append(steps, st)
		return len(steps) - 1
	}
	signed := add("Signed up", f.SignedUp, -1)
	confirmed := add("Confirmed", f.Confirmed, signed)
	prev := confirmed
	for _, slug := range s.lessonOrder(f) {
		sent := add("Lesson sent: "+slug, f.Sent[slug], prev)
		if n, ok := f.Clicked[slug]; ok {
			add("Booking link clicked: "+slug, n, sent)
		}
		prev = sent
	}
	booked := add("Booked a call", f.Booked, confirmed)
	add("Attended", f.Attended, booked)
	return steps
}

// lessonOrder is the course's lessons, then any slug sent that the course
// no longer has.
func (s *server) lessonOrder(f storage.Funnel) []string {
	order := append([]string(nil), s.Lessons...)
	known := make(map[string]bool, len(order))
	for _, slug := range order {
		known[slug] = true
	}
	for slug := range f.Sent {
		if !known[slug] {
			order = append(order, slug)
			known[slug] = true
		}
	}
	return order
}

// bookingRow is a call as the console lists it.
type bookingRow struct {
	models.Booking
	When       string
	Subscriber models.Subscriber
	Answers    []answer
	Sent       int
	Clicked    []string
	Scorecard  scorecard.Answers // zero when not filled in
	Past       bool
	CSRF       string // for the outcome form
}

// answer is one intake answer, labelled as the booking form asks it.
type answer struct{ Label, Text string }

// bookingRows adds who booked and what they told us.
func (s *server) bookingRows(ctx context.Context, bs []models.Booking) ([]bookingRow, error) {
	ids := make([]int64, 0, len(bs))
	for _, b := range bs {
		ids = append(ids, b.SubscriberID)
	}
	subs, err := s.Store.Subscribers(ctx, ids)
	if err != nil {
		return nil, err
	}
	rows := make([]bookingRow, 0, len(bs))
	for _, b := range bs {
		rows = append(rows, bookingRow{
			Booking: b, When: b.Start.UTC().Format("Mon 2 Jan 2006 15:04 MST"),
			Subscriber: subs[b.SubscriberID], Answers: parseAnswers(s.Pages.Questions, b.Answers), Past: !b.Start.After(s.Now()),
		})
	}
	return rows, nil
}

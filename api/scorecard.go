package api

import (
	"errors"
	"net/http"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/dripbook/dripbook/fault"
	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/scorecard"
	"github.com/dripbook/dripbook/token"
)

// errNoScorecard answers a scorecard link that is forged, for another
// purpose, or for nobody: the same 404 whatever the reason, and nothing
// stored.
var errNoScorecard = fault.New(fault.NotFound, "", "no such scorecard")

// scorecardView is what the scorecard page shows.
type scorecardView struct {
	Token   string
	Name    string
	Areas   []scoreRow
	Scale   []int
	Top     int
	Open    bool // answers may still change
	Saved   bool
	Problem *scorecardProblem
}

// scoreRow is one area with the subscriber's answer.
type scoreRow struct {
	scorecard.Rating
	Field string // the score's form field
}

type scorecardProblem struct{ Message string }

// scorecardPage shows the subscriber's gap scorecard, filled in with their
// answers so far. The signed link says who they are; there is no login.
func (s *server) scorecardPage(c echo.Context) error {
	sub, err := s.verifyScorecard(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	answers, err := s.Store.ScorecardAnswers(ctx, sub.ID)
	if err != nil {
		return err
	}
	v, err := s.scorecardView(c, sub, answers)
	if err != nil {
		return err
	}
	v.Saved = c.QueryParam("saved") != "" && answers.Filled()
	return s.render(c, http.StatusOK, "scorecard", "Your gap scorecard", v)
}

// scorecardForm stores the answers and shows them again; an incomplete
// scorecard is shown with what is missing, and one whose call has started
// is closed.
func (s *server) scorecardForm(c echo.Context) error {
	sub, err := s.verifyScorecard(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	answers := parseScorecard(c)
	err = s.Store.SaveScorecard(ctx, sub.ID, answers)
	if err == nil {
		s.Log.InfoContext(ctx, "scorecard saved", "subscriber_id", sub.ID, "request_id", requestID(c))
		return c.Redirect(http.StatusSeeOther, "/scorecard/"+c.Param("token")+"?saved=1")
	}
	status := http.StatusUnprocessableEntity
	switch {
	case errors.Is(err, scorecard.ErrIncomplete):
	case errors.Is(err, scorecard.ErrClosed):
		// Nothing was saved: show what the coach has, not what was sent.
		status = http.StatusConflict
		if answers, err = s.Store.ScorecardAnswers(ctx, sub.ID); err != nil {
			return err
		}
		err = scorecard.ErrClosed
	default:
		return err
	}
	v, verr := s.scorecardView(c, sub, answers)
	if verr != nil {
		return verr
	}
	v.Problem = &scorecardProblem{Message: problemText(answers, err)}
	return s.render(c, status, "scorecard", "Your gap scorecard", v)
}

// problemText says in the subscriber's words what to fix.
func problemText(a scorecard.Answers, err error) string {
	if errors.Is(err, scorecard.ErrClosed) {
		return "Your call has started, so your scorecard can no longer change. Your coach has your answers."
	}
	ps := a.Check()
	if len(ps) == 0 {
		return "Please check your answers."
	}
	return ps[0].Message
}

// verifyScorecard returns the subscriber a scorecard link is for.
func (s *server) verifyScorecard(c echo.Context) (models.Subscriber, error) {
	id, err := s.Signer.Verify(c.Param("token"), token.Scorecard, token.ScorecardMaxAge, s.Now())
	if errors.Is(err, token.ErrExpired) {
		return models.Subscriber{}, err
	}
	if err != nil {
		return models.Subscriber{}, errNoScorecard
	}
	sub, err := s.Store.Subscriber(c.Request().Context(), id)
	if errors.Is(err, models.ErrNotFound) || sub.Status == models.StatusErased {
		return models.Subscriber{}, errNoScorecard
	}
	return sub, err
}

func (s *server) scorecardView(c echo.Context, sub models.Subscriber, answers scorecard.Answers) (scorecardView, error) {
	ctx := c.Request().Context()
	open, err := s.Store.ScorecardOpen(ctx, sub.ID)
	if err != nil {
		return scorecardView{}, err
	}
	v := scorecardView{Token: c.Param("token"), Name: models.FirstName(sub.Name), Top: scorecard.TopCount, Open: open}
	for i := scorecard.MinScore; i <= scorecard.MaxScore; i++ {
		v.Scale = append(v.Scale, i)
	}
	for _, r := range answers.Ratings() {
		v.Areas = append(v.Areas, scoreRow{Rating: r, Field: "score_" + r.Key})
	}
	return v, nil
}

// parseScorecard reads the form: score_<area> for each area, and top for
// each area marked as a top gap.
func parseScorecard(c echo.Context) scorecard.Answers {
	a := scorecard.Answers{Scores: map[string]int{}}
	form, _ := c.FormParams()
	for _, ar := range scorecard.Areas() {
		if n, err := strconv.Atoi(form.Get("score_" + ar.Key)); err == nil {
			a.Scores[ar.Key] = n
		}
		if slices.Contains(form["top"], ar.Key) {
			a.Top = append(a.Top, ar.Key)
		}
	}
	for _, k := range form["top"] {
		if _, ok := scorecard.Lookup(k); !ok {
			a.Top = append(a.Top, k) // reported as not an area
		}
	}
	return a
}

package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/scorecard"
	"github.com/dripbook/dripbook/testenv"
	"github.com/dripbook/dripbook/token"
)

// scorecardToken is a subscriber's personal scorecard link's token.
func (env *testEnv) scorecardToken(subID int64) string {
	return env.signer.Sign(token.Scorecard, subID, testNow)
}

// fullScorecard rates every area 4 except the two top gaps, rated 2.
func fullScorecard(top ...string) url.Values {
	form := url.Values{}
	for _, a := range scorecard.Areas() {
		score := "4"
		for _, t := range top {
			if t == a.Key {
				score = "2"
			}
		}
		form.Set("score_"+a.Key, score)
	}
	form["top"] = top
	return form
}

func TestBrowserScorecardIsSavedAndShownToTheCoach(t *testing.T) {
	t.Parallel()
	ctx := testenv.Browser(t)
	var env *testEnv
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { env.e.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	env = newAdminEnv(t, func(d *Deps) {
		d.BaseURL = srv.URL
		d.Links = token.NewLinks(srv.URL, d.Signer, d.Now)
	})
	sub := mustSubscriberIn(t, env, "ann@example.com", "Ann Lee", "")
	page := srv.URL + "/scorecard/" + env.scorecardToken(sub)

	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(page),
		chromedp.WaitVisible(chromedp.CSS("form.scorecard")),
	))
	// Half filled in: the page says what is missing and stores nothing.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`input[name="score_direction"][value="3"]`)),
		chromedp.Click(chromedp.CSS(`form.scorecard button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.alert`)),
	))
	alert, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".alert")))
	require.NoError(t, err)
	require.Contains(t, alert, "Rate Business link from 1 to 5")
	_, err = env.store.Scorecard(t.Context(), sub)
	require.ErrorIs(t, err, models.ErrNotFound)

	actions := []chromedp.Action[chromedp.Void]{}
	for _, a := range scorecard.Areas() {
		score := "4"
		if a.Key == "influence" || a.Key == "visibility" {
			score = "2"
		}
		actions = append(actions, chromedp.Click(chromedp.CSS(`input[name="score_`+a.Key+`"][value="`+score+`"]`)))
	}
	actions = append(actions,
		chromedp.Click(chromedp.CSS(`input[name="top"][value="influence"]`)),
		chromedp.Click(chromedp.CSS(`input[name="top"][value="visibility"]`)),
		chromedp.Click(chromedp.CSS(`form.scorecard button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.Search(`//p[contains(., "Saved.")]`)),
	)
	require.NoError(t, chromedp.Do(ctx, actions...))

	got, err := env.store.ScorecardAnswers(t.Context(), sub)
	require.NoError(t, err)
	require.Equal(t, []string{"influence", "visibility"}, got.Top)
	require.Equal(t, 2, got.Scores["influence"])
	require.Equal(t, 4, got.Scores["direction"], "the half-filled answer was replaced")
	require.Equal(t, "Influence and Visibility", got.TopGaps())

	// Shown again as saved: the page reads the stored answers.
	checked, err := chromedp.Run(ctx, chromedp.JavascriptAttribute[bool](chromedp.CSS(`input[name="score_leverage"][value="4"]`), "checked"))
	require.NoError(t, err)
	require.True(t, checked)

	// The console shows the scores and the top gaps.
	a := signIn(t, env)
	rec := a.get("/admin/subscribers/" + itoa(sub))
	require.Equal(t, http.StatusOK, rec.Code)
	body := rec.Body.String()
	require.Contains(t, body, "<strong>Top gaps:</strong> Influence, Visibility")
	require.Contains(t, body, `<tr><td>Leverage</td><td class="num">4</td><td></td></tr>`)
	require.Contains(t, body, `<tr><td>Influence</td><td class="num">2</td><td>yes</td></tr>`)
	export := a.post("/admin/subscribers/"+itoa(sub)+"/export", nil)
	require.Equal(t, http.StatusOK, export.Code)
	require.Contains(t, export.Body.String(), `"top": [
      "influence",
      "visibility"
    ]`, "the Art. 15 export holds the scorecard")
}

func TestScorecardChangesUntilTheCall(t *testing.T) {
	t.Parallel()
	env := newBookingEnv(t, nil)
	sub := mustSubscriberIn(t, env, "ann@example.com", "Ann", "")
	path := "/scorecard/" + env.scorecardToken(sub)

	rec := env.postForm(path, fullScorecard("influence", "visibility").Encode())
	require.Equal(t, http.StatusSeeOther, rec.Code, rec.Body.String())
	rec = env.postForm(path, fullScorecard("direction", "leverage").Encode())
	require.Equal(t, http.StatusSeeOther, rec.Code, rec.Body.String())
	got, err := env.store.ScorecardAnswers(t.Context(), sub)
	require.NoError(t, err)
	require.Equal(t, []string{"direction", "leverage"}, got.Top, "a second answer replaces the first")

	// Three top gaps are refused, and the stored answer stays.
	rec = env.postForm(path, fullScorecard("direction", "leverage", "influence").Encode())
	require.Equal(t, http.StatusUnprocessableEntity, rec.Code)
	require.Contains(t, rec.Body.String(), "Mark 2 areas as your top gaps, not 3.")

	// Once the call has started, nothing changes.
	_, _, err = env.store.CreateBooking(t.Context(), models.Booking{
		SubscriberID: sub, Start: testNow.Add(-time.Minute), End: testNow.Add(29 * time.Minute), UID: "started@test",
	})
	require.NoError(t, err)
	rec = env.postForm(path, fullScorecard("ambiguity", "presence").Encode())
	require.Equal(t, http.StatusConflict, rec.Code)
	require.Contains(t, rec.Body.String(), "can no longer change")
	require.Contains(t, rec.Body.String(), `value="direction" checked`, "the page shows what the coach has")
	require.NotContains(t, rec.Body.String(), `value="ambiguity" checked`, "not what was refused")
	got, err = env.store.ScorecardAnswers(t.Context(), sub)
	require.NoError(t, err)
	require.Equal(t, []string{"direction", "leverage"}, got.Top)
	page := env.get(path)
	require.Equal(t, http.StatusOK, page.Code)
	require.NotContains(t, page.Body.String(), `<button type="submit">Save my scorecard</button>`)
}

func TestScorecardForgedTokenChangesNothing(t *testing.T) {
	t.Parallel()
	env := newBookingEnv(t, nil)
	sub := mustSubscriberIn(t, env, "ann@example.com", "Ann", "")
	other := token.NewSigner([]byte("another-secret-key-0123"))
	for name, tok := range map[string]string{
		"forged":          other.Sign(token.Scorecard, sub, testNow),
		"another purpose": env.signer.Sign(token.Book, sub, testNow),
		"garbage":         "1.abc.forged",
		"nobody":          env.signer.Sign(token.Scorecard, sub+1000, testNow),
	} {
		require.Equal(t, http.StatusNotFound, env.get("/scorecard/"+tok).Code, name)
		rec := env.postForm("/scorecard/"+tok, fullScorecard("influence", "visibility").Encode())
		require.Equal(t, http.StatusNotFound, rec.Code, name)
	}
	_, err := env.store.Scorecard(t.Context(), sub)
	require.ErrorIs(t, err, models.ErrNotFound, "nothing was stored")
	_, err = env.store.Scorecard(t.Context(), sub+1000)
	require.ErrorIs(t, err, models.ErrNotFound)
}

// fakeNoShows records the calls whose follow-up the console started.
type fakeNoShows struct {
	mu  sync.Mutex
	ids []int64
}

func (f *fakeNoShows) FollowUpNoShow(_ context.Context, id int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ids = append(f.ids, id)
	return nil
}

func TestMarkingNoShowStartsTheFollowUp(t *testing.T) {
	t.Parallel()
	noShows := &fakeNoShows{}
	env := newAdminEnv(t, func(d *Deps) { d.NoShows = noShows })
	sub := mustSubscriberIn(t, env, "ann@example.com", "Ann", "")
	b, _, err := env.store.CreateBooking(t.Context(), models.Booking{
		SubscriberID: sub, Start: testNow.Add(-time.Hour), End: testNow.Add(-30 * time.Minute), UID: "missed@test",
	})
	require.NoError(t, err)
	a := signIn(t, env)
	a.get("/admin/bookings")
	rec := a.post("/admin/bookings/"+itoa(b.ID)+"/outcome", url.Values{"outcome": {models.OutcomeAttended}})
	require.Equal(t, http.StatusSeeOther, rec.Code, rec.Body.String())
	require.Empty(t, noShows.ids, "an attended call has no follow-up")
	rec = a.post("/admin/bookings/"+itoa(b.ID)+"/outcome", url.Values{"outcome": {models.OutcomeNoShow}})
	require.Equal(t, http.StatusSeeOther, rec.Code, rec.Body.String())
	require.Equal(t, []int64{b.ID}, noShows.ids)
	got, err := env.store.Booking(t.Context(), b.ID)
	require.NoError(t, err)
	require.Equal(t, models.OutcomeNoShow, got.Outcome)

}

func TestCallsPageShowsTheScorecard(t *testing.T) {
	t.Parallel()
	env := newAdminEnv(t, nil)
	sub := mustSubscriberIn(t, env, "ann@example.com", "Ann", "")
	require.Equal(t, http.StatusSeeOther, env.postForm("/scorecard/"+env.scorecardToken(sub), fullScorecard("direction", "leverage").Encode()).Code)
	_, _, err := env.store.CreateBooking(t.Context(), models.Booking{
		SubscriberID: sub, Start: firstSlot, End: firstSlot.Add(30 * time.Minute), UID: "soon@test",
	})
	require.NoError(t, err)
	a := signIn(t, env)
	rec := a.get("/admin/bookings")
	require.Equal(t, http.StatusOK, rec.Code)
	require.Contains(t, rec.Body.String(), "top gaps Direction, Leverage; Direction 2, Business link 4, Influence 4,")
}

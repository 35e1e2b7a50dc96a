package api

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/storage"
	"github.com/dripbook/dripbook/testenv"
)

// consoleData makes three subscribers: Ann went all the way to a call two
// hours ago, Bob got the first lesson, Cara never confirmed.
func consoleData(t *testing.T, env *testEnv) (ann, bob int64) {
	t.Helper()
	ctx := context.Background()
	ann = mustSubscriberIn(t, env, "ann@example.com", "Ann Archer", "")
	bob = mustSubscriberIn(t, env, "bob@example.com", "Bob Baker", "")
	_, err := env.store.Subscribe(ctx, models.Signup{Email: "cara@example.com", Name: "Cara", TextVersion: testConsentVersion})
	require.NoError(t, err)
	send := func(id int64, slug string) {
		key := models.DeliveryKey{SubscriberID: id, Kind: models.KindLesson, Step: slug}
		require.NoError(t, env.store.ClaimDelivery(ctx, key, time.Minute))
		require.NoError(t, env.store.MarkSent(ctx, key))
	}
	send(ann, "gaps")
	send(ann, "close")
	send(bob, "gaps")
	require.NoError(t, env.store.RecordClick(ctx, ann, "close"))
	start := testNow.Add(-2 * time.Hour)
	_, _, err = env.store.CreateBooking(ctx, models.Booking{SubscriberID: ann, Start: start, End: start.Add(30 * time.Minute),
		UID: testenv.Random(16), Answers: `{"role":"Senior PM","gap":"Strategy","notes":""}`, SourceLesson: "close"})
	require.NoError(t, err)
	return ann, bob
}

// funnelCounts reads the dashboard's counts for the steps named.
func funnelCounts(ctx context.Context, t *testing.T, steps ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, st := range steps {
		text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`td[data-step="`+st+`"]`)))
		require.NoError(t, err, st)
		out[st] = strings.TrimSpace(text)
	}
	return out
}

func TestBrowserConsole(t *testing.T) {
	t.Parallel()
	ctx := testenv.Browser(t)
	env := newAdminEnv(t, nil)
	ann, bob := consoleData(t, env)
	srv := httptest.NewServer(env.e)
	t.Cleanup(srv.Close)
	steps := []string{"Signed up", "Confirmed", "Lesson sent: gaps", "Lesson sent: close", "Booking link clicked: close", "Booked a call", "Attended"}
	heading := func(text string) chromedp.Action[chromedp.Void] {
		return chromedp.WaitVisible(chromedp.Search(`//h1[contains(., "` + text + `")]`))
	}

	// Signing in leads to the dashboard, whose funnel is the data's.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/admin"),
		chromedp.WaitVisible(chromedp.CSS("#password")),
		chromedp.SendKeys(chromedp.CSS("#password"), testAdminPassword),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		heading("Dashboard"),
	))
	want := map[string]string{"Signed up": "3", "Confirmed": "2", "Lesson sent: gaps": "2", "Lesson sent: close": "1",
		"Booking link clicked: close": "1", "Booked a call": "1", "Attended": "0"}
	require.Equal(t, want, funnelCounts(ctx, t, steps...))
	bars, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll("figure.chart rect")))
	require.NoError(t, err)
	require.Len(t, bars, 30, "one bar a day")

	// Search finds Ann by her name's start, and her timeline shows her
	// emails and her call.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/admin/subscribers"),
		chromedp.SendKeys(chromedp.CSS("#q"), "ann a"),
		chromedp.Click(chromedp.CSS(`form[role="search"] button`)),
	))
	testenv.Wait(t, 10*time.Second, "the search's page", func() error {
		loc, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			return err
		}
		if !strings.Contains(loc, "q=ann+a") {
			return fmt.Errorf("the page is at %s", loc)
		}
		return nil
	})
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("table.subscribers"))))
	list, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("table.subscribers tbody")))
	require.NoError(t, err)
	require.Contains(t, list, "ann@example.com")
	require.NotContains(t, list, "bob@example.com")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`a[href="/admin/subscribers/`+itoa(ann)+`"]`)),
		heading("ann@example.com"),
	))
	emails, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#emails")))
	require.NoError(t, err)
	require.Contains(t, emails, "lesson gaps")
	require.Contains(t, emails, "lesson close")
	require.Contains(t, emails, "sent")

	// The call two hours ago is marked attended, and the funnel counts it.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/admin/bookings"),
		chromedp.WaitVisible(chromedp.Search(`//dd[contains(., "Strategy")]`)),
		chromedp.Click(chromedp.CSS(`button[value="attended"]`)),
		chromedp.WaitVisible(chromedp.Search(`//p[contains(., "Saved.")]`)),
	))
	outcome, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("dd.outcome")))
	require.NoError(t, err)
	require.Equal(t, "attended", strings.TrimSpace(outcome))
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/admin"), heading("Dashboard")))
	want["Attended"] = "1"
	require.Equal(t, want, funnelCounts(ctx, t, steps...))

	// Erasing Ann leaves nothing of her, and the funnel as it was.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/admin/subscribers/"+itoa(ann)),
		chromedp.Click(chromedp.CSS(`input[name="confirm"]`)),
		chromedp.Click(chromedp.CSS("#erase")),
		chromedp.WaitVisible(chromedp.Search(`//p[contains(., "Erased:")]`)),
	))
	page, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	require.NoError(t, err)
	require.NotContains(t, page, "ann@example.com")
	require.NotContains(t, page, "Ann Archer")
	sub, err := env.store.Subscriber(t.Context(), ann)
	require.NoError(t, err)
	require.Equal(t, storage.ErasedEmail(ann), sub.Email)
	require.Empty(t, sub.Name)
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/admin"), heading("Dashboard")))
	require.Equal(t, want, funnelCounts(ctx, t, steps...), "erasure keeps the counts")
	other, err := env.store.Subscriber(t.Context(), bob)
	require.NoError(t, err)
	require.Equal(t, "Bob Baker", other.Name)
}

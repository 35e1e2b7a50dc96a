package api

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/testenv"
	"github.com/dripbook/dripbook/token"
)

func TestBrowserSignup(t *testing.T) {
	t.Parallel()
	ctx := testenv.Browser(t)
	env := newTestEnv(t, nil)
	srv := httptest.NewServer(env.e)
	t.Cleanup(srv.Close)

	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
	))
	tz, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#timezone")))
	require.NoError(t, err)
	require.NotEmpty(t, tz, "the inline script did not fill the time zone")

	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#email"), "Browser@Example.com"),
		chromedp.SendKeys(chromedp.CSS("#name"), "Bea"),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.Search(`//h1[contains(., "Check your inbox")]`)),
	))
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	require.NoError(t, err)
	require.Contains(t, text, "browser@example.com")

	sub := env.mustSubscriber(t, "browser@example.com")
	require.Equal(t, "Bea", sub.Name)
	require.Equal(t, tz, sub.Timezone)
	require.Len(t, env.course.Confirmations(), 1)
}

func TestBrowserDevMailShowsHTMLPart(t *testing.T) {
	t.Parallel()
	// A sandboxed frame gets a process of its own unless told otherwise, and
	// the test can only look into frames that share the page's process.
	ctx := testenv.Browser(t, chromedp.Flag("disable-features", "IsolateSandboxedIframes"))
	box := mustOutbox(t)
	env := newTestEnv(t, func(d *Deps) { d.Mailbox = box })
	srv := httptest.NewServer(env.e)
	t.Cleanup(srv.Close)
	items, err := box.List()
	require.NoError(t, err)

	// The page's policy must still let the sandboxed frame render the
	// message, inline styles included.
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/dev/mail/"+items[0].Name)))
	frames, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSS("iframe.mail-html")))
	require.NoError(t, err)
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("p"), chromedp.FromNode(frames[0])))
	require.NoError(t, err)
	require.Contains(t, text, "Hello Ann & welcome")
	style, err := chromedp.Run(ctx, chromedp.ComputedStyle(chromedp.CSS("p"), chromedp.FromNode(frames[0])))
	require.NoError(t, err)
	var color string
	for _, p := range style {
		if p.Name == "color" {
			color = p.Value
		}
	}
	require.Equal(t, "rgb(51, 51, 51)", color, "the message's inline style was blocked")
}

// newBrowserBookingEnv serves the booking pages on a real port. Redirects
// go to BASE_URL, so the server must know its own address.
func newBrowserBookingEnv(t *testing.T) (*testEnv, *httptest.Server) {
	t.Helper()
	var env *testEnv
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { env.e.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	env = newBookingEnv(t, func(d *Deps) {
		d.BaseURL = srv.URL
		d.Links = token.NewLinks(srv.URL, d.Signer, d.Now)
	})
	return env, srv
}

func TestBrowserBookingInTheBrowsersZone(t *testing.T) {
	t.Parallel()
	ctx := testenv.Browser(t, chromedp.Env("TZ=America/New_York"))
	env, srv := newBrowserBookingEnv(t)
	sub := mustSubscriberIn(t, env, "ann@example.com", "Ann", "")

	// The page first shows the coach's zone, then reloads itself in the
	// browser's.
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/book/"+env.bookToken(sub)+"?from=book-your-discovery-call")))
	testenv.Wait(t, 20*time.Second, "the page to reload in the browser's zone", func() error {
		loc, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			return err
		}
		if !strings.Contains(loc, "tz=America%2FNew_York") || !strings.Contains(loc, "from=book-your-discovery-call") {
			return fmt.Errorf("the page is at %s", loc)
		}
		return nil
	})
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`input[name="start"]`))))
	zone, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#zone-label")))
	require.NoError(t, err)
	require.Equal(t, "Eastern Time (New York)", zone)
	first, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("label.slot")))
	require.NoError(t, err)
	require.Equal(t, "6:00 AM", strings.TrimSpace(first), "the browser asks for en-US")

	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`input[name="start"]`)),
		chromedp.SendKeys(chromedp.CSS("#role"), "Senior PM"),
		chromedp.SendKeys(chromedp.CSS("#gap"), "Strategy"),
		chromedp.Click(chromedp.CSS(`form.booking button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.Search(`//strong[contains(., "You're booked")]`)),
	))

	b, err := env.store.ActiveBooking(t.Context(), sub)
	require.NoError(t, err)
	require.True(t, b.Start.Equal(firstSlot))
	require.Equal(t, "America/New_York", b.Timezone)
	require.Equal(t, "book-your-discovery-call", b.SourceLesson)
	require.JSONEq(t, `{"role":"Senior PM","gap":"Strategy"}`, b.Answers, "stored by question id, blank answers left out")
	clicks, err := env.store.Clicks(t.Context(), sub)
	require.NoError(t, err)
	require.Len(t, clicks, 1, "the reload in the browser's zone is not a second click")
	require.Len(t, env.notifier.Notices(), 1)
}

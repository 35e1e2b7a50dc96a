package api

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// chromiumPath finds Debian's chromium, or returns "".
func chromiumPath() string {
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	return ""
}

// newBrowser starts a headless chromium for one test, or skips the test
// when there is none.
func newBrowser(t *testing.T, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		t.Skip("chromium not installed: apt-get install -y chromium")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
	}
	opts = append(opts, extra...)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(t.Context(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelBrowser)
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(cancelTimeout)
	return ctx
}

func TestBrowserSignup(t *testing.T) {
	ctx := newBrowser(t)
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
	// A sandboxed frame gets a process of its own unless told otherwise, and
	// the test can only look into frames that share the page's process.
	ctx := newBrowser(t, chromedp.Flag("disable-features", "IsolateSandboxedIframes"))
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

package api

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/testenv"
)

// viewport is a window the booking page must work in.
type viewport struct {
	name          string
	width, height int64
	phone         bool
}

var (
	desktop = viewport{"desktop", 1280, 800, false}
	phone   = viewport{"phone", 390, 844, true}
)

// open sizes the window, sets the browser's languages and, when scripts is
// false, turns JavaScript off before the page loads.
func (v viewport) open(acceptLanguage string, scripts bool, url string) chromedp.Action[chromedp.Void] {
	var opts []chromedp.EmulateViewportOption
	if v.phone {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait, chromedp.EmulateScale(3))
	}
	return chromedp.Steps(
		chromedp.EmulateViewport(v.width, v.height, opts...),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			if _, err := cdp.Call(ctx, t, network.SetExtraHTTPHeaders,
				network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": acceptLanguage}}); err != nil {
				return err
			}
			_, err := cdp.Call(ctx, t, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: !scripts})
			return err
		}),
		chromedp.Navigate(url),
	)
}

// openBookPage opens a new subscriber's booking page, in zone tz, in a
// browser of its own, and waits for its slots.
func (v viewport) openBookPage(t *testing.T, acceptLanguage string, scripts bool, tz string) (context.Context, *testEnv, int64) {
	t.Helper()
	ctx := testenv.Browser(t)
	env, srv := newBrowserBookingEnv(t)
	sub := mustSubscriberIn(t, env, "picker@example.com", "Pia", "")
	require.NoError(t, chromedp.Do(ctx,
		v.open(acceptLanguage, scripts, srv.URL+"/book/"+env.bookToken(sub)+"?tz="+tz),
		chromedp.WaitVisible(chromedp.CSS(`input[name="start"]`)),
	))
	return ctx, env, sub
}

// layout is where the page's parts are before any scrolling.
type layout struct {
	ConfirmTop, ConfirmBottom, ViewportHeight, ListBottom float64
	VisibleDays, Days                                     int
	ScrollY                                               float64
}

const layoutJS = `(() => {
  const b = document.querySelector('form.booking button[type="submit"]').getBoundingClientRect();
  const days = [...document.querySelectorAll('fieldset.day')];
  return {
    ConfirmTop: b.top, ConfirmBottom: b.bottom, ViewportHeight: window.innerHeight,
    ListBottom: document.querySelector('fieldset.slots').getBoundingClientRect().bottom,
    VisibleDays: days.filter(d => d.getClientRects().length > 0).length, Days: days.length,
    ScrollY: window.scrollY,
  };
})()`

// requireConfirmInView checks that the Confirm button is on screen at the
// top of the page, before any scrolling.
func requireConfirmInView(t *testing.T, l layout) {
	t.Helper()
	require.Zero(t, l.ScrollY)
	require.GreaterOrEqual(t, l.ConfirmTop, 0.0, "%+v", l)
	require.LessOrEqual(t, l.ConfirmBottom, l.ViewportHeight, "the Confirm button is below the fold: %+v", l)
}

func TestBrowserDayPickerBooks(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		viewport
		accept string
		clock  *regexp.Regexp
	}{
		{desktop, "en-US,en;q=0.9", regexp.MustCompile(`^\d{1,2}:\d{2} [AP]M$`)},
		{phone, "en-GB,en;q=0.9", regexp.MustCompile(`^\d{2}:\d{2}$`)},
	} {
		t.Run(c.name+" "+c.accept[:5], func(t *testing.T) {
			t.Parallel()
			ctx, env, sub := c.openBookPage(t, c.accept, true, "America/New_York")
			require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(".day-tabs"))))

			l, err := chromedp.Run(ctx, chromedp.Evaluate[layout](layoutJS))
			require.NoError(t, err)
			require.Equal(t, 1, l.VisibleDays, "one day's times at a time")
			require.Greater(t, l.Days, 1)
			requireConfirmInView(t, l)

			// Pick the second day, then its first time.
			day, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelectorAll("button.day-tab")[1].dataset.day`))
			require.NoError(t, err)
			require.NoError(t, chromedp.Do(ctx,
				chromedp.Click(chromedp.CSS(`button.day-tab[data-day="`+day+`"]`)),
				chromedp.WaitVisible(chromedp.CSS("#"+day+" label.slot")),
			))
			labels, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
				`[...document.querySelectorAll("#`+day+` label.slot")].map(l => l.textContent.trim())`))
			require.NoError(t, err)
			require.NotEmpty(t, labels)
			for _, lab := range labels {
				require.Regexp(t, c.clock, lab)
			}
			start, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#"+day+` input[name="start"]`)))
			require.NoError(t, err)
			require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#"+day+" label.slot"))))
			chosen, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("[data-chosen]")))
			require.NoError(t, err)
			dayLabel, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("`+day+`").dataset.label`))
			require.NoError(t, err)
			require.Equal(t, dayLabel+", "+labels[0], chosen)

			l, err = chromedp.Run(ctx, chromedp.Evaluate[layout](layoutJS))
			require.NoError(t, err)
			require.LessOrEqual(t, l.ConfirmBottom, l.ViewportHeight, "Confirm stays in view: %+v", l)
			require.NoError(t, chromedp.Do(ctx,
				chromedp.Click(chromedp.CSS(`form.booking button[type="submit"]`)),
				chromedp.WaitVisible(chromedp.Search(`//strong[contains(., "You're booked")]`)),
			))
			b, err := env.store.ActiveBooking(t.Context(), sub)
			require.NoError(t, err)
			require.Equal(t, start, formatUTC(b.Start))
			require.Equal(t, "America/New_York", b.Timezone)
			when, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1 + p strong")))
			require.NoError(t, err)
			require.Contains(t, when, labels[0]+"–", "the booking's page speaks the same locale")
			require.Contains(t, when, "Eastern Time (New York)")
		})
	}
}

func TestBrowserBookingWithoutJavaScript(t *testing.T) {
	t.Parallel()
	for _, v := range []viewport{desktop, phone} {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			ctx, env, sub := v.openBookPage(t, "en-US", false, "Europe/London")
			l, err := chromedp.Run(ctx, chromedp.Evaluate[layout](layoutJS))
			require.NoError(t, err)
			require.Equal(t, l.Days, l.VisibleDays, "without JavaScript every day is listed")
			require.Greater(t, l.ListBottom, l.ViewportHeight, "the list runs past the fold: %+v", l)
			requireConfirmInView(t, l)
			tabs, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector(".day-tabs").getClientRects().length > 0`))
			require.NoError(t, err)
			require.False(t, tabs, "the day buttons need JavaScript")

			pick := `fieldset.day:nth-of-type(2) input[name="start"]`
			start, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(pick)))
			require.NoError(t, err)
			first, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`fieldset.day:nth-of-type(2) label.slot`)))
			require.NoError(t, err)
			require.Regexp(t, `^\d{1,2}:\d{2} [AP]M$`, strings.TrimSpace(first))
			require.NoError(t, chromedp.Do(ctx,
				chromedp.Click(chromedp.CSS(pick)),
				chromedp.Click(chromedp.CSS(`form.booking button[type="submit"]`)),
				chromedp.WaitVisible(chromedp.Search(`//strong[contains(., "You're booked")]`)),
			))
			b, err := env.store.ActiveBooking(t.Context(), sub)
			require.NoError(t, err)
			require.Equal(t, start, formatUTC(b.Start), fmt.Sprintf("booked %s", b.Start))
			require.Equal(t, "Europe/London", b.Timezone)
		})
	}
}

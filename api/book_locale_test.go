package api

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/booking"
)

func TestBookPageFollowsTheVisitorsLocale(t *testing.T) {
	t.Parallel()
	env := newBookingEnv(t, nil)
	sub := mustSubscriberIn(t, env, "loc@example.com", "Lou", "")
	path := "/book/" + env.bookToken(sub)
	page := func(query, accept string) string {
		req := httptest.NewRequest(http.MethodGet, path+query, nil)
		if accept != "" {
			req.Header.Set("Accept-Language", accept)
		}
		rec := env.do(req)
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		return rec.Body.String()
	}
	for _, c := range []struct {
		name, query, accept string
		want                []string
		lang                bool
	}{
		{"en-US reads 12 hours, month first", "", "en-US,en;q=0.9",
			[]string{radio(firstSlot, "12:00 PM"), `<legend>Monday, November 2</legend>`, `<span class="dt">Nov 2</span>`}, false},
		{"en-GB reads 24 hours, day first", "", "en-GB,en;q=0.9",
			[]string{radio(firstSlot, "12:00"), `<legend>Monday 2 November</legend>`, `<span class="dt">2 Nov</span>`}, false},
		{"lang overrides the browser", "?lang=en-GB", "en-US",
			[]string{radio(firstSlot, "12:00"), `<legend>Monday 2 November</legend>`}, true},
		{"lang in the other direction", "?lang=en-US", "de-DE",
			[]string{radio(firstSlot, "12:00 PM"), `<legend>Monday, November 2</legend>`}, true},
		{"German keeps 24 hours", "", "de-DE,de;q=0.9",
			[]string{radio(firstSlot, "12:00"), `<legend>Monday 2 November</legend>`}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			body := page(c.query, c.accept)
			for _, w := range c.want {
				require.Contains(t, body, w)
			}
			lang := strings.TrimPrefix(c.query, "?lang=")
			hidden := `<input type="hidden" name="lang" value="` + lang + `">`
			if c.lang {
				require.Equal(t, 2, strings.Count(body, hidden), "the zone form and the booking form keep lang")
			} else {
				require.NotContains(t, body, `name="lang"`)
			}
		})
	}
	require.NotContains(t, page("?lang=%3Cscript%3E", "en-US"), `name="lang"`, "a lang that is no language tag is dropped")
}

func TestBookFormKeepsLangToTheBookingPage(t *testing.T) {
	t.Parallel()
	env := newBookingEnv(t, nil)
	sub := mustSubscriberIn(t, env, "lang@example.com", "Lee", "America/New_York")
	form := url.Values{"start": {formatUTC(firstSlot)}, "tz": {"America/New_York"}, "lang": {"en-US"}}
	rec := env.postForm("/book/"+env.bookToken(sub), form.Encode())
	require.Equal(t, http.StatusSeeOther, rec.Code, rec.Body.String())
	next := rec.Header().Get("Location")
	require.True(t, strings.HasSuffix(next, "?booked=1&lang=en-US"), next)

	u, err := url.Parse(next)
	require.NoError(t, err)
	page := env.get(u.RequestURI()).Body.String()
	require.Contains(t, page, "Monday, November 2, 2026, 6:00 AM–6:30 AM Eastern Time (New York)")
	b, err := env.store.ActiveBooking(t.Context(), sub)
	require.NoError(t, err)
	require.Equal(t, "en-US", b.Locale, "the emails about the call write dates as the page did")
}

// The booking keeps the language the visitor's browser asked for, so the
// emails about the call write dates and clocks as the page did; a visitor
// who named none gets the default.
func TestBookingRemembersTheVisitorsLocale(t *testing.T) {
	t.Parallel()
	env := newBookingEnv(t, nil)
	for i, c := range []struct{ accept, want string }{{"en-US,en;q=0.9", "en-US"}, {"en-GB", "en-GB"}, {"", ""}} {
		accept, want := c.accept, c.want
		sub := mustSubscriberIn(t, env, fmt.Sprintf("accept%d@example.com", i), "Ada", "UTC")
		start := firstSlot.Add(time.Duration(i) * 30 * time.Minute)
		req := httptest.NewRequest(http.MethodPost, "/book/"+env.bookToken(sub), strings.NewReader(bookForm(formatUTC(start), "").Encode()))
		req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationForm)
		if accept != "" {
			req.Header.Set("Accept-Language", accept)
		}
		rec := env.do(req)
		require.Equal(t, http.StatusSeeOther, rec.Code, rec.Body.String())
		b, err := env.store.ActiveBooking(t.Context(), sub)
		require.NoError(t, err)
		require.Equal(t, want, b.Locale, "Accept-Language %q", accept)
	}
}

func TestBookingPagesShowCoachAndPlace(t *testing.T) {
	t.Parallel()
	env := newBookingEnv(t, func(d *Deps) {
		d.CoachPhotoURL = "https://cdn.example.com/dana.jpg"
		d.Place = booking.Place{URL: "https://meet.example.com/dana", Text: "Or dial +1 555 0100"}
	})
	sub := mustSubscriberIn(t, env, "place@example.com", "Pat", "")
	rec := env.get("/book/" + env.bookToken(sub))
	require.Equal(t, http.StatusOK, rec.Code)
	body := rec.Body.String()
	require.Contains(t, body, `<img class="coach-photo" src="https://cdn.example.com/dana.jpg" alt="" width="64" height="64">`)
	require.Contains(t, body, `<p class="host-name">Dana Coach</p>`)
	require.Contains(t, body, `<li>30 minutes</li>`)
	require.Contains(t, body, `<li>Video call: the link comes with your confirmation</li>`)
	require.Contains(t, body, `<li>Or dial &#43;1 555 0100</li>`)
	require.Contains(t, body, `<script src="/static/picker.js?v=`)
	require.Contains(t, rec.Header().Get("Content-Security-Policy"), "img-src 'self' data: https://cdn.example.com;",
		"the photo's origin may serve images")

	form := url.Values{"start": {formatUTC(firstSlot)}, "tz": {"Europe/Berlin"}}
	rec = env.postForm("/book/"+env.bookToken(sub), form.Encode())
	require.Equal(t, http.StatusSeeOther, rec.Code, rec.Body.String())
	u, err := url.Parse(rec.Header().Get("Location"))
	require.NoError(t, err)
	page := env.get(u.RequestURI()).Body.String()
	require.Contains(t, page, `Where: <a href="https://meet.example.com/dana">https://meet.example.com/dana</a> · Or dial &#43;1 555 0100`)
	require.Contains(t, page, `href="https://calendar.google.com/calendar/render?action=TEMPLATE`)
	require.Contains(t, page, `href="https://outlook.live.com/calendar/0/deeplink/compose?`)
	require.Contains(t, page, "location=https%3A%2F%2Fmeet.example.com%2Fdana")

	ics := env.get(u.Path + "/invite.ics").Body.String()
	require.Contains(t, ics, "LOCATION:https://meet.example.com/dana")
	require.Contains(t, ics, "URL:https://meet.example.com/dana")
}

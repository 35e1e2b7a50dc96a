package calendar

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestGoogleURL(t *testing.T) {
	e := testEvent()
	u, err := url.Parse(GoogleURL(e))
	require.NoError(t, err)
	require.Equal(t, "calendar.google.com", u.Host)
	q := u.Query()
	require.Equal(t, "TEMPLATE", q.Get("action"))
	require.Equal(t, e.Summary, q.Get("text"))
	require.Equal(t, "20260310T190000Z/20260310T193000Z", q.Get("dates"), "20:00 in Berlin is 19:00 UTC")
	require.Equal(t, e.Description, q.Get("details"))
	require.Equal(t, e.Location, q.Get("location"))

	e.Location = ""
	require.NotContains(t, GoogleURL(e), "location=")
}

func TestOutlookURL(t *testing.T) {
	e := testEvent()
	u, err := url.Parse(OutlookURL(e))
	require.NoError(t, err)
	require.Equal(t, "outlook.live.com", u.Host)
	q := u.Query()
	require.Equal(t, "addevent", q.Get("rru"))
	require.Equal(t, e.Summary, q.Get("subject"))
	require.Equal(t, "2026-03-10T19:00:00Z", q.Get("startdt"))
	require.Equal(t, "2026-03-10T19:30:00Z", q.Get("enddt"))
	require.Equal(t, e.Description, q.Get("body"))
	require.Equal(t, e.Location, q.Get("location"))
}

package calendar

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestWebCalendarLinks(t *testing.T) {
	e := testEvent()
	for _, c := range []struct {
		name, host string
		link       func(Event) string
		want       map[string]string
	}{
		{"Google", "calendar.google.com", GoogleURL, map[string]string{
			"action": "TEMPLATE", "text": e.Summary, "details": e.Description, "location": e.Location,
			"dates": "20260310T190000Z/20260310T193000Z", // 20:00 in Berlin is 19:00 UTC
		}},
		{"Outlook", "outlook.live.com", OutlookURL, map[string]string{
			"rru": "addevent", "subject": e.Summary, "body": e.Description, "location": e.Location,
			"startdt": "2026-03-10T19:00:00Z", "enddt": "2026-03-10T19:30:00Z",
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			u, err := url.Parse(c.link(e))
			require.NoError(t, err)
			require.Equal(t, "https", u.Scheme)
			require.Equal(t, c.host, u.Host)
			for k, v := range c.want {
				require.Equal(t, v, u.Query().Get(k), k)
			}
			noPlace := e
			noPlace.Location = ""
			require.NotContains(t, c.link(noPlace), "location=")
		})
	}
}

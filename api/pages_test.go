package api

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/booking"
	"github.com/dripbook/dripbook/storage"
)

// coachPages are pages with a photo, a bio, an accent of their own and
// questions of every kind.
func coachPages(d *Deps) {
	d.Pages.Accent = "#2e7d32"
	d.Pages.Landing.Photo = "https://photos.example/me.jpg"
	d.Pages.Landing.Bio = "<p>Hired for six start-ups.</p>"
	d.Pages.Questions = []booking.Question{
		{ID: "company", Label: "Where do you work?", Help: "Company and team", Type: booking.QuestionText, Required: true},
		{ID: "stage", Label: "How far along?", Type: booking.QuestionSelect, Options: []string{"Not started", "Interviewing"}},
	}
	d.Bookings = booking.NewService(booking.Deps{Store: storage.BookingStore{Store: d.Store}, Rules: d.Bookings.Rules(), Questions: d.Pages.Questions, Now: d.Now})
}

func TestLandingShowsTheCoachAndTheirColour(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, coachPages)
	rec := env.get("/")
	require.Equal(t, http.StatusOK, rec.Code)
	body := rec.Body.String()
	require.Contains(t, body, `<img src="https://photos.example/me.jpg" alt="Dana Coach" class="photo">`)
	require.Contains(t, body, "<p>Hired for six start-ups.</p>")
	require.Contains(t, body, `<link rel="stylesheet" href="/static/accent.css?v=2e7d32">`)
	require.Contains(t, rec.Header().Get("Content-Security-Policy"), "img-src 'self' data: https://photos.example;",
		"the photo's origin may serve images, and no other")

	css := env.get("/static/accent.css?v=2e7d32")
	require.Equal(t, http.StatusOK, css.Code)
	require.Equal(t, "text/css; charset=utf-8", css.Header().Get("Content-Type"))
	require.Equal(t, ":root { --accent: #2e7d32; --accent-dark: #205823; --accent-soft: #eaf2eb; }\n", css.Body.String())
}

func TestBuiltinAccentNeedsNoStylesheet(t *testing.T) {
	t.Parallel()
	body := newTestEnv(t, nil).get("/").Body.String()
	require.NotContains(t, body, "accent.css", "style.css already wears the built-in colour")
	require.Equal(t, pageCSP, pagePolicy(""))
	require.Contains(t, pagePolicy("https://a.example/x.jpg", "https://b.example/y.jpg", "https://a.example/z.jpg", "/me.jpg"),
		"img-src 'self' data: https://a.example https://b.example;", "each photo's origin once")
}

func TestThePagesImagesMayLoad(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, func(d *Deps) { d.Pages.Images = []string{"https://cdn.example.org/map.png"} })
	require.Contains(t, env.get("/").Header().Get("Content-Security-Policy"), "img-src 'self' data: https://cdn.example.org;")
}

func TestBookingFormAsksTheFoldersQuestions(t *testing.T) {
	t.Parallel()
	env := newBookingEnv(t, coachPages)
	sub := mustSubscriberIn(t, env, "ann@example.com", "Ann", "")
	tok := env.bookToken(sub)
	body := env.get("/book/" + tok).Body.String()
	for _, want := range []string{
		`<label for="company">Where do you work?</label>`,
		`<p class="help" id="company-help">Company and team</p>`,
		`<input type="text" name="company" id="company" maxlength="2000" value="" required aria-describedby="company-help">`,
		`<label for="stage">How far along? <span class="optional">(optional)</span></label>`,
		`<select name="stage" id="stage">`, `<option>Interviewing</option>`,
	} {
		require.Contains(t, body, want)
	}
	require.NotContains(t, body, `name="role"`, "only the folder's questions")

	form := url.Values{"start": {firstSlot.Format(time.RFC3339)}, "stage": {"Interviewing"}, "idempotency_key": {"k"}}
	rec := env.postForm("/book/"+tok, form.Encode())
	require.Equal(t, http.StatusBadRequest, rec.Code)
	require.Contains(t, rec.Body.String(), "Where do you work: please answer this question.")
	require.Contains(t, rec.Body.String(), `<option selected>Interviewing</option>`, "the answers survive")

	form.Set("company", "Acme")
	rec = env.postForm("/book/"+tok, form.Encode())
	require.Equal(t, http.StatusSeeOther, rec.Code, rec.Body.String())
	b, err := env.store.ActiveBooking(t.Context(), sub)
	require.NoError(t, err)
	var stored map[string]string
	require.NoError(t, json.Unmarshal([]byte(b.Answers), &stored))
	require.Equal(t, map[string]string{"company": "Acme", "stage": "Interviewing"}, stored)
}

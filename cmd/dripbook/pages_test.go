package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/course"
	"github.com/dripbook/dripbook/testenv"
)

// testCoursePhoto is the photo URL testdata/coach-course/landing.md names.
const testCoursePhoto = "https://photos.example/coach.png"

// copyCourse copies testdata/coach-course to a temporary folder, with the
// files in change written over it.
func copyCourse(t *testing.T, change map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join("testdata", "coach-course")
	entries, err := os.ReadDir(src)
	require.NoError(t, err)
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644))
	}
	for name, text := range change {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644))
	}
	return dir
}

// photoServer serves a small PNG, the coach's photo.
func photoServer(t *testing.T) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for x := range 8 {
		for y := range 8 {
			img.Set(x, y, color.RGBA{R: 200, G: 120, B: 40, A: 255})
		}
	}
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(buf.Bytes())
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/coach.png"
}

// TestCourseFolderOwnsThePages runs a coach's own course folder through a
// real browser: its landing copy and photo, its check-your-inbox and
// confirmed pages, its accent, its three intake questions, and the brief
// that shows the answers in the folder's order.
func TestCourseFolderOwnsThePages(t *testing.T) {
	t.Parallel()
	photo := photoServer(t)
	landing, err := os.ReadFile(filepath.Join("testdata", "coach-course", "landing.md"))
	require.NoError(t, err)
	dir := copyCourse(t, map[string]string{"landing.md": strings.Replace(string(landing), testCoursePhoto, photo, 1)})
	ctx := testenv.Browser(t, chromedp.Env("TZ=UTC"))
	data := t.TempDir()
	base, smtp := startDripbook(t, env{
		"DATA_DIR": data, "DATABASE_URL": "sqlite://" + filepath.Join(data, "dripbook.db"), "COURSE_DIR": dir,
		"COACH_EMAIL": "coach@example.com", "BOOKING_HOURS": "Mon-Sun 00:00-24:00",
		"BOOKING_NOTICE": "1h", "BOOKING_TZ": "UTC", "CALL_MINUTES": "45",
	})
	addr := "sam@example.com"

	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
	))
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	require.NoError(t, err)
	text = strings.ToLower(text) // the line above the headline is in capitals
	for _, want := range []string{
		"For founders hiring their first five people", "Hire calmly, Calm Hiring style",
		"Five short emails that take the panic out of your first hires.",
		"Inside the course", "Write the role before you post it.", "Interview for evidence, not charm.",
		"Jordan Coach has hired for six start-ups and still answers every email.",
		"Get the five emails", "One email every two days. Leave whenever you like, in one click.",
	} {
		require.Contains(t, text, strings.ToLower(want))
	}
	require.NotContains(t, text, "senior product managers", "none of the built-in copy is left")
	require.NotContains(t, text, strings.ToLower(course.DefaultConsent))
	require.NotContains(t, text, strings.ToLower(course.DefaultFormHeading))
	button, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`form.signup button[type="submit"]`)))
	require.NoError(t, err)
	require.Equal(t, "Start the calm", button)
	testenv.Wait(t, mailTimeout, "the coach's photo to load", func() error {
		width, err := chromedp.Run(ctx, chromedp.Evaluate[int](`(function () {
			var img = document.querySelector("img.photo");
			return img && img.src === `+jsString(photo)+` && img.complete ? img.naturalWidth : 0;
		})()`))
		if err != nil {
			return err
		}
		if width != 8 {
			return fmt.Errorf("the photo is %d pixels wide", width)
		}
		return nil
	})
	accent, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`getComputedStyle(document.querySelector('form.signup button[type="submit"]')).backgroundColor`))
	require.NoError(t, err)
	require.Equal(t, "rgb(46, 125, 50)", accent, "the button wears the coach's accent")

	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#email"), addr),
		chromedp.SendKeys(chromedp.CSS("#name"), "Sam"),
		chromedp.Click(chromedp.CSS(`form.signup button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.Search(`//h1[contains(., "One more step")]`)),
	))
	text, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	require.NoError(t, err)
	require.Contains(t, text, "A link is on its way to "+addr+". Press it and the first note follows.")
	require.Contains(t, text, "Nothing there? Look in spam, or start over.")

	confirm := testenv.WaitMail(t, smtp, addr, 1, mailTimeout)[0]
	link := regexp.MustCompile(regexp.QuoteMeta(base) + `/confirm/\S+`).FindString(confirm.Text)
	require.NotEmpty(t, link, confirm.Text)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(link),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.Search(`//h1[contains(., "Welcome aboard")]`)),
	))
	text, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	require.NoError(t, err)
	require.Contains(t, text, "The first note from Jordan Coach is in your inbox.")

	bookLink := regexp.MustCompile(regexp.QuoteMeta(base) + `/book/[A-Za-z0-9._-]+\?from=talk`)
	var book string
	testenv.Wait(t, mailTimeout, "the lesson with the booking link", func() error {
		for _, m := range testenv.Mail(t, smtp, addr) {
			if book = bookLink.FindString(m.Text); book != "" {
				return nil
			}
		}
		return fmt.Errorf("not yet among %q", testenv.Subjects(testenv.Mail(t, smtp, addr)))
	})
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(book),
		chromedp.WaitVisible(chromedp.CSS(`input[name="start"]`)),
	))
	heading, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main h1")))
	require.NoError(t, err)
	require.Equal(t, "Pick a quiet half hour", heading)
	title, err := chromedp.Run(ctx, chromedp.Title())
	require.NoError(t, err)
	require.Equal(t, "Pick a quiet half hour · Calm Hiring", title)
	bookButton, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`form.booking button[type="submit"]`)))
	require.NoError(t, err)
	require.Equal(t, "Hold this time", bookButton)
	intro, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("p.lede")))
	require.NoError(t, err)
	require.Equal(t, "Thirty quiet minutes (45, to be exact) with Jordan Coach about your next hire.", intro)
	asked, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("form.booking .field")).map(function (f) {
		var input = f.querySelector("[name]");
		return input.name + "|" + input.tagName.toLowerCase() + "|" + input.required + "|" + f.querySelector("label").textContent;
	})`))
	require.NoError(t, err)
	require.Equal(t, []string{
		"company|input|true|Where do you work?",
		"stage|select|true|How far along is the hire?",
		"hope|textarea|false|What would make the call worth it? (optional)",
	}, asked, "the form asks the folder's questions and nothing else")
	help, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#company-help")))
	require.NoError(t, err)
	require.Equal(t, "Company and team, so I can read up before we talk.", help)

	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`input[name="start"]`)),
		chromedp.SendKeys(chromedp.CSS("#company"), "Acme, platform team"),
		chromedp.SetValue(chromedp.CSS("#stage"), "Interviewing"),
		chromedp.SendKeys(chromedp.CSS("#hope"), "A scorecard I trust"),
		chromedp.Click(chromedp.CSS(`form.booking button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.Search(`//strong[contains(., "You're booked")]`)),
	))

	b := activeBooking(t, filepath.Join(data, "dripbook.db"), addr)
	consents := subscriberConsents(t, filepath.Join(data, "dripbook.db"), addr)
	require.Len(t, consents, 1)
	require.Equal(t, course.ConsentVersion("One email every two days. Leave whenever you like, in one click."), consents[0].TextVersion,
		"the consent is recorded under the version of the words the visitor saw")
	var stored map[string]string
	require.NoError(t, json.Unmarshal([]byte(b.Answers), &stored))
	require.Equal(t, map[string]string{"company": "Acme, platform team", "stage": "Interviewing", "hope": "A scorecard I trust"},
		stored, "answers are stored by question id")

	brief := testenv.WaitMail(t, smtp, "coach@example.com", 1, mailTimeout)[0]
	require.Regexp(t, `Where do you work\?\s+Acme, platform team\s+How far along is the hire\?\s+Interviewing\s+`+
		`What would make the call worth it\?\s+A scorecard I trust`, brief.Text, "the brief shows the answers in the folder's order")
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestCourseCheckNamesTheLinesOfBrokenPages breaks landing.md and the
// question list of the test course: course check refuses both, naming the
// file and line of every mistake.
func TestCourseCheckNamesTheLinesOfBrokenPages(t *testing.T) {
	t.Parallel()
	yaml, err := os.ReadFile(filepath.Join("testdata", "coach-course", "course.yaml"))
	require.NoError(t, err)
	brokenYAML := strings.Replace(strings.Replace(string(yaml), "type: text\n", "type: radio\n", 1),
		"- id: hope", "- id: company", 1)
	dir := copyCourse(t, map[string]string{
		"landing.md": "---\n" +
			"headline: \"Hire calmly\"\n" +
			"lead: \"Five short emails, {{ frist_name }}.\"\n" +
			"photo: \"coach.png\"\n" +
			"buton: \"Start\"\n" +
			"---\n" +
			"## Inside\n",
		"course.yaml": brokenYAML,
	})
	var out bytes.Buffer
	err = run(context.Background(), []string{"course", "check"}, env{"DATA_DIR": t.TempDir(), "COURSE_DIR": dir}.get, &out)
	require.Error(t, err)
	for _, want := range []string{
		"landing.md: line 3: unknown variable {{ frist_name }}",
		`landing.md: line 4: photo must be the full address of an image`,
		`landing.md: line 5: unknown setting "buton" (did you mean "button"?)`,
		"landing.md: missing button",
		`course.yaml: line 10: type "radio" is not a kind of question`,
		`course.yaml: line 17: question id "company" is already used on line 7`,
	} {
		require.Contains(t, err.Error(), want)
	}
	require.NotContains(t, out.String(), "is fine")

	var good bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"course", "check"}, env{"DATA_DIR": t.TempDir(), "COURSE_DIR": copyCourse(t, nil)}.get, &good))
	require.Contains(t, good.String(), `course "Calm Hiring" is fine: 1 lessons over 0 days, 3 booking questions`)
	require.NotContains(t, good.String(), "built-in", "the folder writes every page itself")
}

// TestCourseRenderPreviewsThePages renders the test course: beside the
// emails, the pages a visitor reads, in the folder's words.
func TestCourseRenderPreviewsThePages(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	require.NoError(t, run(context.Background(), []string{"course", "render", "--out", out},
		env{"DATA_DIR": t.TempDir(), "COURSE_DIR": copyCourse(t, nil), "COACH_NAME": "Jordan Coach"}.get, io.Discard))
	for file, want := range map[string]string{
		"landing.html":     `<img src="https://photos.example/coach.png" alt="Jordan Coach" class="photo">`,
		"check_inbox.html": "<h1>One more step</h1>",
		"confirmed.html":   "The first note from Jordan Coach is in your inbox.",
		"book.html":        `<select name="stage" id="stage" required`,
		"accent.css":       "--accent: #2e7d32;",
	} {
		b, err := os.ReadFile(filepath.Join(out, "pages", file))
		require.NoError(t, err)
		require.Contains(t, string(b), want, file)
	}
}

// An image in the pages' own copy is let through their security policy:
// its source is among the pages' images.
func TestAnImageInThePagesCopyIsAllowed(t *testing.T) {
	t.Parallel()
	landing, err := os.ReadFile(filepath.Join("testdata", "coach-course", "landing.md"))
	require.NoError(t, err)
	dir := copyCourse(t, map[string]string{"landing.md": string(landing) + "\n![The course map](https://cdn.example.org/map.png)\n"})
	c, err := course.Load(os.DirFS(dir))
	require.NoError(t, err)
	p, err := sitePages(c, pageSite{CoachName: "Jordan Coach", Call: 30 * time.Minute})
	require.NoError(t, err)
	require.Contains(t, p.Images, "https://cdn.example.org/map.png")
}

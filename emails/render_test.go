package emails

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dripbook/dripbook/course"
	"github.com/dripbook/dripbook/message"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the current course")

const testBase = "https://example.test"

func testSite() Site {
	return Site{BaseURL: testBase, CompanyAddress: "Canyon Coaching, 1 Example Street, Testville", CoachName: "Alex Rivera"}
}

func testVars(slug string) course.Vars {
	return course.Vars{
		FirstName:      "Sam",
		BookingURL:     testBase + "/book/tok-" + slug,
		UnsubscribeURL: testBase + "/unsubscribe/tok-" + slug,
		ConfirmURL:     testBase + "/confirm/tok-" + slug,
		ScorecardURL:   testBase + "/scorecard/tok-" + slug,
	}
}

// MustRenderer renders the embedded course for testSite.
func MustRenderer(tb testing.TB) *Renderer {
	tb.Helper()
	c, err := course.Load(course.Default())
	require.NoError(tb, err)
	r, err := NewRenderer(c, testSite())
	require.NoError(tb, err)
	return r
}

// renderAll renders the confirmation and every lesson, keyed by slug.
func renderAll(t *testing.T, r *Renderer) (map[string]message.Content, []string) {
	t.Helper()
	out := map[string]message.Content{}
	e, err := r.Confirmation(testVars("confirm"))
	require.NoError(t, err)
	out["confirm"] = e
	slugs := []string{"confirm"}
	for _, l := range r.Course().Lessons {
		e, err := r.Lesson(l.Slug, testVars(l.Slug))
		require.NoError(t, err)
		out[l.Slug] = e
		slugs = append(slugs, l.Slug)
	}
	return out, slugs
}

func TestGolden(t *testing.T) {
	r := MustRenderer(t)
	emails, slugs := renderAll(t, r)
	dir := filepath.Join("testdata", "golden")
	if *update {
		require.NoError(t, os.RemoveAll(dir))
		require.NoError(t, os.MkdirAll(dir, 0o755))
	}
	for _, slug := range slugs {
		e := emails[slug]
		for ext, got := range map[string]string{
			".html": e.HTML,
			".txt":  "Subject: " + e.Subject + "\nPreheader: " + e.Preheader + "\n\n" + e.Text,
		} {
			path := filepath.Join(dir, slug+ext)
			if *update {
				require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
				continue
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "no golden file for %s; run go test ./emails -update", slug)
			require.Equal(t, string(want), got, "%s differs from the golden file; if the change is intended, run go test ./emails -update", path)
		}
	}
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	require.NoError(t, err)
	require.Len(t, files, 2*len(slugs), "stale golden files in %s; run go test ./emails -update", dir)
}

func TestEveryEmailIsWellFormed(t *testing.T) {
	r := MustRenderer(t)
	emails, slugs := renderAll(t, r)
	title := r.Course().Title
	buttons := 0
	defer func() { require.Positive(t, buttons, "no email of the course has a button") }()
	for _, slug := range slugs {
		t.Run(slug, func(t *testing.T) {
			e, v := emails[slug], testVars(slug)
			require.NotEmpty(t, strings.TrimSpace(e.Subject))
			require.LessOrEqual(t, len([]rune(e.Subject)), course.MaxSubjectLen)
			require.NotEmpty(t, strings.TrimSpace(e.Preheader))
			for part, s := range map[string]string{"subject": e.Subject, "preheader": e.Preheader, "html": e.HTML, "text": e.Text} {
				require.NotContains(t, s, "{{", "unresolved variable in the %s", part)
				require.NotContains(t, s, "}}", "unresolved variable in the %s", part)
				require.NotContains(t, s, "DBVAR", "variable token left in the %s", part)
				require.NotContains(t, s, "dripbook.invalid", "variable token left in the %s", part)
			}

			doc := checkHTML(t, e.HTML)
			require.Contains(t, doc.hrefs, testBase, "footer links the site")
			if slug == "confirm" {
				require.Contains(t, doc.hrefs, v.ConfirmURL)
			} else {
				require.Contains(t, doc.hrefs, v.BookingURL, "every lesson leads to a booking")
				require.Contains(t, doc.hrefs, v.UnsubscribeURL)
				require.Contains(t, e.Text, v.BookingURL)
			}
			require.Contains(t, doc.hrefs, v.UnsubscribeURL)
			buttons += doc.buttons
			require.Contains(t, doc.text, e.Preheader, "hidden preheader")

			footer := "You're receiving this because you signed up for " + title + " at "
			require.Contains(t, doc.text, footer+testBase+".")
			require.Contains(t, doc.text, testSite().CompanyAddress)

			require.Contains(t, e.Text, footer+"<"+testBase+">.")
			require.Contains(t, e.Text, "Unsubscribe in one click: "+v.UnsubscribeURL)
			require.Contains(t, e.Text, testSite().CompanyAddress)
			for _, md := range []string{"**", "[[", "](", "<a ", "<p"} {
				require.NotContains(t, e.Text, md, "Markdown or HTML leaked into the plain text")
			}
		})
	}
}

// htmlFacts is what checkHTML found in an email.
type htmlFacts struct {
	hrefs   []string
	buttons int
	text    string
}

// checkHTML parses an email as a browser would and checks the rules every
// email must keep: absolute links under the site, inline styles on every
// link, no scripts or external stylesheets, dark-mode meta tags.
func checkHTML(t *testing.T, src string) htmlFacts {
	t.Helper()
	require.True(t, strings.HasPrefix(src, "<!DOCTYPE html>"))
	require.NotContains(t, strings.ToLower(src), "<script")
	require.NotContains(t, strings.ToLower(src), "<link")
	require.NotContains(t, strings.ToLower(src), "@import")
	require.NotContains(t, strings.ToLower(src), "@font-face")
	root, err := html.Parse(strings.NewReader(src))
	require.NoError(t, err)

	var facts htmlFacts
	var text strings.Builder
	metas := map[string]string{}
	for n := range root.Descendants() {
		switch {
		case n.Type == html.TextNode:
			text.WriteString(n.Data)
		case n.Type != html.ElementNode:
		case n.Data == "meta":
			metas[attr(n, "name")] = attr(n, "content")
		case n.Data == "a":
			href := attr(n, "href")
			// Booking emails link out too: the meeting and the web calendars.
			require.True(t, href == testBase || strings.HasPrefix(href, testBase+"/") || strings.HasPrefix(href, "https://"),
				"link %q is not absolute under %s or elsewhere on https", href, testBase)
			require.NotEmpty(t, attr(n, "style"), "link %q has no inline style", href)
			facts.hrefs = append(facts.hrefs, href)
			if strings.Contains(attr(n, "style"), "display:inline-block") {
				facts.buttons++
				td := n.Parent
				require.Equal(t, "td", td.Data, "a button sits in a table cell")
				require.NotEmpty(t, attr(td, "bgcolor"), "the button cell has a background for Outlook")
				require.Contains(t, attr(td, "style"), "background-color")
			}
		case n.Data == "img":
			require.True(t, strings.HasPrefix(attr(n, "src"), "https://"), "image %q is not absolute", attr(n, "src"))
		case n.Data == "p" || n.Data == "h1" || n.Data == "h2" || n.Data == "h3" || n.Data == "ul" || n.Data == "ol" ||
			n.Data == "li" || n.Data == "blockquote" || n.Data == "td":
			require.NotEmpty(t, attr(n, "style"), "<%s> has no inline style", n.Data)
		}
	}
	require.Equal(t, "light dark", metas["color-scheme"])
	require.Equal(t, "light dark", metas["supported-color-schemes"])
	require.Contains(t, src, "max-width:600px")
	facts.text = strings.Join(strings.Fields(text.String()), " ")
	return facts
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func TestLessonWordCount(t *testing.T) {
	r := MustRenderer(t)
	for _, l := range r.Course().Lessons {
		e, err := r.Lesson(l.Slug, testVars(l.Slug))
		require.NoError(t, err)
		body, _, _ := strings.Cut(e.Text, "\n-- \n")
		words := len(strings.Fields(body))
		require.True(t, words >= 250 && words <= 500, "%s has %d words; a lesson should have 250 to 500", l.File, words)
	}
}

func TestHostileFirstNameStaysText(t *testing.T) {
	r := MustRenderer(t)
	name := `<script>alert(1)</script> *bold* _it_ [x](javascript:alert(1)) {{ booking_url }} & "quotes"`
	v := testVars("x")
	v.FirstName = name + "\r\nBcc: victim@example.test"

	e, err := r.Markdown("Hello {{ first_name }}", "For {{ first_name }}", "Hi {{ first_name }}, *welcome*.", v, FooterCourse)
	require.NoError(t, err)

	require.Equal(t, "Hello "+name+" Bcc: victim@example.test", e.Subject, "subject is plain text on one line")
	require.NotContains(t, e.HTML, "<script>")
	require.Contains(t, e.HTML, `Hi &lt;script&gt;alert(1)&lt;/script&gt; *bold* _it_ [x](javascript:alert(1)) {{ booking_url }} &amp; &#34;quotes&#34; Bcc: victim@example.test, <em>welcome</em>.</p>`)
	require.NotContains(t, e.HTML, "javascript:alert(1)\"")
	require.Contains(t, strings.Join(strings.Fields(e.Text), " "), "Hi "+name+" Bcc: victim@example.test, welcome.")

	for _, l := range r.Course().Lessons {
		e, err := r.Lesson(l.Slug, v)
		require.NoError(t, err)
		require.NotContains(t, e.HTML, "<script>", l.File)
		require.NotContains(t, e.Subject, "\n", l.File)
	}
}

func TestMarkdownRendering(t *testing.T) {
	r := MustRenderer(t)
	body := strings.Join([]string{
		"Hi {{ first_name | friend }},",
		"",
		"Read [the guide](/guide) or visit {{ booking_url }} today. **Strong** and _soft_. Or {{ booking_url }}.",
		"",
		"## Next steps",
		"",
		"- one",
		"- two with `code`",
		"",
		"> A quote",
		"",
		"[[Pick a time, {{ first_name | friend }}]]({{ booking_url }})",
		"",
		"Talk soon,",
		"{{ coach_name }}",
	}, "\n")
	v := testVars("md")
	v.FirstName = "  "
	e, err := r.Markdown("Your booking", "All set", body, v, FooterCourse)
	require.NoError(t, err)

	require.Contains(t, e.HTML, `<a href="https://example.test/guide"`, "relative links are made absolute")
	require.Contains(t, e.HTML, `<a href="`+v.BookingURL+`"`, "a bare booking_url becomes a link")
	require.Contains(t, e.HTML, "Talk soon,<br>")
	require.Contains(t, e.HTML, ">Pick a time, friend</a>")
	checkHTML(t, e.HTML)

	want := strings.Join([]string{
		"Hi friend,",
		"",
		"Read the guide <https://example.test/guide> or visit",
		"https://example.test/book/tok-md today. Strong and soft. Or",
		"<https://example.test/book/tok-md>.",
		"",
		"Next steps",
		"----------",
		"",
		"- one",
		"- two with code",
		"",
		"> A quote",
		"",
		"Pick a time, friend: https://example.test/book/tok-md",
		"",
		"Talk soon,",
		"Alex Rivera",
		"",
		"",
	}, "\n")
	body, _, ok := strings.Cut(e.Text, "-- \n")
	require.True(t, ok, "text has a signature separator before the footer")
	require.Equal(t, want, body)
}

func TestTransactionalFooterHasNoUnsubscribe(t *testing.T) {
	r := MustRenderer(t)
	v := testVars("tx")
	e, err := r.Markdown("Booked", "See you then", "Your call is booked.", v, FooterTransactional)
	require.NoError(t, err)
	require.NotContains(t, e.HTML, v.UnsubscribeURL)
	require.NotContains(t, e.Text, v.UnsubscribeURL)
	require.NotContains(t, e.Text, "You're receiving this")
	require.Contains(t, e.HTML, testSite().CompanyAddress)
	require.Contains(t, e.Text, testSite().CompanyAddress)
}

func TestRenderErrors(t *testing.T) {
	r := MustRenderer(t)
	_, err := r.Lesson("no-such-lesson", testVars("x"))
	require.ErrorIs(t, err, ErrUnknownLesson)

	slug := r.Course().Lessons[0].Slug
	v := testVars(slug)
	v.UnsubscribeURL = ""
	_, err = r.Lesson(slug, v)
	require.ErrorContains(t, err, "unsubscribe URL")

	_, err = r.Markdown("Hi", "Hi", "Hi {{ nickname }}", testVars("x"), FooterTransactional)
	require.ErrorContains(t, err, "unknown variable {{ nickname }}")

	v = testVars("x")
	v.BookingURL = ""
	_, err = r.Markdown("Hi", "Hi", "[[Book]]({{ booking_url }})", v, FooterTransactional)
	require.ErrorContains(t, err, "{{ booking_url }} has no value")

	for _, base := range []string{"", "example.test", "/relative", "ftp://example.test"} {
		_, err := NewRenderer(r.Course(), Site{BaseURL: base})
		require.Error(t, err, base)
	}
}

func TestLessonNumbers(t *testing.T) {
	r := MustRenderer(t)
	c := &course.Course{Title: "T", Confirm: course.Lesson{Subject: "C", Preheader: "P", Body: "[[Go]]({{ confirm_url }})"}}
	for _, slug := range []string{"a", "b", "c"} {
		c.Lessons = append(c.Lessons, course.Lesson{Slug: slug, Subject: "Lesson {{ lesson_number }}/{{ lesson_total }}", Preheader: "P",
			Body: "[[Book]]({{ booking_url }})"})
	}
	r2, err := NewRenderer(c, r.site)
	require.NoError(t, err)
	e, err := r2.Lesson("b", testVars("b"))
	require.NoError(t, err)
	require.Equal(t, "Lesson 2/3", e.Subject)
	require.True(t, errors.Is(func() error { _, err := r2.Lesson("d", testVars("d")); return err }(), ErrUnknownLesson))
}

func TestRendererIsSafeForConcurrentUse(t *testing.T) {
	r := MustRenderer(t)
	want, _ := renderAll(t, r)
	done := make(chan map[string]message.Content, 4)
	for range 4 {
		go func() {
			got := map[string]message.Content{}
			for _, l := range r.Course().Lessons {
				e, err := r.Lesson(l.Slug, testVars(l.Slug))
				if err != nil {
					break
				}
				got[l.Slug] = e
			}
			done <- got
		}()
	}
	for range 4 {
		got := <-done
		for slug, e := range got {
			require.Equal(t, want[slug], e)
		}
		require.Len(t, got, len(r.Course().Lessons))
	}
}

// Bodies are parsed once and filled per email: a renderer that has already
// written a lesson for one subscriber writes the next subscriber's copy
// exactly as a fresh renderer would, wrapping the text around their values.
func TestEachEmailIsFilledAsIfRenderedAlone(t *testing.T) {
	warm := MustRenderer(t)
	long := testVars("long")
	long.FirstName = "Maximiliana Alexandrina Wolfeschlegelsteinhausen-Bergerdorff"
	for _, l := range warm.Course().Lessons {
		short, err := warm.Lesson(l.Slug, testVars(l.Slug))
		require.NoError(t, err)
		got, err := warm.Lesson(l.Slug, long)
		require.NoError(t, err)
		cold := MustRenderer(t)
		cold.bodies = bodies{} // parses this lesson afresh, for these values
		want, err := cold.Lesson(l.Slug, long)
		require.NoError(t, err)
		require.Equal(t, want, got, l.File)
		if strings.Contains(l.Body, "first_name") {
			require.NotEqual(t, short.Text, got.Text, l.File)
			require.Contains(t, strings.Join(strings.Fields(got.Text), " "), long.FirstName, l.File)
		}
	}
	require.NotEmpty(t, warm.bodies.m, "the bodies were parsed once and kept")

	// A body written for one email (a booking's) is not kept: no other
	// email would use it.
	kept := len(warm.bodies.m)
	for _, name := range []string{"Ann", "Bob", "Cy"} {
		_, err := warm.Markdown("Hi", "", "Your call, "+name+", is booked.", testVars("x"), FooterTransactional)
		require.NoError(t, err)
	}
	require.Len(t, warm.bodies.m, kept)
}

// A code block keeps its lines as written in the text part, with its
// values filled in as the HTML part's are.
func TestCodeBlocksAreFilledInBothParts(t *testing.T) {
	r := MustRenderer(t)
	body := "Say it like this:\n\n```\nHello {{ first_name | friend }},\nmy calendar: {{ booking_url }}\n```\n\nand indented:\n\n    Yours, {{ coach_name }}\n"
	v := testVars("code")
	v.FirstName = "Sam"
	e, err := r.Markdown("A script", "Words to use", body, v, FooterCourse)
	require.NoError(t, err)
	for _, part := range []string{e.HTML, e.Text} {
		require.Contains(t, part, "Hello Sam,")
		require.Contains(t, part, "my calendar: "+v.BookingURL)
		require.Contains(t, part, "Yours, Alex Rivera")
	}
	require.Contains(t, e.Text, "\n    Hello Sam,\n    my calendar: "+v.BookingURL+"\n", "line for line, indented, unwrapped")
}

// The course's accent colours the emails' buttons and links, as it does
// the pages'.
func TestTheAccentColoursButtonsAndLinks(t *testing.T) {
	c, err := course.Load(course.Default())
	require.NoError(t, err)
	c.Accent = "#2e7d32"
	r, err := NewRenderer(c, testSite())
	require.NoError(t, err)
	e, err := r.Lesson("book-your-discovery-call", testVars("book-your-discovery-call"))
	require.NoError(t, err)
	require.Contains(t, e.HTML, `bgcolor="#2e7d32"`, "the button")
	require.Contains(t, e.HTML, `style="color:#2e7d32;text-decoration:underline;"`, "a link")
	require.NotContains(t, e.HTML, defaultAccent)
}

package emails

import (
	"bytes"
	"errors"
	"fmt"
	stdhtml "html"
	htmltemplate "html/template"
	"strconv"
	"strings"

	"github.com/dripbook/dripbook/course"
	"github.com/dripbook/dripbook/message"
	"github.com/dripbook/dripbook/weblink"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// ErrUnknownLesson is returned for a slug the course does not have, for
// example after a coach removed a lesson someone was waiting for.
var ErrUnknownLesson = errors.New("unknown lesson")

// Site is what every email says about the sender.
type Site struct {
	// BaseURL is the absolute base for every link (BASE_URL).
	BaseURL string
	// CompanyAddress is the postal address required in every footer.
	CompanyAddress string
	// CoachName fills {{ coach_name }}.
	CoachName string
}

// Footer selects what the bottom of an email says.
type Footer int

const (
	// FooterCourse explains why the subscriber gets the email and links to
	// one-click unsubscribe, as bulk mail must.
	FooterCourse Footer = iota
	// FooterTransactional shows only the postal address: booking emails are
	// answers to the subscriber's own action and carry no unsubscribe link.
	FooterTransactional
)

// Renderer turns course files into finished emails.
type Renderer struct {
	course *course.Course
	site   Site
	md     goldmark.Markdown
	bodies bodies
}

// NewRenderer prepares a renderer and renders every email of the course once
// with sample values, so a course that cannot render is refused at start-up
// rather than discovered on the day a lesson is due.
func NewRenderer(c *course.Course, site Site) (*Renderer, error) {
	if c == nil {
		return nil, errors.New("new renderer: no course")
	}
	base, err := weblink.Absolute(site.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("new renderer: base URL %q must be an absolute http(s) URL", site.BaseURL)
	}
	accent := c.Accent
	if accent == "" {
		accent = defaultAccent
	}
	r := &Renderer{
		course: c,
		site:   site,
		md: goldmark.New(
			goldmark.WithExtensions(extension.Linkify),
			goldmark.WithParserOptions(
				parser.WithBlockParsers(util.Prioritized(buttonParser{}, 50)),
				parser.WithASTTransformers(util.Prioritized(emailStyler{base: base, accent: accent}, 100)),
			),
			goldmark.WithRendererOptions(
				// Coaches write sign-offs as "Talk soon,\nName" and expect the
				// line break to survive, as it does in any mail client.
				html.WithHardWraps(),
				renderer.WithNodeRenderers(util.Prioritized(buttonHTML{accent: accent}, 100)),
			),
		),
	}
	sample := course.Vars{
		FirstName:      "Sample",
		BookingURL:     base.JoinPath("book", "sample").String(),
		UnsubscribeURL: base.JoinPath("unsubscribe", "sample").String(),
		ConfirmURL:     base.JoinPath("confirm", "sample").String(),
		ScorecardURL:   base.JoinPath("scorecard", "sample").String(),
	}
	// The confirmation with only what its send has: a variable it cannot
	// fill fails here, at start-up, not at every signup.
	if _, err := r.Confirmation(course.Vars{FirstName: sample.FirstName, ConfirmURL: sample.ConfirmURL}); err != nil {
		return nil, err
	}
	for _, l := range c.Lessons {
		if _, err := r.Lesson(l.Slug, sample); err != nil {
			return nil, err
		}
	}
	if err := r.sampleTracks(sample); err != nil {
		return nil, err
	}
	return r, nil
}

// Course returns the course the renderer was built with.
func (r *Renderer) Course() *course.Course { return r.course }

// Lesson renders the lesson with slug for one subscriber, filling
// lesson_number and lesson_total from its place in the course.
func (r *Renderer) Lesson(slug string, v course.Vars) (message.Content, error) {
	l, i, ok := r.course.Lesson(slug)
	if !ok {
		return message.Content{}, fmt.Errorf("render lesson %s: %w", slug, ErrUnknownLesson)
	}
	return r.lesson(l, i+1, len(r.course.Lessons), v)
}

// lesson renders l as number of total.
func (r *Renderer) lesson(l course.Lesson, number, total int, v course.Vars) (message.Content, error) {
	if v.UnsubscribeURL == "" {
		return message.Content{}, fmt.Errorf("render lesson %s: a lesson needs an unsubscribe URL", l.Slug)
	}
	vals := r.values(v)
	vals["lesson_number"] = strconv.Itoa(number)
	vals["lesson_total"] = strconv.Itoa(total)
	e, err := r.render(l.Subject, l.Preheader, l.Body, vals, FooterCourse, v.UnsubscribeURL, r.cached)
	if err != nil {
		return message.Content{}, fmt.Errorf("render lesson %s (%s): %w", l.Slug, l.File, err)
	}
	return e, nil
}

// Confirmation renders the double opt-in email from confirm.md. It goes to
// an address nobody has confirmed yet, so it shows nothing the visitor
// typed: anyone can sign up anyone else's address, and the name field
// would let them put words in the coach's mouth in that inbox. A
// {{ first_name }} in confirm.md gets its fallback.
func (r *Renderer) Confirmation(v course.Vars) (message.Content, error) {
	c := r.course.Confirm
	v.FirstName = ""
	vals := r.values(v)
	vals["confirm_url"] = v.ConfirmURL
	vals["lesson_number"] = "0"
	vals["lesson_total"] = strconv.Itoa(len(r.course.Lessons))
	e, err := r.render(c.Subject, c.Preheader, c.Body, vals, FooterCourse, v.UnsubscribeURL, r.cached)
	if err != nil {
		return message.Content{}, fmt.Errorf("render confirmation (%s): %w", c.File, err)
	}
	return e, nil
}

// Markdown renders any Markdown email with the course's variables through
// the same layout as the lessons, for booking confirmations and the like.
func (r *Renderer) Markdown(subject, preheader, body string, v course.Vars, footer Footer) (message.Content, error) {
	vals := r.values(v)
	vals["confirm_url"] = v.ConfirmURL
	vals["lesson_number"] = ""
	vals["lesson_total"] = strconv.Itoa(len(r.course.Lessons))
	unsubscribe := v.UnsubscribeURL
	if footer != FooterCourse {
		unsubscribe = ""
	}
	// Not cached: a booking email's body is written for its one call.
	e, err := r.render(subject, preheader, body, vals, footer, unsubscribe, r.parse)
	if err != nil {
		return message.Content{}, fmt.Errorf("render email %q: %w", subject, err)
	}
	return e, nil
}

func (r *Renderer) values(v course.Vars) values {
	return values{
		"first_name":      message.OneLine(v.FirstName),
		"booking_url":     v.BookingURL,
		"unsubscribe_url": v.UnsubscribeURL,
		"coach_name":      message.OneLine(r.site.CoachName),
		"scorecard_url":   v.ScorecardURL,
		"top_gaps":        message.OneLine(v.TopGaps),
	}
}

// render writes one email; parse turns the body, its variables as tokens,
// into HTML and plain text: r.cached for the course's own bodies, the same
// for every subscriber, r.parse for one written for a single email.
func (r *Renderer) render(subject, preheader, body string, vals values, footer Footer, unsubscribe string, parse func([]byte) (*body, error)) (message.Content, error) {
	subj, err := course.Substitute(subject, vals.resolve)
	if err != nil {
		return message.Content{}, fmt.Errorf("subject: %w", err)
	}
	pre, err := course.Substitute(preheader, vals.resolve)
	if err != nil {
		return message.Content{}, fmt.Errorf("preheader: %w", err)
	}
	src, htmlVals, textVals, err := tokenize(body, vals)
	if err != nil {
		return message.Content{}, fmt.Errorf("body: %w", err)
	}
	b, err := parse(src)
	if err != nil {
		return message.Content{}, fmt.Errorf("body: %w", err)
	}
	data := layoutData{
		Subject:        message.OneLine(subj),
		Preheader:      message.OneLine(pre),
		PreheaderPad:   preheaderPad,
		MSOOpen:        msoOpen,
		MSOClose:       msoClose,
		Course:         footer == FooterCourse,
		CourseTitle:    r.course.Title,
		BaseURL:        r.site.BaseURL,
		UnsubscribeURL: unsubscribe,
		CompanyAddress: strings.TrimSpace(r.site.CompanyAddress),
	}
	e := message.Content{Subject: data.Subject, Preheader: data.Preheader}

	data.Content = htmltemplate.HTML(b.html.fill(htmlVals)) // goldmark escapes the text, tokenize the values
	var out bytes.Buffer
	if err := htmlLayout.Execute(&out, data); err != nil {
		return message.Content{}, fmt.Errorf("html layout: %w", err)
	}
	e.HTML = out.String()

	data.Content = b.text.render(textVals)
	out.Reset()
	if err := textLayout.Execute(&out, data); err != nil {
		return message.Content{}, fmt.Errorf("text layout: %w", err)
	}
	e.Text = out.String()
	return e, nil
}

// cached is parse, once for each body of the course.
func (r *Renderer) cached(src []byte) (*body, error) { return r.bodies.get(src, r.parse) }

// parse renders a tokenized body (see tokenize) to HTML and lays out its
// plain text, both with the tokens still in place of the values.
func (r *Renderer) parse(src []byte) (*body, error) {
	doc := r.md.Parser().Parse(text.NewReader(src))
	var html bytes.Buffer
	if err := r.md.Renderer().Render(&html, src, doc); err != nil {
		return nil, err
	}
	return &body{html: split(html.String()), text: textRenderer{src: src}.render(doc)}, nil
}

// tokenize puts an opaque token in place of every variable before the
// Markdown is parsed, and returns the values that take the tokens' places,
// in token order (see split). Values are filled in after rendering,
// HTML-escaped for the HTML part, so a first name like "<b>*Bo*</b>" is
// shown as typed and never read as Markdown or HTML. Link variables get
// URL-shaped tokens so that a bare {{ booking_url }} in a sentence still
// becomes a link.
func tokenize(body string, vals values) (src []byte, htmlVals, textVals []string, err error) {
	out, err := course.Substitute(body, func(ref course.VarRef) (string, error) {
		v, err := vals.resolve(ref)
		if err != nil {
			return "", err
		}
		n := len(textVals)
		htmlVals = append(htmlVals, stdhtml.EscapeString(v))
		textVals = append(textVals, v)
		return token(n, strings.HasSuffix(ref.Name, "_url")), nil
	})
	if err != nil {
		return nil, nil, nil, err
	}
	return []byte(out), htmlVals, textVals, nil
}

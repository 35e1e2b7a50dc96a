package emails

import (
	"bytes"
	"fmt"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/text"

	"github.com/dripbook/dripbook/course"
)

// pageMarkdown renders the Markdown of web pages: no email styling, and raw
// HTML in the source is left out, as goldmark does unless told otherwise.
var pageMarkdown = goldmark.New()

// PageHTML renders Markdown written for a web page, such as the landing
// page's body, with its variables filled in. Values are HTML-escaped after
// rendering, so a value is shown as written and never read as Markdown.
func PageHTML(src string, vals map[string]string) (string, error) {
	md, htmlVals, _, err := tokenize(src, values(vals))
	if err != nil {
		return "", err
	}
	var out bytes.Buffer
	if err := pageMarkdown.Renderer().Render(&out, md, pageMarkdown.Parser().Parse(text.NewReader(md))); err != nil {
		return "", fmt.Errorf("render page: %w", err)
	}
	return split(out.String()).fill(htmlVals), nil
}

// PageText fills the variables of a line of page copy, such as a headline,
// which the page escapes as it shows it.
func PageText(src string, vals map[string]string) (string, error) {
	return course.Substitute(src, values(vals).resolve)
}

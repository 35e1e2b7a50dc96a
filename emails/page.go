package emails

import (
	"bytes"
	"fmt"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
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

// PageImages lists the sources of the images that Markdown for a web page
// shows, so that the page's security policy can let them load.
func PageImages(src string) []string {
	var out []string
	doc := pageMarkdown.Parser().Parse(text.NewReader([]byte(src)))
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if img, ok := n.(*ast.Image); ok && entering {
			out = append(out, string(img.Destination))
		}
		return ast.WalkContinue, nil
	})
	return out
}

// PageText fills the variables of a line of page copy, such as a headline,
// which the page escapes as it shows it.
func PageText(src string, vals map[string]string) (string, error) {
	return course.Substitute(src, values(vals).resolve)
}

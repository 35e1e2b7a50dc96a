package emails

import (
	"net/url"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

// Email clients drop <style> blocks and external CSS unpredictably, so every
// element the Markdown produces carries its styling inline.
const (
	fontStack = `-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif`
	// defaultAccent colours links and buttons of a course with no accent.
	defaultAccent = "#1d4ed8"

	// Spacing is written as margin-top and margin-bottom: the shorthand is
	// what clients mishandle (auto and negative values), and rated so.
	styleParagraph  = "margin-top:0;margin-bottom:16px;"
	styleHeading1   = "margin-top:28px;margin-bottom:12px;font-size:24px;line-height:1.3;font-weight:bold;"
	styleHeading2   = "margin-top:28px;margin-bottom:12px;font-size:20px;line-height:1.3;font-weight:bold;"
	styleHeading3   = "margin-top:24px;margin-bottom:8px;font-size:17px;line-height:1.4;font-weight:bold;"
	styleList       = "margin-top:0;margin-bottom:16px;padding-left:24px;"
	styleListItem   = "margin-top:0;margin-bottom:8px;"
	styleBlockquote = "margin-top:0;margin-bottom:16px;margin-left:0;margin-right:0;padding-left:16px;border-left:4px solid #cbd5e1;font-style:italic;"
	styleRule       = "border:0;border-top:1px solid #e2e8f0;margin-top:28px;margin-bottom:28px;"
	styleCode       = "font-family:Menlo,Consolas,monospace;font-size:14px;"
	styleImage      = "max-width:100%;height:auto;border:0;"
)

// emailStyler is a goldmark AST transformer that adds the inline styles and
// makes every link absolute, since a relative link means nothing in an inbox.
type emailStyler struct {
	base   *url.URL
	accent string // the course's colour for links, #rrggbb
}

// Transform implements parser.ASTTransformer.
func (s emailStyler) Transform(doc *ast.Document, _ text.Reader, _ parser.Context) {
	_ = ast.Walk(doc, func(node ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := node.(type) {
		case *ast.Paragraph:
			setStyle(n, styleParagraph)
		case *ast.Heading:
			switch n.Level {
			case 1:
				setStyle(n, styleHeading1)
			case 2:
				setStyle(n, styleHeading2)
			default:
				setStyle(n, styleHeading3)
			}
		case *ast.Link:
			n.Destination = s.absolute(n.Destination)
			setStyle(n, "color:"+s.accent+";text-decoration:underline;")
			n.SetAttributeString("class", []byte("db-link"))
		case *ast.AutoLink:
			setStyle(n, "color:"+s.accent+";text-decoration:underline;")
			n.SetAttributeString("class", []byte("db-link"))
		case *ast.Image:
			n.Destination = s.absolute(n.Destination)
			setStyle(n, styleImage)
		case *ast.List:
			setStyle(n, styleList)
		case *ast.ListItem:
			setStyle(n, styleListItem)
		case *ast.Blockquote:
			setStyle(n, styleBlockquote)
		case *ast.ThematicBreak:
			setStyle(n, styleRule)
		case *ast.CodeSpan:
			setStyle(n, styleCode)
		case *buttonNode:
			n.URL = string(s.absolute([]byte(n.URL)))
		}
		return ast.WalkContinue, nil
	})
}

func setStyle(n ast.Node, style string) {
	n.SetAttributeString("style", []byte(style))
}

// absolute resolves a relative destination against the site's base URL and
// leaves anything else (absolute, mailto:, unparsable) as written.
func (s emailStyler) absolute(dest []byte) []byte {
	u, err := url.Parse(string(dest))
	if err != nil || u.IsAbs() || len(dest) == 0 {
		return dest
	}
	return []byte(s.base.ResolveReference(u).String())
}

package emails

import (
	"fmt"
	"html"
	"strings"

	"github.com/dripbook/dripbook/course"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// kindButton is the goldmark node kind of a [[Label]](url) line.
var kindButton = ast.NewNodeKind("Button")

// buttonNode is a call-to-action line: a button in HTML, "Label: url" in text.
type buttonNode struct {
	ast.BaseBlock
	Label string
	URL   string
}

// Kind implements ast.Node.
func (n *buttonNode) Kind() ast.NodeKind { return kindButton }

// Dump implements ast.Node.
func (n *buttonNode) Dump(source []byte, level int) {
	ast.DumpHelper(n, source, level, map[string]string{"Label": n.Label, "URL": n.URL}, nil)
}

// buttonParser turns a line holding only [[Label]](url) into a buttonNode,
// before the paragraph parser can read it as a link inside brackets.
type buttonParser struct{}

func (buttonParser) Trigger() []byte { return []byte{'['} }

func (buttonParser) Open(_ ast.Node, reader text.Reader, _ parser.Context) (ast.Node, parser.State) {
	line, _ := reader.PeekLine()
	label, url, ok := course.ParseButton(strings.TrimSpace(string(line)))
	if !ok {
		return nil, parser.NoChildren
	}
	reader.AdvanceToEOL()
	return &buttonNode{Label: label, URL: url}, parser.NoChildren
}

func (buttonParser) Continue(ast.Node, text.Reader, parser.Context) parser.State { return parser.Close }

func (buttonParser) Close(ast.Node, text.Reader, parser.Context) {}

// CanInterruptParagraph is true so that a button line right under a line of
// text, with no blank line between, is still a button.
func (buttonParser) CanInterruptParagraph() bool { return true }

func (buttonParser) CanAcceptIndentedLine() bool { return false }

// buttonHTML renders buttonNode as a "bulletproof" button: a table cell with
// a background colour, so Outlook, which ignores padding on links, still
// shows a solid, clickable block.
type buttonHTML struct {
	accent string // the course's colour for buttons, #rrggbb
}

func (b buttonHTML) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(kindButton, func(w util.BufWriter, _ []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		n, ok := node.(*buttonNode)
		if !ok {
			return ast.WalkStop, fmt.Errorf("button renderer got a %T", node)
		}
		_, err := fmt.Fprintf(w, buttonTemplate, html.EscapeString(n.URL), html.EscapeString(n.Label), b.accent)
		return ast.WalkSkipChildren, err
	})
}

const buttonTemplate = `<table role="presentation" border="0" cellspacing="0" cellpadding="0" style="margin-top:28px;margin-bottom:28px;border-collapse:separate;">
<tr><td align="center" bgcolor="%[3]s" style="border-radius:6px;background-color:%[3]s;">` +
	`<a href="%[1]s" target="_blank" style="display:inline-block;padding:14px 28px;border:1px solid %[3]s` +
	`;border-radius:6px;background-color:%[3]s;color:#ffffff;font-family:` + fontStack +
	`;font-size:16px;font-weight:bold;line-height:20px;text-decoration:none;">%[2]s</a></td></tr>
</table>
`

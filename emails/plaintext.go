package emails

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/util"
)

// textWidth is where plain-text paragraphs wrap: narrow enough for any
// client, wide enough that a sentence is not chopped into fragments.
const textWidth = 72

// textRenderer writes the plain-text part from the same Markdown AST as the
// HTML part, so the two always say the same thing.
type textRenderer struct {
	src  []byte
	fill func(string) string // puts variable values in place of their tokens
}

func (t textRenderer) render(doc ast.Node) string {
	return strings.Join(t.children(doc, textWidth, true), "\n") + "\n"
}

// children renders the block children of n; loose separates them with a
// blank line, as paragraphs are.
func (t textRenderer) children(n ast.Node, width int, loose bool) []string {
	var out []string
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		lines := t.block(c, width)
		if len(lines) == 0 {
			continue
		}
		if len(out) > 0 && loose {
			out = append(out, "")
		}
		out = append(out, lines...)
	}
	return out
}

func (t textRenderer) block(node ast.Node, width int) []string {
	switch n := node.(type) {
	case *ast.Paragraph, *ast.TextBlock:
		return wrap(t.text(n), width)
	case *ast.Heading:
		lines := wrap(t.text(n), width)
		mark := "-"
		if n.Level == 1 {
			mark = "="
		}
		if len(lines) > 0 {
			lines = append(lines, strings.Repeat(mark, utf8.RuneCountInString(lines[len(lines)-1])))
		}
		return lines
	case *buttonNode:
		return []string{t.fill(n.Label) + ": " + t.fill(n.URL)}
	case *ast.Blockquote:
		return prefixLines(t.children(n, width-2, true), "> ", "> ")
	case *ast.List:
		return t.list(n, width)
	case *ast.FencedCodeBlock, *ast.CodeBlock:
		var lines []string
		segs := n.Lines()
		for i := 0; i < segs.Len(); i++ {
			seg := segs.At(i)
			lines = append(lines, "    "+strings.TrimRight(string(seg.Value(t.src)), "\n"))
		}
		return lines
	case *ast.ThematicBreak:
		return []string{"---"}
	case *ast.HTMLBlock:
		return nil // the HTML part leaves raw HTML out too
	default:
		return t.children(n, width, true)
	}
}

func (t textRenderer) list(n *ast.List, width int) []string {
	var out []string
	num := n.Start
	for item := n.FirstChild(); item != nil; item = item.NextSibling() {
		marker := "- "
		if n.IsOrdered() {
			marker = fmt.Sprintf("%d. ", num)
			num++
		}
		indent := strings.Repeat(" ", len(marker))
		lines := t.children(item, width-len(marker), !n.IsTight)
		if len(out) > 0 && !n.IsTight {
			out = append(out, "")
		}
		out = append(out, prefixLines(lines, marker, indent)...)
	}
	return out
}

// text is the inline content of n as plain text, values filled in.
func (t textRenderer) text(n ast.Node) string {
	return t.fill(t.inline(n))
}

// inline flattens inline Markdown to text: emphasis markers go, links are
// written out as "text <url>", the delimiters RFC 3986 (appendix C)
// recommends, so that no client takes the end of the sentence into the link.
func (t textRenderer) inline(n ast.Node) string {
	var b strings.Builder
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch c := c.(type) {
		case *ast.Text:
			v := c.Segment.Value(t.src)
			if !c.IsRaw() {
				v = util.ResolveEntityNames(util.ResolveNumericReferences(util.UnescapePunctuations(v)))
			}
			b.Write(v)
			if c.HardLineBreak() || c.SoftLineBreak() {
				b.WriteByte('\n') // kept, as the HTML part keeps it
			}
		case *ast.String:
			b.Write(c.Value)
		case *ast.Link:
			label, dest := t.inline(c), string(c.Destination)
			if label == "" || label == dest || "mailto:"+label == dest {
				b.WriteString(dest)
			} else {
				fmt.Fprintf(&b, "%s <%s>", label, dest)
			}
		case *ast.AutoLink:
			if t.punctuationAfter(c) {
				b.WriteString("<" + string(c.Label(t.src)) + ">")
			} else {
				b.Write(c.Label(t.src))
			}
		case *ast.Image:
			b.WriteString(t.inline(c))
		case *ast.RawHTML:
			// left out, as in the HTML part
		default:
			b.WriteString(t.inline(c))
		}
	}
	return b.String()
}

// punctuationAfter reports whether punctuation follows n directly, where a
// client might take it into n's link: such a bare URL is written "<url>".
func (t textRenderer) punctuationAfter(n ast.Node) bool {
	next, ok := n.NextSibling().(*ast.Text)
	if !ok {
		return false
	}
	v := next.Segment.Value(t.src)
	return len(v) > 0 && strings.ContainsRune(".,;:!?)]'\"", rune(v[0]))
}

// wrap breaks text into lines of at most width runes, keeping the line
// breaks already in it. A word longer than width, such as a URL, gets a line
// of its own rather than being cut.
func wrap(text string, width int) []string {
	width = max(width, 20)
	var lines []string
	for _, para := range strings.Split(text, "\n") {
		line := ""
		for _, word := range strings.Fields(para) {
			switch {
			case line == "":
				line = word
			case utf8.RuneCountInString(line)+1+utf8.RuneCountInString(word) > width:
				lines = append(lines, line)
				line = word
			default:
				line += " " + word
			}
		}
		lines = append(lines, line)
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// prefixLines puts first before the first line and rest before the others,
// leaving blank lines bare (apart from a quote marker).
func prefixLines(lines []string, first, rest string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		p := rest
		if i == 0 {
			p = first
		}
		if l == "" {
			p = strings.TrimRight(p, " ")
		}
		out[i] = p + l
	}
	return out
}

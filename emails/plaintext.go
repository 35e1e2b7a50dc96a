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

// textPart is (part of) the plain-text version of an email body, laid out
// once from the Markdown AST and finished for each email once the values of
// its variables are known: only filling them in and wrapping the paragraphs
// they change is left per email.
type textPart func(vals []string) []string

// render is the whole plain-text body with vals (see tokenize) in it.
func (p textPart) render(vals []string) string {
	return strings.Join(p(vals), "\n") + "\n"
}

// fixedText is a part no value changes.
func fixedText(lines ...string) textPart {
	return func([]string) []string { return lines }
}

// wrapped is text wrapped at width once its values are in, and at once
// when it has none.
func wrapped(text string, width int, then func([]string) []string) textPart {
	f := split(text)
	if f.static() {
		return fixedText(then(wrap(text, width))...)
	}
	return func(vals []string) []string { return then(wrap(f.fill(vals), width)) }
}

// textRenderer lays out the plain-text part from the same Markdown AST as
// the HTML part, so the two always say the same thing.
type textRenderer struct {
	src []byte
}

func (t textRenderer) render(doc ast.Node) textPart {
	return t.children(doc, textWidth, true)
}

// children lays out the block children of n; loose separates them with a
// blank line, as paragraphs are.
func (t textRenderer) children(n ast.Node, width int, loose bool) textPart {
	var parts []textPart
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		if p := t.block(c, width); p != nil {
			parts = append(parts, p)
		}
	}
	return func(vals []string) []string {
		var out []string
		for _, p := range parts {
			lines := p(vals)
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
}

func (t textRenderer) block(node ast.Node, width int) textPart {
	switch n := node.(type) {
	case *ast.Paragraph, *ast.TextBlock:
		return wrapped(t.inline(n), width, func(lines []string) []string { return lines })
	case *ast.Heading:
		mark := "-"
		if n.Level == 1 {
			mark = "="
		}
		return wrapped(t.inline(n), width, func(lines []string) []string {
			if len(lines) > 0 {
				lines = append(lines, strings.Repeat(mark, utf8.RuneCountInString(lines[len(lines)-1])))
			}
			return lines
		})
	case *buttonNode:
		label, url := split(n.Label), split(n.URL)
		return func(vals []string) []string { return []string{label.fill(vals) + ": " + url.fill(vals)} }
	case *ast.Blockquote:
		inner := t.children(n, width-2, true)
		return func(vals []string) []string { return prefixLines(inner(vals), "> ", "> ") }
	case *ast.List:
		return t.list(n, width)
	case *ast.FencedCodeBlock, *ast.CodeBlock:
		// Kept line for line, unwrapped, with its values filled in as the
		// HTML part's are.
		var lines []filled
		segs := n.Lines()
		for i := 0; i < segs.Len(); i++ {
			seg := segs.At(i)
			lines = append(lines, split("    "+strings.TrimRight(string(seg.Value(t.src)), "\n")))
		}
		return func(vals []string) []string {
			out := make([]string, len(lines))
			for i, l := range lines {
				out[i] = l.fill(vals)
			}
			return out
		}
	case *ast.ThematicBreak:
		return fixedText("---")
	case *ast.HTMLBlock:
		return nil // the HTML part leaves raw HTML out too
	default:
		return t.children(n, width, true)
	}
}

func (t textRenderer) list(n *ast.List, width int) textPart {
	type item struct {
		marker string
		body   textPart
	}
	var items []item
	num := n.Start
	for it := n.FirstChild(); it != nil; it = it.NextSibling() {
		marker := "- "
		if n.IsOrdered() {
			marker = fmt.Sprintf("%d. ", num)
			num++
		}
		items = append(items, item{marker, t.children(it, width-len(marker), !n.IsTight)})
	}
	return func(vals []string) []string {
		var out []string
		for _, it := range items {
			if len(out) > 0 && !n.IsTight {
				out = append(out, "")
			}
			out = append(out, prefixLines(it.body(vals), it.marker, strings.Repeat(" ", len(it.marker)))...)
		}
		return out
	}
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
	var line strings.Builder
	for para := range strings.SplitSeq(text, "\n") {
		line.Reset()
		n := 0 // runes in line
		for _, word := range strings.Fields(para) {
			w := utf8.RuneCountInString(word)
			switch {
			case n == 0:
			case n+1+w > width:
				lines = append(lines, line.String())
				line.Reset()
				n = 0
			default:
				line.WriteByte(' ')
				n++
			}
			line.WriteString(word)
			n += w
		}
		lines = append(lines, line.String())
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

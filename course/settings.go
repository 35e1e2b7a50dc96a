package course

import (
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/dripbook/dripbook/booking"
)

// settings is what course.yaml declares. A nil part was not written, and
// the built-in course's is used.
type settings struct {
	title      string
	accent     *string
	booking    *Booking
	checkInbox *Page
	confirmed  *Page
}

// courseKeys are the settings of course.yaml, in the order the format
// documents them.
var courseKeys = []string{"title", "accent", "booking", "check_inbox", "confirmed"}

// reservedIDs are form fields of the booking page that a question cannot
// take over.
var reservedIDs = []string{"start", "from", "tz", "lang", "idempotency_key", "token", "timezone"}

// maxQuestions keeps the booking form short enough to finish.
const maxQuestions = 20

var accentPattern = regexp.MustCompile(`^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`)

// yamlFile reads the settings of one file, reporting problems with the line
// the coach sees: offset is how many lines above the YAML the file has.
type yamlFile struct {
	ps     *problems
	file   string
	offset int
}

func (y yamlFile) add(line int, format string, args ...any) {
	y.ps.add(y.file, "line %d: %s", line+y.offset, fmt.Sprintf(format, args...))
}

// fields walks a mapping. It reports unknown and repeated keys, and calls
// set with every known one. where names the mapping in messages, such as
// " in booking"; a node that is not a mapping is reported as what.
func (y yamlFile) fields(n *yaml.Node, where, what string, keys []string, set func(key string, line int, val *yaml.Node)) {
	if n.Kind != yaml.MappingNode {
		y.add(n.Line, "%s must be settings of the form key: value", what)
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], n.Content[i+1]
		switch {
		case seen[key.Value]:
			y.add(key.Line, "%s is set twice%s", key.Value, where)
		case slices.Contains(keys, key.Value):
			seen[key.Value] = true
			set(key.Value, key.Line, val)
		default:
			msg := fmt.Sprintf("unknown setting %q%s", key.Value, where)
			if s := closest(key.Value, keys); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			y.add(key.Line, "%s; the settings are %s", msg, strings.Join(keys, ", "))
		}
	}
}

// text decodes a text setting and checks its variables against those part
// may use. It returns "" for a wrong value, which it reports.
func (y yamlFile) text(line int, key string, val *yaml.Node, part string) string {
	t := decodeScalar[string](y.ps, y.file, line+y.offset, key, val, "text")
	if t == nil {
		return ""
	}
	first := val.Line
	if val.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		first++ // a block's text starts below its | or >
	}
	checkVarsIn(y.ps, y.file, *t, first+y.offset, PageVariables(part))
	return strings.TrimSpace(*t)
}

// require reports a setting that is missing or empty.
func (y yamlFile) require(line int, value, key, where, example string) {
	if value == "" {
		y.add(line, "missing %s%s: add a line such as %s", key, where, example)
	}
}

// loadSettings reads course.yaml.
func loadSettings(ps *problems, fsys fs.FS) settings {
	const file = "course.yaml"
	var s settings
	src, err := fs.ReadFile(fsys, file)
	if errors.Is(err, fs.ErrNotExist) {
		ps.add(file, `missing: create it with one line such as title: "My course"`)
		return s
	}
	if err != nil {
		ps.add(file, "cannot be read: %v", err)
		return s
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		ps.add(file, "not valid YAML: %s", yamlMessage(err, 0))
		return s
	}
	y := yamlFile{ps: ps, file: file}
	if doc.Kind != 0 {
		root := doc.Content[0]
		if root.Kind != yaml.MappingNode {
			ps.add(file, `must hold lines of the form key: value, such as title: "My course"`)
			return s
		}
		y.fields(root, "", "course.yaml", courseKeys, func(key string, line int, val *yaml.Node) {
			switch key {
			case "title":
				if t := decodeScalar[string](ps, file, line, "title", val, "text"); t != nil {
					s.title = strings.TrimSpace(*t)
				}
			case "accent":
				a := y.text(line, key, val, "")
				if !accentPattern.MatchString(a) {
					y.add(line, `accent must be a colour written as # and six hex digits, such as accent: "#0b5394", not %q`, a)
				} else {
					s.accent = &a
				}
			case "booking":
				s.booking = y.booking(line, val)
			case "check_inbox":
				s.checkInbox = y.page(line, key, val, true)
			case "confirmed":
				s.confirmed = y.page(line, key, val, false)
			}
		})
	}
	if s.title == "" {
		ps.add(file, `missing title: add a line such as title: "My course"`)
	}
	return s
}

// page reads the copy of a short page; withNote allows its quieter note.
func (y yamlFile) page(line int, part string, n *yaml.Node, withNote bool) *Page {
	keys := []string{"heading", "text"}
	if withNote {
		keys = append(keys, "note")
	}
	var p Page
	where := " in " + part
	y.fields(n, where, part, keys, func(key string, line int, val *yaml.Node) {
		switch key {
		case "heading":
			p.Heading = y.text(line, key, val, part)
		case "text":
			p.Text = y.text(line, key, val, part)
		case "note":
			p.Note = y.text(line, key, val, part)
		}
	})
	if n.Kind == yaml.MappingNode {
		y.require(line, p.Heading, "heading", where, `heading: "Check your inbox"`)
		y.require(line, p.Text, "text", where, `text: "A paragraph of Markdown"`)
	}
	return &p
}

// booking reads the booking page's intro and intake questions.
func (y yamlFile) booking(line int, n *yaml.Node) *Booking {
	var b Booking
	y.fields(n, " in booking", "booking", []string{"heading", "intro", "questions", "button"}, func(key string, line int, val *yaml.Node) {
		switch key {
		case "heading":
			b.Heading = y.text(line, key, val, "booking")
		case "button":
			b.Button = y.text(line, key, val, "booking")
		case "intro":
			b.Intro = y.text(line, key, val, "booking")
		case "questions":
			b.Questions = y.questions(line, val)
		}
	})
	if n.Kind == yaml.MappingNode {
		y.require(line, b.Intro, "intro", " in booking", `intro: "A free {{ call_minutes }}-minute call with {{ coach_name }}."`)
	}
	if b.Heading == "" {
		b.Heading = DefaultBookingHeading
	}
	if b.Button == "" {
		b.Button = DefaultBookingButton
	}
	return &b
}

// questionKeys are the settings of one intake question.
var questionKeys = []string{"id", "label", "help", "type", "options", "required"}

// questions reads the list of intake questions.
func (y yamlFile) questions(line int, n *yaml.Node) []booking.Question {
	if n.Kind != yaml.SequenceNode {
		if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
			return nil // "questions:" with nothing: no questions
		}
		y.add(line, "questions must be a list, each question starting with - id: ...")
		return nil
	}
	if len(n.Content) > maxQuestions {
		y.add(line, "%d questions are too many for a booking form; keep it to %d", len(n.Content), maxQuestions)
	}
	var qs []booking.Question
	firstLine := map[string]int{}
	for i, qn := range n.Content {
		q, ok := y.question(i+1, qn)
		if q.ID == "" {
			continue
		}
		if prev, dup := firstLine[q.ID]; dup {
			y.add(qn.Line, "question id %q is already used on line %d; every question needs its own", q.ID, prev+y.offset)
			continue
		}
		firstLine[q.ID] = qn.Line
		if ok {
			qs = append(qs, q)
		}
	}
	return qs
}

// question reads one intake question, the nth of the list.
func (y yamlFile) question(nth int, n *yaml.Node) (booking.Question, bool) {
	q := booking.Question{Type: booking.QuestionText}
	where := fmt.Sprintf(" in question %d", nth)
	before := len(*y.ps)
	var optionsLine int
	y.fields(n, where, fmt.Sprintf("question %d", nth), questionKeys, func(key string, line int, val *yaml.Node) {
		switch key {
		case "id":
			q.ID = y.text(line, key, val, "")
			if q.ID != "" && !validID(q.ID) {
				y.add(line, "question id %q may only use lowercase letters, digits and '_', starting with a letter", q.ID)
			} else if slices.Contains(reservedIDs, q.ID) {
				y.add(line, "question id %q is taken by the booking form itself; the form already uses %s", q.ID, strings.Join(reservedIDs, ", "))
			}
		case "label":
			q.Label = y.text(line, key, val, "question")
		case "help":
			q.Help = y.text(line, key, val, "question")
		case "type":
			q.Type = y.text(line, key, val, "")
			types := []string{booking.QuestionText, booking.QuestionTextarea, booking.QuestionSelect}
			if !slices.Contains(types, q.Type) {
				y.add(line, "type %q is not a kind of question; write text (one line), textarea (a few lines) or select (one of options)", q.Type)
			}
		case "options":
			optionsLine = line
			q.Options = y.options(line, val)
		case "required":
			if r := decodeScalar[bool](y.ps, y.file, line+y.offset, key, val, "true or false"); r != nil {
				q.Required = *r
			}
		}
	})
	if n.Kind != yaml.MappingNode {
		return q, false
	}
	if q.ID == "" {
		y.add(n.Line, "missing id%s: add a line such as id: role (answers are stored by it, so never reuse or rename one)", where)
	}
	y.require(n.Line, q.Label, "label", where, `label: "Your current role"`)
	switch {
	case q.Type == booking.QuestionSelect && len(q.Options) == 0 && optionsLine == 0:
		y.add(n.Line, "question %d is a select with no options: add options: [First, Second]", nth)
	case q.Type != booking.QuestionSelect && optionsLine != 0:
		y.add(optionsLine, "options only belong to a question of type select")
	}
	return q, len(*y.ps) == before
}

// options reads a select question's choices.
func (y yamlFile) options(line int, n *yaml.Node) []string {
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		y.add(line, "options must be a list of choices, such as options: [Yes, No]")
		return nil
	}
	var out []string
	for _, o := range n.Content {
		v := y.text(o.Line, "an option", o, "question")
		switch {
		case v == "":
			y.add(o.Line, "an option is empty")
		case slices.Contains(out, v):
			y.add(o.Line, "option %q is listed twice", v)
		default:
			out = append(out, v)
		}
	}
	return out
}

func validID(s string) bool {
	for i, r := range s {
		if (r < 'a' || r > 'z') && (i == 0 || (r < '0' || r > '9') && r != '_') {
			return false
		}
	}
	return s != ""
}

package course

import (
	"errors"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// frontMatter is what a lesson file declares above its body. Pointers tell a
// missing key from a zero value.
type frontMatter struct {
	Slug           *string
	Day            *int
	Subject        *string
	Preheader      *string
	StopWhenBooked bool
	Track          *string
	// given holds every key written, even with a bad value, so a wrong
	// value is not reported a second time as a missing key.
	given map[string]bool
}

// missing tells whether key was not written at all.
func (fm frontMatter) missing(key string) bool { return !fm.given[key] }

// frontMatterKeys are the keys a lesson file may use, in the order the
// course format documents them.
func frontMatterKeys() []string {
	return []string{"slug", "day", "subject", "preheader", "stop_when_booked", "track"}
}

// splitFrontMatter separates the YAML between the two "---" lines from the
// Markdown body. bodyLine is the file line the body starts on, so problems in
// the body can name the line the coach sees in their editor.
func splitFrontMatter(src string) (front, body string, bodyLine int, err error) {
	lines := strings.SplitAfter(src, "\n")
	if len(lines) == 0 || strings.TrimSpace(lines[0]) != "---" {
		return "", "", 0, errors.New("missing front matter: the file must start with a line holding only ---, " +
			"then the subject, preheader and other settings, then another ---")
	}
	for i := 1; i < len(lines); i++ {
		if strings.TrimRight(lines[i], " \t\n") == "---" {
			front = strings.Join(lines[1:i], "")
			body = strings.Join(lines[i+1:], "")
			return front, body, i + 2, nil
		}
	}
	return "", "", 0, errors.New("front matter is never closed: add a line holding only --- after the settings")
}

// parseFrontMatter decodes the settings of file and reports every problem in
// them. ok is false when the front matter could not be read at all, so the
// caller does not pile "missing" problems on top. The YAML starts on line 2
// of the file.
func parseFrontMatter(ps *problems, file, front string) (fm frontMatter, ok bool) {
	fm.given = map[string]bool{}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(front), &doc); err != nil {
		ps.add(file, "front matter is not valid YAML: %s", yamlMessage(err, 1))
		return fm, false
	}
	if doc.Kind == 0 { // empty front matter: every required key is missing
		return fm, true
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		ps.add(file, "front matter must be lines of the form key: value")
		return fm, false
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		key, val := root.Content[i], root.Content[i+1]
		line := key.Line + 1
		if fm.given[key.Value] {
			ps.add(file, "line %d: %s is set twice", line, key.Value)
			continue
		}
		fm.given[key.Value] = true
		switch key.Value {
		case "slug":
			fm.Slug = decodeScalar[string](ps, file, line, key.Value, val, "text")
		case "day":
			fm.Day = decodeScalar[int](ps, file, line, key.Value, val, "a whole number")
		case "subject":
			fm.Subject = decodeScalar[string](ps, file, line, key.Value, val, "text")
		case "preheader":
			fm.Preheader = decodeScalar[string](ps, file, line, key.Value, val, "text")
		case "stop_when_booked":
			if b := decodeScalar[bool](ps, file, line, key.Value, val, "true or false"); b != nil {
				fm.StopWhenBooked = *b
			}
		case "track":
			fm.Track = decodeScalar[string](ps, file, line, key.Value, val, "text")
		default:
			msg := fmt.Sprintf("line %d: unknown setting %q", line, key.Value)
			if s := closest(key.Value, frontMatterKeys()); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			ps.add(file, "%s; the settings are %s", msg, strings.Join(frontMatterKeys(), ", "))
		}
	}
	return fm, true
}

// yamlMessage turns a yaml.v3 error into a message whose line number counts
// from the top of the file: the parsed text starts offset lines further down.
func yamlMessage(err error, offset int) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	var line int
	if _, scanErr := fmt.Sscanf(msg, "line %d:", &line); scanErr == nil {
		_, rest, _ := strings.Cut(msg, ":")
		return fmt.Sprintf("line %d:%s", line+offset, rest)
	}
	return msg
}

// decodeScalar decodes one setting's value, reporting a wrong type in the
// coach's terms ("day must be a whole number").
func decodeScalar[T any](ps *problems, file string, line int, key string, val *yaml.Node, want string) *T {
	var v T
	if val.Kind != yaml.ScalarNode || val.Decode(&v) != nil {
		ps.add(file, "line %d: %s must be %s, not %q", line, key, want, nodeText(val))
		return nil
	}
	return &v
}

func nodeText(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode {
		return n.Value
	}
	out, err := yaml.Marshal(n)
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(out))
}

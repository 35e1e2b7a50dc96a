package emails

import (
	"fmt"
	"slices"
	"strings"
)

// varRef is one {{ name }} or {{ name | fallback }} found in a text.
type varRef struct {
	start, end  int // byte offsets of "{{" and just past "}}"
	name        string
	fallback    string
	hasFallback bool
	malformed   string // why the reference cannot be used, if it cannot
}

// scanVars finds every variable reference in s. A hand-written scanner rather
// than a regular expression, so that a half-written "{{ first_name" is
// reported instead of silently sent to subscribers.
func scanVars(s string) []varRef {
	var refs []varRef
	pos := 0
	for {
		i := strings.Index(s[pos:], "{{")
		if i < 0 {
			return refs
		}
		start := pos + i
		j := strings.Index(s[start+2:], "}}")
		nl := strings.IndexByte(s[start+2:], '\n')
		if j < 0 || (nl >= 0 && nl < j) {
			refs = append(refs, varRef{start: start, end: start + 2,
				malformed: `"{{" is never closed with "}}"`})
			pos = start + 2
			continue
		}
		end := start + 2 + j + 2
		inner := s[start+2 : end-2]
		ref := varRef{start: start, end: end}
		name, fallback, hasFallback := strings.Cut(inner, "|")
		ref.name = strings.TrimSpace(name)
		ref.fallback = strings.TrimSpace(fallback)
		ref.hasFallback = hasFallback
		if !validVarName(ref.name) {
			ref.malformed = fmt.Sprintf("{{%s}} is not a variable: write it like {{ first_name }}", inner)
		}
		refs = append(refs, ref)
		pos = end
	}
}

func validVarName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '_' {
			return false
		}
	}
	return true
}

// courseVariables are the names a course file may use; confirm_url only
// exists while a subscriber is still unconfirmed.
func courseVariables(confirm bool) []string {
	names := []string{"first_name", "booking_url", "unsubscribe_url", "lesson_number", "lesson_total", "coach_name"}
	if confirm {
		names = append(names, "confirm_url")
	}
	return names
}

// checkVars reports malformed and unknown variables in text, which starts at
// firstLine of file.
func checkVars(ps *problems, file, text string, firstLine int, confirm bool) {
	allowed := courseVariables(confirm)
	for _, ref := range scanVars(text) {
		line := firstLine + strings.Count(text[:ref.start], "\n")
		switch {
		case ref.malformed != "":
			ps.add(file, "line %d: %s", line, ref.malformed)
		case slices.Contains(allowed, ref.name):
		case ref.name == "confirm_url":
			ps.add(file, "line %d: {{ confirm_url }} can only be used in confirm.md", line)
		default:
			msg := fmt.Sprintf("line %d: unknown variable {{ %s }}", line, ref.name)
			if s := closest(ref.name, allowed); s != "" {
				msg += fmt.Sprintf(" (did you mean {{ %s }}?)", s)
			}
			ps.add(file, "%s; the variables are %s", msg, strings.Join(allowed, ", "))
		}
	}
}

// substitute replaces every variable in s with what value returns for it.
func substitute(s string, value func(varRef) (string, error)) (string, error) {
	refs := scanVars(s)
	if len(refs) == 0 {
		return s, nil
	}
	var b strings.Builder
	last := 0
	for _, ref := range refs {
		if ref.malformed != "" {
			return "", fmt.Errorf("%s", ref.malformed)
		}
		v, err := value(ref)
		if err != nil {
			return "", err
		}
		b.WriteString(s[last:ref.start])
		b.WriteString(v)
		last = ref.end
	}
	b.WriteString(s[last:])
	return b.String(), nil
}

// values holds what each variable stands for in one email.
type values map[string]string

// resolve returns the value for ref, applying the written or the default
// fallback when the value is empty. A link with no value is an error: sending
// a button that goes nowhere is worse than not sending.
func (vs values) resolve(ref varRef) (string, error) {
	v, ok := vs[ref.name]
	if !ok {
		return "", fmt.Errorf("unknown variable {{ %s }}", ref.name)
	}
	if v != "" {
		return v, nil
	}
	if ref.hasFallback {
		return ref.fallback, nil
	}
	switch {
	case ref.name == "first_name":
		return "there", nil
	case ref.name == "coach_name":
		return "your coach", nil
	case strings.HasSuffix(ref.name, "_url"):
		return "", fmt.Errorf("{{ %s }} has no value", ref.name)
	}
	return "", nil
}

// oneLine folds whitespace and control characters so a value typed into a
// form cannot break a subject line or a header.
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return r < 0x20 || r == 0x7f || r == ' ' || r == '\u00a0' || r == '\u2028' || r == '\u2029'
	}), " ")
}

package course

import (
	"fmt"
	"slices"
	"strings"
)

// Vars are the per-subscriber values of one email; the rest of the
// variables come from the course and the site.
type Vars struct {
	FirstName      string
	BookingURL     string
	UnsubscribeURL string
	ConfirmURL     string
	ScorecardURL   string // the subscriber's gap scorecard page
	TopGaps        string // their top gaps from the scorecard; empty if not filled in
}

// VarRef is one {{ name }} or {{ name | fallback }} found in a text.
type VarRef struct {
	Name        string
	Fallback    string // what to write when the value is empty
	HasFallback bool
	start, end  int    // byte offsets of "{{" and just past "}}"
	malformed   string // why the reference cannot be used, if it cannot
}

// scanVars finds every variable reference in s. A hand-written scanner rather
// than a regular expression, so that a half-written "{{ first_name" is
// reported instead of silently sent to subscribers.
func scanVars(s string) []VarRef {
	var refs []VarRef
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
			refs = append(refs, VarRef{start: start, end: start + 2,
				malformed: `"{{" is never closed with "}}"`})
			pos = start + 2
			continue
		}
		end := start + 2 + j + 2
		inner := s[start+2 : end-2]
		ref := VarRef{start: start, end: end}
		name, fallback, hasFallback := strings.Cut(inner, "|")
		ref.Name = strings.TrimSpace(name)
		ref.Fallback = strings.TrimSpace(fallback)
		ref.HasFallback = hasFallback
		if !validVarName(ref.Name) {
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

// courseVariables are the names a course file may use. The confirmation
// goes to someone not yet on the list: it has confirm_url, and no booking
// or unsubscribe link (there is nothing to book or leave yet).
func courseVariables(confirm bool) []string {
	names := []string{"first_name", "lesson_number", "lesson_total", "coach_name"}
	if confirm {
		return append(names, "confirm_url")
	}
	return append(names, append([]string{"booking_url", "unsubscribe_url"}, scorecardVariables...)...)
}

// checkVars reports malformed and unknown variables in an email's text,
// which starts at firstLine of file.
func checkVars(ps *problems, file, text string, firstLine int, confirm bool) {
	checkVarsIn(ps, file, text, firstLine, courseVariables(confirm))
}

// checkVarsIn reports malformed variables in text and those not allowed.
func checkVarsIn(ps *problems, file, text string, firstLine int, allowed []string) {
	for _, ref := range scanVars(text) {
		line := firstLine + strings.Count(text[:ref.start], "\n")
		switch {
		case ref.malformed != "":
			ps.add(file, "line %d: %s", line, ref.malformed)
		case ref.Name == "top_gaps" && slices.Contains(allowed, ref.Name) && !ref.HasFallback:
			ps.add(file, "line %d: {{ top_gaps }} is empty for those who have not filled in the scorecard: "+
				"give it a fallback, such as {{ top_gaps | the two areas you rated lowest }}", line)
		case slices.Contains(allowed, ref.Name):
		case len(allowed) == 0:
			ps.add(file, "line %d: {{ %s }} cannot be used here: this setting takes no variables", line, ref.Name)
		case ref.Name == "confirm_url" && slices.Contains(allowed, "unsubscribe_url"): // a lesson
			ps.add(file, "line %d: {{ confirm_url }} can only be used in confirm.md", line)
		default:
			msg := fmt.Sprintf("line %d: unknown variable {{ %s }}", line, ref.Name)
			if s := closest(ref.Name, allowed); s != "" {
				msg += fmt.Sprintf(" (did you mean {{ %s }}?)", s)
			}
			ps.add(file, "%s; the variables are %s", msg, strings.Join(allowed, ", "))
		}
	}
}

// Substitute replaces every variable in s with what value returns for it.
func Substitute(s string, value func(VarRef) (string, error)) (string, error) {
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

package course

import (
	"fmt"
	"strings"
)

// Problem is one mistake found in a course, phrased for the coach who wrote
// the files rather than for a developer.
type Problem struct {
	File    string
	Message string
}

// String formats the problem as "file: message".
func (p Problem) String() string {
	if p.File == "" {
		return p.Message
	}
	return fmt.Sprintf("%s: %s", p.File, p.Message)
}

// Error lists every problem found while loading a course, so a coach
// can fix them all in one pass instead of one restart per mistake.
type Error struct {
	Problems []Problem
}

// Error joins the problems, one per line.
func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// problems collects course problems while loading.
type problems []Problem

func (ps *problems) add(file, format string, args ...any) {
	*ps = append(*ps, Problem{File: file, Message: fmt.Sprintf(format, args...)})
}

// Package scorecard is the gap scorecard of step 1 of the course: the eight
// leadership areas a subscriber rates themselves on, from 1 (rarely true) to
// 5 (consistently true), and the two they mark as their top gaps. The areas
// live here and nowhere else; the page, the lessons and the coach's brief
// all read them from this package.
package scorecard

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/dripbook/dripbook/fault"
)

// Area is one leadership area of the scorecard.
type Area struct {
	Key       string // stable: answers are stored by key
	Name      string // as lessons and the brief name it
	Statement string // what a 5 means, as the subscriber rates it
}

// areas follow step 1 of the course: what leadership asks beyond execution
// (vision, influence, scale) and what it takes to be seen as ready.
var areas = []Area{
	{"direction", "Direction", "I set direction for an area bigger than my team, and others use it to decide."},
	{"business", "Business link", "I can tie my work to company strategy and numbers."},
	{"influence", "Influence", "I change the minds of peers and leaders who don't report to me."},
	{"presence", "Executive presence", "I handle disagreement with senior leaders calmly, with evidence."},
	{"developing", "Developing others", "Other PMs get better through my coaching, reviews, or practices."},
	{"leverage", "Leverage", "I work through others instead of doing the critical work myself."},
	{"ambiguity", "Ambiguity", "I'm trusted with messy problems that have no clear owner."},
	{"visibility", "Visibility", "Leaders beyond my manager know what I achieved this year."},
}

// Scale is the range of a rating.
const (
	MinScore = 1
	MaxScore = 5
)

// TopCount is how many areas a subscriber marks as their top gaps.
const TopCount = 2

// Areas returns the eight areas in the order they are asked.
func Areas() []Area { return slices.Clone(areas) }

// Lookup finds an area by key.
func Lookup(key string) (Area, bool) {
	i := slices.IndexFunc(areas, func(a Area) bool { return a.Key == key })
	if i < 0 {
		return Area{}, false
	}
	return areas[i], true
}

// Answers is one subscriber's scorecard: a score for every area, by key,
// and the keys of their top gaps, most important first.
type Answers struct {
	Scores map[string]int `json:"scores"`
	Top    []string       `json:"top"`
}

// ErrIncomplete is an answer that cannot be stored; its message says what
// to fix, in the subscriber's words.
var ErrIncomplete = fault.New(fault.Invalid, "scorecard_incomplete", "the scorecard is not complete")

// Problem is one reason an Answers cannot be stored.
type Problem struct {
	Field   string // the area key, or "top"
	Message string
}

// Check reports every problem with a: an area left unrated or rated outside
// the scale, an unknown area, and top gaps that are not exactly TopCount
// different areas.
func (a Answers) Check() []Problem {
	var ps []Problem
	for _, ar := range areas {
		s, ok := a.Scores[ar.Key]
		switch {
		case !ok:
			ps = append(ps, Problem{ar.Key, fmt.Sprintf("Rate %s from %d to %d.", ar.Name, MinScore, MaxScore)})
		case s < MinScore || s > MaxScore:
			ps = append(ps, Problem{ar.Key, fmt.Sprintf("Rate %s from %d to %d, not %d.", ar.Name, MinScore, MaxScore, s)})
		}
	}
	for k := range a.Scores {
		if _, ok := Lookup(k); !ok {
			ps = append(ps, Problem{k, fmt.Sprintf("%q is not an area of the scorecard.", k)})
		}
	}
	seen := map[string]bool{}
	for _, k := range a.Top {
		if _, ok := Lookup(k); !ok || seen[k] {
			ps = append(ps, Problem{"top", fmt.Sprintf("Mark %d different areas as your top gaps.", TopCount)})
			return ps
		}
		seen[k] = true
	}
	if len(a.Top) != TopCount {
		ps = append(ps, Problem{"top", fmt.Sprintf("Mark %d areas as your top gaps, not %d.", TopCount, len(a.Top))})
	}
	return ps
}

// Validate returns ErrIncomplete with every problem when a cannot be stored.
func (a Answers) Validate() error {
	ps := a.Check()
	if len(ps) == 0 {
		return nil
	}
	msgs := make([]string, len(ps))
	for i, p := range ps {
		msgs[i] = p.Message
	}
	return fmt.Errorf("%w: %s", ErrIncomplete, strings.Join(msgs, " "))
}

// Encode is the stored form of a.
func (a Answers) Encode() (string, error) {
	if err := a.Validate(); err != nil {
		return "", err
	}
	b, err := json.Marshal(a)
	if err != nil {
		return "", fmt.Errorf("encode scorecard: %w", err)
	}
	return string(b), nil
}

// Decode reads the stored form; an empty string is no answers.
func Decode(s string) (Answers, error) {
	var a Answers
	if s == "" {
		return a, nil
	}
	if err := json.Unmarshal([]byte(s), &a); err != nil {
		return Answers{}, fmt.Errorf("decode scorecard: %w", err)
	}
	return a, nil
}

// Filled reports whether a holds a complete scorecard.
func (a Answers) Filled() bool { return len(a.Scores) > 0 && len(a.Check()) == 0 }

// TopNames are the names of the top gaps, most important first.
func (a Answers) TopNames() []string {
	names := make([]string, 0, len(a.Top))
	for _, k := range a.Top {
		if ar, ok := Lookup(k); ok {
			names = append(names, ar.Name)
		}
	}
	return names
}

// TopGaps is the top gaps as a lesson writes them: "Influence and
// Visibility"; empty for a scorecard not filled in, so that the lesson's
// fallback is used.
func (a Answers) TopGaps() string {
	if !a.Filled() {
		return ""
	}
	return strings.Join(a.TopNames(), " and ")
}

// Rating is one area with its score.
type Rating struct {
	Area
	Score int
	Top   bool // marked as a top gap
}

// Ratings are every area with its score, in the order they are asked.
func (a Answers) Ratings() []Rating {
	out := make([]Rating, 0, len(areas))
	for _, ar := range areas {
		out = append(out, Rating{Area: ar, Score: a.Scores[ar.Key], Top: slices.Contains(a.Top, ar.Key)})
	}
	return out
}

// ErrClosed means the scorecard can no longer be changed: the subscriber's
// call has started, and the coach has prepared from their answers.
var ErrClosed = fault.New(fault.Conflict, "scorecard_closed", "the scorecard is closed: your call has started")

package booking

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/dripbook/dripbook/fault"
)

// The kinds of intake question.
const (
	QuestionText     = "text"     // one line
	QuestionTextarea = "textarea" // a few lines
	QuestionSelect   = "select"   // one of Options
)

// AnswerLimit is the longest answer accepted for one intake question.
const AnswerLimit = 2000

// Question is one intake question of the booking form, as the course folder
// declares it.
type Question struct {
	// ID names the answer for good: answers are stored by it.
	ID       string
	Label    string
	Help     string // a line below the label; may be empty
	Type     string // QuestionText, QuestionTextarea or QuestionSelect
	Options  []string
	Required bool
}

// Answers are the intake answers by question id.
type Answers map[string]string

// SchedulerAnswers are the answers to a scheduler's own booking form, by
// its question's label, trimmed and bounded like the answers to ours: at
// most AnswerLimit characters each and maxSchedulerAnswers in all, first
// come first kept; control characters are dropped.
func SchedulerAnswers(pairs [][2]string) Answers {
	out := Answers{}
	for _, p := range pairs {
		label, answer := schedulerText(p[0], 200), schedulerText(p[1], AnswerLimit)
		if label == "" || answer == "" || out[label] != "" {
			continue
		}
		if len(out) == maxSchedulerAnswers {
			break
		}
		out[label] = answer
	}
	return out
}

// maxSchedulerAnswers bounds the answers kept from a scheduler's form.
const maxSchedulerAnswers = 20

func schedulerText(s string, limit int) string {
	s = strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && r != '\n' {
			return -1
		}
		return r
	}, s))
	if r := []rune(s); len(r) > limit {
		s = string(r[:limit])
	}
	return s
}

// QA is one intake question and its answer.
type QA struct{ Question, Answer string }

// clean trims the answers and drops the empty ones, so a form sent with
// blank fields stores nothing for them.
func (a Answers) clean() Answers {
	out := Answers{}
	for id, v := range a {
		if v = strings.TrimSpace(v); v != "" {
			out[id] = v
		}
	}
	return out
}

// validate checks answers against the questions: every answer belongs to a
// question, required ones are there, choices are among the options.
func (a Answers) validate(questions []Question) error {
	for _, q := range questions {
		v := a[q.ID]
		bad := func(msg string) error {
			return &fault.FieldError{Field: "answers." + q.ID, Message: strings.TrimRight(q.Label, "?: ") + ": " + msg}
		}
		switch {
		case v == "" && q.Required:
			return bad("please answer this question")
		case utf8.RuneCountInString(v) > AnswerLimit:
			return bad(fmt.Sprintf("at most %d characters", AnswerLimit))
		case strings.ContainsFunc(v, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }):
			return bad("contains control characters")
		case v != "" && q.Type == QuestionSelect && !slices.Contains(q.Options, v):
			return bad("choose one of the options")
		}
	}
	for _, id := range sortedIDs(a) {
		if !slices.ContainsFunc(questions, func(q Question) bool { return q.ID == id }) {
			return &fault.FieldError{Field: "answers." + id, Message: fmt.Sprintf("%q: there is no such question", id)}
		}
	}
	return nil
}

// Labelled pairs answers with their questions' labels in the questions'
// order. Answers to questions the course no longer asks follow, labelled by
// their id, so nothing a subscriber wrote is lost from the brief.
func Labelled(questions []Question, a Answers) []QA {
	out := make([]QA, 0, len(questions))
	known := map[string]bool{}
	for _, q := range questions {
		known[q.ID] = true
		out = append(out, QA{Question: q.Label, Answer: a[q.ID]})
	}
	for _, id := range sortedIDs(a) {
		if !known[id] && a[id] != "" {
			out = append(out, QA{Question: id, Answer: a[id]})
		}
	}
	return out
}

func sortedIDs(a Answers) []string {
	ids := make([]string, 0, len(a))
	for id := range a {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

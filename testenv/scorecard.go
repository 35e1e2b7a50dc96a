package testenv

import (
	"strings"

	"github.com/dripbook/dripbook/scorecard"
)

// Scorecard is a filled-in gap scorecard whose top gaps are Influence
// (rated 2) and Visibility (rated 1).
func Scorecard() scorecard.Answers {
	return scorecard.Answers{
		Scores: map[string]int{"direction": 4, "business": 3, "influence": 2, "presence": 4,
			"developing": 5, "leverage": 3, "ambiguity": 4, "visibility": 1},
		Top: []string{"influence", "visibility"},
	}
}

// Flat joins the wrapped lines of an email's text part, so a sentence can
// be looked for wherever the wrap fell.
func Flat(s string) string { return strings.Join(strings.Fields(s), " ") }

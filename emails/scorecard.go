package emails

import (
	"fmt"
	"strings"

	"github.com/dripbook/dripbook/scorecard"
)

// scorecard writes the subscriber's gap scorecard into the coach's brief:
// their top gaps, then every area with its score in the order asked.
func (m *mdBody) scorecard(a scorecard.Answers) {
	m.para("## Their gap scorecard")
	if !a.Filled() {
		m.para("They have not filled in the scorecard.")
		return
	}
	m.para(field("Top gaps", mdLine(strings.Join(a.TopNames(), ", "))))
	var lines []string
	for _, r := range a.Ratings() {
		line := fmt.Sprintf("- %s: %d of %d", mdLine(r.Name), r.Score, scorecard.MaxScore)
		if r.Top {
			line += " (top gap)"
		}
		lines = append(lines, line)
	}
	m.para(lines...)
}

package course

import "slices"

// scorecardVariables are the lesson variables that come from the
// subscriber's gap scorecard: the link to it, and the two areas they marked
// as their top gaps (empty until they fill it in, so every use needs a
// fallback).
var scorecardVariables = []string{"scorecard_url", "top_gaps"}

// Uses reports whether the lesson's subject, preheader or body refers to the
// variable name, so that a sender loads only what the lesson shows.
func (l Lesson) Uses(name string) bool {
	for _, text := range []string{l.Subject, l.Preheader, l.Body} {
		if slices.ContainsFunc(scanVars(text), func(r VarRef) bool { return r.Name == name }) {
			return true
		}
	}
	return false
}

package token

// Scorecard is the purpose of a subscriber's personal gap scorecard link.
const Scorecard = "scorecard"

// ScorecardMaxAge is how long a scorecard link works: like a booking link,
// the whole course and a while after.
const ScorecardMaxAge = BookMaxAge

// Scorecard is the subscriber's personal gap scorecard page.
func (l *Links) Scorecard(subscriberID int64) string {
	return l.base + "/scorecard/" + l.signer.Sign(Scorecard, subscriberID, l.now())
}

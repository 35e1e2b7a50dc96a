package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Rate is at most N events per Per, for one key. The zero Rate is no limit.
type Rate struct {
	N   int
	Per time.Duration
}

// Off reports whether the rate limits nothing.
func (r Rate) Off() bool { return r.N == 0 }

// String writes the rate as it is configured: N/DURATION, or 0.
func (r Rate) String() string {
	if r.Off() {
		return "0"
	}
	return strconv.Itoa(r.N) + "/" + r.Per.String()
}

// Limits are the abuse limits. The rates are kept in Redis, so they hold
// across every api process; the changes to calls are counted in the
// database, beside the bookings they count.
type Limits struct {
	SignupPerIP      Rate // SIGNUP_LIMIT_PER_IP
	SignupPerMailbox Rate // SIGNUP_LIMIT_PER_MAILBOX
	SignupTotal      Rate // SIGNUP_LIMIT_TOTAL
	BookingPerIP     Rate // BOOKING_LIMIT_PER_IP
	// BookingChangesPerDay is how many bookings, moves and cancellations
	// one subscriber may make in 24 hours (BOOKING_CHANGES_PER_DAY); 0 is
	// no limit.
	BookingChangesPerDay int
}

// The defaults. An office or a campus shares one address, so the per-IP
// signup limit leaves room for a few dozen colleagues; the total is a
// ceiling far above an ordinary day that still stops a flood from many
// addresses burning the sender's reputation.
const (
	DefaultSignupPerIP          = "20/1h"
	DefaultSignupPerMailbox     = "5/1h"
	DefaultSignupTotal          = "1000/1h"
	DefaultBookingPerIP         = "30/1h"
	DefaultBookingChangesPerDay = 5
)

// maxRateN keeps a typo from wrapping Redis's arithmetic; a limit this high
// is no limit anyway.
const maxRateN = 1_000_000

func (p *parser) limits() Limits {
	return Limits{
		SignupPerIP:          p.rate("SIGNUP_LIMIT_PER_IP", DefaultSignupPerIP),
		SignupPerMailbox:     p.rate("SIGNUP_LIMIT_PER_MAILBOX", DefaultSignupPerMailbox),
		SignupTotal:          p.rate("SIGNUP_LIMIT_TOTAL", DefaultSignupTotal),
		BookingPerIP:         p.rate("BOOKING_LIMIT_PER_IP", DefaultBookingPerIP),
		BookingChangesPerDay: p.intRange("BOOKING_CHANGES_PER_DAY", DefaultBookingChangesPerDay, 0, 1000),
	}
}

// rate reads N/DURATION, such as 20/1h; "0" turns the limit off and empty
// means def.
func (p *parser) rate(name, def string) Rate {
	v := p.str(name, def)
	r, err := ParseRate(v)
	if err != nil {
		p.fail(name, "%v", err)
		r, _ = ParseRate(def)
	}
	return r
}

// ParseRate reads N/DURATION, such as 20/1h or 3/24h, with N at least 1 and
// DURATION at least a second; "0" is the zero Rate, no limit.
func ParseRate(v string) (Rate, error) {
	v = strings.TrimSpace(v)
	if v == "0" {
		return Rate{}, nil
	}
	n, per, ok := strings.Cut(v, "/")
	if !ok {
		return Rate{}, fmt.Errorf("must be N/DURATION such as 20/1h, or 0 for no limit, got %q", v)
	}
	count, err := strconv.Atoi(strings.TrimSpace(n))
	if err != nil || count < 1 || count > maxRateN {
		return Rate{}, fmt.Errorf("the count in N/DURATION must be a whole number from 1 to %d (0 alone turns the limit off), got %q", maxRateN, v)
	}
	d, err := time.ParseDuration(strings.TrimSpace(per))
	if err != nil || d < time.Second {
		return Rate{}, fmt.Errorf("the period in N/DURATION must be a duration of at least 1s such as 10m or 24h, got %q", v)
	}
	return Rate{N: count, Per: d}, nil
}

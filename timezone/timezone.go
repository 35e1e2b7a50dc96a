// Package timezone loads the IANA time zones that visitors, subscribers and
// the coach name, under one rule for every caller.
package timezone

import (
	"errors"
	"fmt"
	"time"
)

// MaxLen is the longest zone name accepted; the longest IANA name is about
// 30 characters.
const MaxLen = 64

// ErrUnknown means a name is not an IANA zone this machine knows.
var ErrUnknown = errors.New("unknown IANA time zone")

// Load returns the zone named. "Local" names the server's own zone, which
// means nothing to a visitor or an operator, so it is refused like the empty
// name and any unknown one.
func Load(name string) (*time.Location, error) {
	if name == "" || name == "Local" || len(name) > MaxLen {
		return nil, fmt.Errorf("%w %q", ErrUnknown, name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("%w %q", ErrUnknown, name)
	}
	return loc, nil
}

// Valid reports whether Load accepts name.
func Valid(name string) bool {
	_, err := Load(name)
	return err == nil
}

// First returns the first zone of names that Load accepts, or fallback (UTC
// when fallback is nil).
func First(fallback *time.Location, names ...string) *time.Location {
	for _, n := range names {
		if loc, err := Load(n); err == nil {
			return loc
		}
	}
	if fallback == nil {
		return time.UTC
	}
	return fallback
}

package message

import (
	"errors"
	"fmt"
	"time"
)

// PausedError is a send that was not tried because the relay has been
// failing for many recipients at once and sending is paused until Until.
// Nothing is wrong with the message or its recipient: try it again then,
// without counting it as a failed attempt.
type PausedError struct {
	Until time.Time
}

func (e *PausedError) Error() string {
	return fmt.Sprintf("sending paused until %s: the relay is failing for many recipients", e.Until.UTC().Format(time.RFC3339))
}

// PausedUntil reports whether err is, or wraps, a PausedError, and until when.
func PausedUntil(err error) (time.Time, bool) {
	var pe *PausedError
	if errors.As(err, &pe) {
		return pe.Until, true
	}
	return time.Time{}, false
}

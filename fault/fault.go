// Package fault gives domain errors a kind, such as invalid, not found or
// conflict, so that whoever reports an error can answer by its kind, even
// one it has never seen.
package fault

import (
	"errors"
	"fmt"
	"time"
)

// Kind is what sort of error an error is: whose fault it is and what the
// caller can do about it. The zero Kind is Internal.
type Kind int

// The kinds. Anything without a kind is Internal: a failure of ours, not of
// what the caller asked.
const (
	// Internal is a failure of ours; its details are for the log.
	Internal Kind = iota
	// Invalid is input that is malformed or out of bounds.
	Invalid
	// NotFound is a thing that does not exist.
	NotFound
	// Conflict is a request that clashes with the current state, such as a
	// slot someone else holds.
	Conflict
	// Gone is a thing that existed and no longer does, such as an expired
	// link.
	Gone
	// Forbidden is a request the caller may not make.
	Forbidden
	// Unprocessable is well-formed input that cannot be acted on, such as a
	// time that is not on offer.
	Unprocessable
	// TooMany is a request over a limit, such as too many signups from one
	// address; the same request may work later.
	TooMany
)

var kindNames = [...]string{
	Internal:      "internal",
	Invalid:       "invalid",
	NotFound:      "not_found",
	Conflict:      "conflict",
	Gone:          "gone",
	Forbidden:     "forbidden",
	Unprocessable: "unprocessable",
	TooMany:       "too_many",
}

// String names the kind in snake_case, as logs and codes spell it.
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return fmt.Sprintf("kind(%d)", int(k))
	}
	return kindNames[k]
}

// Error is a domain error of a known kind. Declared once as a package
// variable, it is a sentinel that errors.Is finds through any wrapping.
type Error struct {
	Kind Kind
	// Code is a stable name for clients to handle, where one helps; empty
	// otherwise.
	Code string
	// Message says what went wrong; it is the error's text.
	Message string
}

// Error returns the message.
func (e *Error) Error() string { return e.Message }

func (e *Error) kind() Kind { return e.Kind }

// New returns an error of kind with an optional stable code and a message.
func New(kind Kind, code, message string) error {
	return &Error{Kind: kind, Code: code, Message: message}
}

// FieldError is invalid input in one named field; its kind is Invalid.
// Message says what is wrong with the value, for the person who typed it.
type FieldError struct {
	Field   string
	Message string
}

// Error names the field and the problem.
func (e *FieldError) Error() string { return fmt.Sprintf("invalid %s: %s", e.Field, e.Message) }

func (e *FieldError) kind() Kind { return Invalid }

// kinded is an error that knows its kind.
type kinded interface {
	error
	kind() Kind
}

// KindOf returns the kind of the first error in err's chain that has one,
// or Internal if none has (nil included).
func KindOf(err error) Kind {
	var k kinded
	if errors.As(err, &k) {
		return k.kind()
	}
	return Internal
}

// CodeOf returns the code of the first *Error in err's chain, or "".
func CodeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// waitError is an error with how long to wait before asking again.
type waitError struct {
	err   error
	after time.Duration
}

func (e *waitError) Error() string { return e.err.Error() }
func (e *waitError) Unwrap() error { return e.err }

// RetryAfter wraps err with how long the caller should wait before trying
// again, for an error of kind TooMany. A nil err stays nil.
func RetryAfter(err error, after time.Duration) error {
	if err == nil {
		return nil
	}
	return &waitError{err: err, after: after}
}

// RetryAfterOf returns the wait the first RetryAfter in err's chain carries.
func RetryAfterOf(err error) (time.Duration, bool) {
	var w *waitError
	if errors.As(err, &w) {
		return w.after, true
	}
	return 0, false
}

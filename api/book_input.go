package api

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/dripbook/dripbook/booking"
	"github.com/dripbook/dripbook/fault"
)

// maxIdempotencyKey bounds the Idempotency-Key header and form field.
const maxIdempotencyKey = 200

// answersInput are the intake answers as a client sends them, by question
// id.
type answersInput map[string]string

func (a answersInput) domain() booking.Answers { return booking.Answers(a) }

// bookingRequest is the JSON body of POST /api/v1/bookings. The token is the
// subscriber's personal booking link's; it says who is booking.
type bookingRequest struct {
	Token    string       `json:"token"`
	Start    string       `json:"start"`
	Answers  answersInput `json:"answers"`
	From     string       `json:"from"`     // optional: slug of the lesson whose link led here
	Timezone string       `json:"timezone"` // optional: the zone the times were shown in
}

// cancelRequest is the JSON body of a cancellation: the manage link's token.
type cancelRequest struct {
	Token string `json:"token"`
}

// rescheduleRequest is the JSON body of a move to another slot.
type rescheduleRequest struct {
	Token string `json:"token"`
	Start string `json:"start"`
}

// parseStart reads a slot's start as RFC 3339, the way slots are listed.
func parseStart(v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, &fault.FieldError{Field: "start", Message: "Choose a time for your call."}
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, &fault.FieldError{Field: "start", Message: "That time could not be read; send a slot's start as RFC 3339, e.g. 2026-11-02T09:30:00Z."}
	}
	return t.UTC(), nil
}

// idempotencyKey checks a client's key and scopes it to the subscriber, so
// that two people who happen to send the same key never share a booking.
// No key is no key.
func idempotencyKey(subscriberID int64, key string) (string, error) {
	if key == "" {
		return "", nil
	}
	if !utf8.ValidString(key) || utf8.RuneCountInString(key) > maxIdempotencyKey || strings.ContainsFunc(key, unicode.IsControl) {
		return "", &fault.FieldError{Field: "idempotency_key",
			Message: "The idempotency key (the Idempotency-Key header) must be at most 200 printable UTF-8 characters."}
	}
	scoped := strconv.FormatInt(subscriberID, 10) + ":" + key
	if len(scoped) > maxIdempotencyKey {
		// Too long for the column with its scope: kept by its digest.
		sum := sha256.Sum256([]byte(key))
		scoped = strconv.FormatInt(subscriberID, 10) + ":#sha256:" + hex.EncodeToString(sum[:])
	}
	return scoped, nil
}

// newFormKey is the idempotency key of one rendering of the booking form:
// a double-clicked submit sends it twice and books once.
func newFormKey() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// parseID reads a booking id from the path.
func parseID(v string) (int64, bool) {
	id, err := strconv.ParseInt(v, 10, 64)
	return id, err == nil && id > 0
}

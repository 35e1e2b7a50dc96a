// Package token signs and verifies the purpose-bound links dripbook puts in
// emails: confirm, unsubscribe, book, manage.
package token

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/dripbook/dripbook/fault"
)

// Purposes a token can be signed for. A token signed for one is never valid
// for another.
const (
	Confirm     = "confirm"
	Unsubscribe = "unsubscribe"
	Book        = "book"
	Manage      = "manage"     // see a booking and download its invite
	Cancel      = "cancel"     // cancel a booking
	Reschedule  = "reschedule" // move a booking
	// SchedulerRef names a subscriber to an external scheduler, which
	// returns it in its webhooks; it opens nothing.
	SchedulerRef = "scheduler_ref"
)

// ConfirmMaxAge is how long a confirmation link works.
const ConfirmMaxAge = 7 * 24 * time.Hour

// BookMaxAge is how long a personal booking link works: long enough for the
// whole course and a while after.
const BookMaxAge = 90 * 24 * time.Hour

var (
	// ErrInvalid means the token is malformed, forged, or for another purpose.
	ErrInvalid = fault.New(fault.Invalid, "", "invalid link")
	// ErrExpired means the token was genuine but is too old.
	ErrExpired = fault.New(fault.Gone, "link_expired", "expired link")
)

// Signer makes and checks tokens with an HMAC-SHA256 key.
type Signer struct {
	key []byte
}

// NewSigner returns a Signer for key.
func NewSigner(key []byte) *Signer {
	return &Signer{key: key}
}

// Sign returns a URL-safe token binding purpose, id and the time it was issued.
func (s *Signer) Sign(purpose string, id int64, issued time.Time) string {
	body := strconv.FormatInt(id, 36) + "." + strconv.FormatInt(issued.Unix(), 36)
	return body + "." + s.mac(purpose, body)
}

// Verify checks tok for purpose and returns the id it carries. maxAge of zero
// means the token never expires.
func (s *Signer) Verify(tok, purpose string, maxAge time.Duration, now time.Time) (int64, error) {
	idPart, rest, ok := strings.Cut(tok, ".")
	if !ok {
		return 0, ErrInvalid
	}
	issuedPart, sig, ok := strings.Cut(rest, ".")
	if !ok {
		return 0, ErrInvalid
	}
	body := idPart + "." + issuedPart
	if !hmac.Equal([]byte(sig), []byte(s.mac(purpose, body))) {
		return 0, ErrInvalid
	}
	id, err := strconv.ParseInt(idPart, 36, 64)
	if err != nil {
		return 0, ErrInvalid
	}
	issued, err := strconv.ParseInt(issuedPart, 36, 64)
	if err != nil {
		return 0, ErrInvalid
	}
	if maxAge > 0 && now.Sub(time.Unix(issued, 0)) > maxAge {
		return 0, ErrExpired
	}
	return id, nil
}

func (s *Signer) mac(purpose, body string) string {
	h := hmac.New(sha256.New, s.key)
	h.Write([]byte(purpose))
	h.Write([]byte{0})
	h.Write([]byte(body))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:18])
}

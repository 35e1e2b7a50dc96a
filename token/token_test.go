package token

import (
	"errors"
	"testing"
	"time"
)

func TestVerify(t *testing.T) {
	s := NewSigner([]byte("0123456789abcdef0123"))
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	good := s.Sign(Confirm, 42, now)

	tests := []struct {
		name    string
		tok     string
		purpose string
		maxAge  time.Duration
		at      time.Time
		want    error
	}{
		{"valid", good, Confirm, ConfirmMaxAge, now.Add(time.Hour), nil},
		{"expired", good, Confirm, ConfirmMaxAge, now.Add(ConfirmMaxAge + time.Second), ErrExpired},
		{"other purpose", good, Unsubscribe, 0, now, ErrInvalid},
		{"other key", NewSigner([]byte("another key of 16+ chars")).Sign(Confirm, 42, now), Confirm, 0, now, ErrInvalid},
		{"tampered id", "1a" + good[len("16"):], Confirm, 0, now, ErrInvalid},
		{"garbage", "not-a-token", Confirm, 0, now, ErrInvalid},
		{"empty", "", Confirm, 0, now, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := s.Verify(tt.tok, tt.purpose, tt.maxAge, tt.at)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify() error = %v, want %v", err, tt.want)
			}
			if tt.want == nil && id != 42 {
				t.Fatalf("Verify() id = %d, want 42", id)
			}
		})
	}
}

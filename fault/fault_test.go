package fault_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/fault"
)

func TestKindOf(t *testing.T) {
	taken := fault.New(fault.Conflict, "slot_taken", "slot already taken")
	tests := []struct {
		name string
		err  error
		want fault.Kind
	}{
		{"nil", nil, fault.Internal},
		{"plain", errors.New("disk full"), fault.Internal},
		{"sentinel", taken, fault.Conflict},
		{"wrapped", fmt.Errorf("book: %w", taken), fault.Conflict},
		{"field", &fault.FieldError{Field: "email", Message: "Enter your email address."}, fault.Invalid},
		{"wrapped field", fmt.Errorf("signup: %w", &fault.FieldError{Field: "email"}), fault.Invalid},
		{"first kind in the chain wins", fmt.Errorf("%w: %w",
			fault.New(fault.Gone, "", "expired"), fault.New(fault.NotFound, "", "not found")), fault.Gone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, fault.KindOf(tt.err))
		})
	}
}

func TestErrorIsItsMessage(t *testing.T) {
	taken := fault.New(fault.Conflict, "slot_taken", "slot already taken")
	wrapped := fmt.Errorf("book: %w", taken)
	require.EqualError(t, taken, "slot already taken")
	require.ErrorIs(t, wrapped, taken)
	require.NotErrorIs(t, wrapped, fault.New(fault.Conflict, "slot_taken", "slot already taken"),
		"a sentinel is itself, not any error alike")
	require.Equal(t, "slot_taken", fault.CodeOf(wrapped))
	require.Empty(t, fault.CodeOf(errors.New("disk full")))
	require.Equal(t, "not_found", fault.NotFound.String())
}

package api

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/fault"
	"github.com/dripbook/dripbook/models"
)

func TestClassifyTakesTheStatusFromTheKind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		err    error
		status int
		code   string
	}{
		{"conflict without words of its own", fault.New(fault.Conflict, "", "a clash nobody wrote copy for"), http.StatusConflict, ""},
		{"wrapped, with a code", fmt.Errorf("move: %w", fault.New(fault.Gone, "call_over", "the call is over")), http.StatusGone, "call_over"},
		{"a reused key", models.ErrKeyReused, http.StatusConflict, ""},
		{"a known error, wrapped", fmt.Errorf("book: %w", models.ErrSlotTaken), http.StatusConflict, "slot_taken"},
		{"a field", fmt.Errorf("signup: %w", &fault.FieldError{Field: "email", Message: "Enter your email address."}), http.StatusBadRequest, ""},
		{"no kind", errors.New("database is on fire"), http.StatusInternalServerError, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := classify(tt.err)
			require.Equal(t, tt.status, p.Status)
			require.Equal(t, tt.code, p.Code)
			require.NotEmpty(t, p.Title)
			require.NotEmpty(t, p.Message)
		})
	}

	t.Run("general words for a kind", func(t *testing.T) {
		p := classify(fault.New(fault.Conflict, "", "a clash nobody wrote copy for"))
		require.Equal(t, byKind[fault.Conflict].Message, p.Message)
		require.NotContains(t, p.api().Message, "nobody wrote copy")
	})

	t.Run("every kind has a status", func(t *testing.T) {
		// String names every kind the package declares; past the last one
		// it falls back to kind(N).
		for k := fault.Internal + 1; !strings.HasPrefix(k.String(), "kind("); k++ {
			require.Contains(t, byKind, k, "kind %s has no status", k)
			require.Less(t, byKind[k].Status, http.StatusInternalServerError, k.String())
		}
	})
}

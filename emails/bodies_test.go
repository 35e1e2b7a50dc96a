package emails

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSplitFillsEachTokenWithItsValue(t *testing.T) {
	t.Parallel()
	vals := []string{"Sam", "https://example.com/book/x?a=1&amp;b=2"}
	tests := []struct{ name, in, want string }{
		{"no token", "plain text", "plain text"},
		{"both kinds", "Hi " + token(0, false) + ", book at " + token(1, true) + ".", "Hi Sam, book at https://example.com/book/x?a=1&amp;b=2."},
		{"twice and adjacent", token(0, false) + token(0, false), "SamSam"},
		{"a token with no value stays as written", "see " + token(7, true) + " and " + token(9, false), "see " + token(7, true) + " and " + token(9, false)},
		{"digits no int holds", "DBVAR99999999999999999999Z", "DBVAR99999999999999999999Z"},
		{"look-alikes", "DBVARZ DBVAR1 https://dripbook.invalid/vz", "DBVARZ DBVAR1 https://dripbook.invalid/vz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := split(tt.in)
			require.Equal(t, tt.want, f.fill(vals))
			require.Equal(t, tt.in, f.fill(nil), "without values, the text as written")
		})
	}
	require.True(t, split("plain").static())
	require.False(t, split(token(0, false)).static())
}

package address_test

import (
	"strings"
	"testing"

	"github.com/dripbook/dripbook/address"
)

func TestNormalise(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want string }{
		{"ann@example.com", "ann@example.com"},
		{"  Ann@Example.COM ", "ann@example.com"},
		{"ann@bücher.example", "ann@xn--bcher-kva.example"},
		{"ann@xn--bcher-kva.example", "ann@xn--bcher-kva.example"},
		{"ann+list@example.com", "ann+list@example.com"},
	} {
		got, err := address.Normalise(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("Normalise(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{
		"", "ann", "ann@", "@example.com", "Ann <ann@example.com>", "ann@[192.0.2.1]", "ann@localhost",
		"ann@example..com", "ann@" + strings.Repeat("a", 64) + ".com", strings.Repeat("a", 250) + "@example.com",
	} {
		if got, err := address.Normalise(bad); err == nil {
			t.Errorf("Normalise(%q) = %q, want an error", bad, got)
		}
	}
}

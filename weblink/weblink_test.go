package weblink

import (
	"errors"
	"testing"
)

func TestAbsolute(t *testing.T) {
	t.Parallel()
	for raw, ok := range map[string]bool{
		"https://coach.example/book/x": true,
		"http://localhost:8080":        true,
		"/book/x":                      false,
		"mailto:coach@example.com":     false,
		"javascript:alert(1)":          false,
		"https://":                     false,
		"ftp://example.com/":           false,
		"http://[::1":                  false,
	} {
		u, err := Absolute(raw)
		if ok != (err == nil) {
			t.Errorf("Absolute(%q) = %v, %v; want ok=%v", raw, u, err, ok)
		}
		if !ok && !errors.Is(err, ErrNotAbsolute) {
			t.Errorf("Absolute(%q) error %v is not ErrNotAbsolute", raw, err)
		}
	}
}

package timezone

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestLoad(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"", "Local", "Mars/Olympus", strings.Repeat("x", MaxLen+1), "../../etc/passwd"} {
		if _, err := Load(name); !errors.Is(err, ErrUnknown) {
			t.Errorf("Load(%q) = %v, want ErrUnknown", name, err)
		}
	}
	loc, err := Load("Europe/Berlin")
	if err != nil || loc.String() != "Europe/Berlin" {
		t.Fatalf("Load(Europe/Berlin) = %v, %v", loc, err)
	}
}

func TestFirst(t *testing.T) {
	t.Parallel()
	ny, _ := time.LoadLocation("America/New_York")
	if got := First(ny, "Local", "", "Asia/Tokyo", "Europe/Paris"); got.String() != "Asia/Tokyo" {
		t.Errorf("First = %v, want the first valid name", got)
	}
	if got := First(ny, "nowhere"); got != ny {
		t.Errorf("First = %v, want the fallback", got)
	}
	if got := First(nil); got != time.UTC {
		t.Errorf("First(nil) = %v, want UTC", got)
	}
}

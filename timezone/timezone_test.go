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

func TestFriendlyName(t *testing.T) {
	t.Parallel()
	winter := time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)
	summer := time.Date(2026, 7, 15, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		zone string
		at   time.Time
		lang string
		want string
	}{
		{"America/New_York", winter, "en-US", "Eastern Time (New York)"},
		{"America/New_York", summer, "en-US", "Eastern Time (New York)"},
		{"America/Los_Angeles", summer, "en", "Pacific Time (Los Angeles)"},
		{"America/Argentina/Buenos_Aires", winter, "es-AR", "Argentina Time (Buenos Aires)"},
		{"Europe/London", winter, "en-GB", "Greenwich Mean Time (London)"},
		{"Europe/London", summer, "en-GB", "British Summer Time (London)"},
		{"Europe/Berlin", summer, "de", "Central European Time (Berlin)"},
		{"Asia/Kolkata", winter, "", "India Standard Time (Kolkata)"},
		{"Asia/Singapore", winter, "en", "Singapore Standard Time"},
		{"UTC", winter, "en", "UTC"},
		{"Asia/Kathmandu", winter, "en", "Nepal Time (Kathmandu)"},
		{"America/Noronha", winter, "en", "GMT-2 (Noronha)"},
		{"Asia/Colombo", winter, "en", "India Standard Time (Colombo)"},
		{"Pacific/Chatham", winter, "en", "GMT+13:45 (Chatham)"},
		{"Etc/GMT+5", winter, "en", "GMT-5"},
	} {
		loc, err := time.LoadLocation(tc.zone)
		if err != nil {
			t.Fatalf("load %s: %v", tc.zone, err)
		}
		if got := FriendlyName(loc, tc.at, tc.lang); got != tc.want {
			t.Errorf("FriendlyName(%s, %s, %q) = %q, want %q", tc.zone, tc.at.Format("Jan"), tc.lang, got, tc.want)
		}
	}
	if got := FriendlyName(nil, winter, "en"); got != "UTC" {
		t.Errorf("FriendlyName(nil) = %q, want UTC", got)
	}
}

// Every zone the table names is one this machine's zone database knows, so
// a typo in the table cannot hide behind the GMT fallback.
func TestFriendlyNamesAreRealZones(t *testing.T) {
	t.Parallel()
	for id := range namesFor("en") {
		if _, err := time.LoadLocation(id); err != nil {
			t.Errorf("%s: %v", id, err)
		}
	}
}

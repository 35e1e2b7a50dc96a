package timezone

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestFriendlyName(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]string{
		"America/New_York":      "Eastern Time (New York)",
		"America/Los_Angeles":   "Pacific Time (Los Angeles)",
		"Europe/London":         "United Kingdom Time (London)",
		"Europe/Berlin":         "Central European Time (Berlin)",
		"Asia/Kolkata":          "India Standard Time (Kolkata)",
		"UTC":                   "Coordinated Universal Time (UTC)",
		"Asia/Kathmandu":        "Asia/Kathmandu",
		"America/Port_of_Spain": "America/Port of Spain",
	} {
		loc, err := Load(name)
		require.NoError(t, err)
		require.Equal(t, want, FriendlyName(loc), name)
		require.Equal(t, want, FriendlyNameOf(name), "by name alone: %s", name)
	}
	require.Equal(t, "UTC", FriendlyName(nil))
	require.Equal(t, "Coordinated Universal Time (UTC)", FriendlyName(time.UTC))
}

func TestFriendlyNamesAreKnownZones(t *testing.T) {
	t.Parallel()
	for zone := range generics {
		require.True(t, Valid(zone), zone)
	}
}

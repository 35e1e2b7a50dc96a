package config

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseRate(t *testing.T) {
	t.Parallel()
	good := []struct {
		in   string
		want Rate
	}{
		{"20/1h", Rate{N: 20, Per: time.Hour}},
		{"3/24h", Rate{N: 3, Per: 24 * time.Hour}},
		{" 5 / 90s ", Rate{N: 5, Per: 90 * time.Second}},
		{"1/1s", Rate{N: 1, Per: time.Second}},
		{"0", Rate{}},
	}
	for _, tt := range good {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			r, err := ParseRate(tt.in)
			require.NoError(t, err)
			require.Equal(t, tt.want, r)
		})
	}
	for _, in := range []string{"20", "20/", "/1h", "x/1h", "-1/1h", "0/1h", "20/1", "20/0s", "20/500ms", "20/1d", "2000000/1h", "20/1h/2"} {
		t.Run("bad "+in, func(t *testing.T) {
			t.Parallel()
			_, err := ParseRate(in)
			require.Error(t, err)
			require.Contains(t, err.Error(), in, "the message repeats the value")
		})
	}
}

func TestLimitDefaultsAndOff(t *testing.T) {
	t.Parallel()
	d, err := Load(getenv(nil))
	require.NoError(t, err)
	require.Equal(t, Rate{N: 20, Per: time.Hour}, d.Limits.SignupPerIP)
	require.Equal(t, Rate{N: 5, Per: time.Hour}, d.Limits.SignupPerMailbox)
	require.Equal(t, Rate{N: 1000, Per: time.Hour}, d.Limits.SignupTotal)
	require.Equal(t, Rate{N: 30, Per: time.Hour}, d.Limits.BookingPerIP)
	require.Equal(t, 5, d.Limits.BookingChangesPerDay)

	// A benchmark turns the per-IP and total limits off; an empty value is
	// the default, not off.
	c, err := Load(getenv(map[string]string{
		"SIGNUP_LIMIT_PER_IP": "0", "SIGNUP_LIMIT_TOTAL": "0", "SIGNUP_LIMIT_PER_MAILBOX": "",
		"BOOKING_LIMIT_PER_IP": "10/1m", "BOOKING_CHANGES_PER_DAY": "0",
	}))
	require.NoError(t, err)
	require.True(t, c.Limits.SignupPerIP.Off())
	require.True(t, c.Limits.SignupTotal.Off())
	require.Equal(t, d.Limits.SignupPerMailbox, c.Limits.SignupPerMailbox)
	require.Equal(t, "10/1m0s", c.Limits.BookingPerIP.String())
	require.Equal(t, "0", c.Limits.SignupTotal.String())
	require.Zero(t, c.Limits.BookingChangesPerDay)
}

func TestBadLimitsAreNamed(t *testing.T) {
	t.Parallel()
	names := []string{"SIGNUP_LIMIT_PER_IP", "SIGNUP_LIMIT_PER_MAILBOX", "SIGNUP_LIMIT_TOTAL", "BOOKING_LIMIT_PER_IP", "BOOKING_CHANGES_PER_DAY"}
	env := map[string]string{
		"SIGNUP_LIMIT_PER_IP":      "20 per hour",
		"SIGNUP_LIMIT_PER_MAILBOX": "5/forever",
		"SIGNUP_LIMIT_TOTAL":       "-3/1h",
		"BOOKING_LIMIT_PER_IP":     "30/0s",
		"BOOKING_CHANGES_PER_DAY":  "lots",
	}
	_, err := Load(getenv(env))
	require.Error(t, err)
	for _, name := range names {
		require.True(t, strings.Contains(err.Error(), name+":"), "error names %s:\n%v", name, err)
	}
}

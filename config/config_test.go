package config

import (
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/booking"
)

func getenv(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestDefaults(t *testing.T) {
	c, err := Load(getenv(nil))
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1:8080", c.HTTPAddr, "captured mail holds live links: this machine only")
	require.Equal(t, "http://localhost:8080", c.BaseURL)
	require.Equal(t, "sqlite://data/dripbook.db", c.DatabaseURL)
	require.True(t, c.Embedded())
	require.Nil(t, c.SMTP, "no SMTP_URL: mail goes to the outbox")
	require.Equal(t, "localhost", c.MailDomain)
	require.Equal(t, 24*time.Hour, c.CourseDay)
	require.Equal(t, 9, c.SendHour)
	require.Equal(t, "UTC", c.DefaultTZ.String())
}

func TestDataDirHoldsTheDefaultDatabase(t *testing.T) {
	t.Parallel()
	c, err := Load(getenv(map[string]string{"DATA_DIR": "/var/lib/dripbook"}))
	require.NoError(t, err)
	require.Equal(t, "sqlite:///var/lib/dripbook/dripbook.db", c.DatabaseURL)
	c, err = Load(getenv(map[string]string{"DATA_DIR": "/var/lib/dripbook", "DATABASE_URL": "postgres://db/dripbook"}))
	require.NoError(t, err)
	require.Equal(t, "postgres://db/dripbook", c.DatabaseURL, "a configured database wins")
}

func TestListenAddressFollowsMailMode(t *testing.T) {
	t.Parallel()
	c, err := Load(getenv(map[string]string{"SMTP_URL": "smtp://relay.example:587"}))
	require.NoError(t, err)
	require.Equal(t, ":8080", c.HTTPAddr, "real mail: every interface")
	c, err = Load(getenv(map[string]string{"HTTP_ADDR": ":9000"}))
	require.NoError(t, err)
	require.Equal(t, ":9000", c.HTTPAddr, "HTTP_ADDR wins")
}

func TestValues(t *testing.T) {
	c, err := Load(getenv(map[string]string{
		"BASE_URL":        "https://coach.example.com/",
		"REDIS_URL":       "redis://127.0.0.1:6379/2",
		"SMTP_URL":        "smtp://u:p@mail.example.com:2525?tls=none",
		"MAIL_FROM":       "Jo <jo@coach.example.com>",
		"COURSE_DAY":      "2s ",
		"SEND_HOUR":       " 7 ",
		"DEFAULT_TZ":      "Europe/Berlin",
		"TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.1",
		"SMTP_RATE":       " 5",
		"COACH_EMAIL":     "Ada Coach <ada@coach.example.com>",
		"SECRET_KEY":      strings.Repeat("é", 16),
	}))
	require.NoError(t, err)
	require.Equal(t, "ada@coach.example.com", c.CoachEmail, "the address a named one names")
	require.Len(t, c.SecretKey, 32, "sixteen characters, in 32 bytes")
	require.Equal(t, "https://coach.example.com", c.BaseURL, "trailing slash dropped")
	require.False(t, c.Embedded())
	require.Equal(t, "mail.example.com", c.SMTP.Host)
	require.Equal(t, 2525, c.SMTP.Port)
	require.Equal(t, 5.0, c.SMTP.MaxPerSecond)
	require.Equal(t, c.Concurrency, c.SMTP.PoolSize)
	require.Equal(t, "coach.example.com", c.MailDomain)
	require.Equal(t, 2*time.Second, c.CourseDay)
	require.Len(t, c.TrustedProxies, 2)
	require.Equal(t, "192.0.2.1/32", c.TrustedProxies[1].String())
}

// A MAIL_FROM domain written in Unicode is used in its ASCII form where
// the headers need one (Message-ID, List-Id, DKIM's alignment).
// Mail sent with links under an http BASE_URL has a one-click unsubscribe
// that mailbox providers ignore: start-up warns.
func TestInsecureUnsubscribe(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want bool
	}{
		{map[string]string{}, false},
		{map[string]string{"SMTP_URL": "smtp://mail.example.com?tls=none", "MAIL_FROM": "Jo <jo@coach.example.com>", "BASE_URL": "http://coach.example.com"}, true},
		{map[string]string{"SMTP_URL": "smtp://mail.example.com?tls=none", "MAIL_FROM": "Jo <jo@coach.example.com>", "BASE_URL": "https://coach.example.com"}, false},
	} {
		c, err := Load(getenv(tc.env))
		require.NoError(t, err)
		require.Equal(t, tc.want, c.InsecureUnsubscribe(), "%v", tc.env)
	}
}

func TestMailDomainIsASCII(t *testing.T) {
	c, err := Load(getenv(map[string]string{"MAIL_FROM": "Jöran <jo@bücher.example>"}))
	require.NoError(t, err)
	require.Equal(t, "xn--bcher-kva.example", c.MailDomain)
	from, err := mail.ParseAddress(c.MailFrom)
	require.NoError(t, err)
	require.Equal(t, "jo@xn--bcher-kva.example", from.Address, "the From field and the envelope too: a relay need not speak SMTPUTF8")
	require.Equal(t, "Jöran", from.Name)
	_, err = Load(getenv(map[string]string{"MAIL_FROM": "Jo <jo@bü-.example>"}))
	require.ErrorContains(t, err, "is not a valid domain name")
	_, err = Load(getenv(map[string]string{"MAIL_FROM": "Jo <jö@example.com>"}))
	require.ErrorContains(t, err, "MAIL_FROM: the part before the @")
	for _, ascii := range []string{"mail_relay.example", "[192.0.2.1]"} {
		c, err := Load(getenv(map[string]string{"MAIL_FROM": "Jo <jo@" + ascii + ">"}))
		require.NoError(t, err, "an ASCII domain is taken as it was")
		require.Equal(t, ascii, c.MailDomain)
		require.Equal(t, "Jo <jo@"+ascii+">", c.MailFrom)
	}
}

// The SMTP URL's own cap and pool hold unless SMTP_RATE says otherwise:
// a setting the URL accepted is never dropped without a word.
func TestSMTPURLSettingsHold(t *testing.T) {
	base := map[string]string{"SMTP_URL": "smtp://mail.example.com:2525?tls=none&max_per_second=1.5&pool=2", "MAIL_FROM": "Jo <jo@coach.example.com>"}
	c, err := Load(getenv(base))
	require.NoError(t, err)
	require.Equal(t, 1.5, c.SMTP.MaxPerSecond)
	require.Equal(t, 2, c.SMTP.PoolSize)

	base["SMTP_RATE"] = "4"
	c, err = Load(getenv(base))
	require.NoError(t, err)
	require.Equal(t, 4.0, c.SMTP.MaxPerSecond, "SMTP_RATE, when set, wins")

	base["SMTP_URL"] = "smtp://mail.example.com:2525?tls=none"
	delete(base, "SMTP_RATE")
	c, err = Load(getenv(base))
	require.NoError(t, err)
	require.Zero(t, c.SMTP.MaxPerSecond, "no cap anywhere is no cap")
	require.Equal(t, c.Concurrency, c.SMTP.PoolSize, "the pool follows WORKER_CONCURRENCY")
}

func TestEveryBadValueIsNamed(t *testing.T) {
	_, err := Load(getenv(map[string]string{
		"BASE_URL":         "coach.example.com",
		"DATABASE_URL":     "mysql://app:hunter2secret@db/x",
		"REDIS_URL":        "127.0.0.1:6379",
		"SMTP_URL":         "smtp://mail?tls=maybe",
		"MAIL_FROM":        "nobody",
		"COACH_EMAIL":      "coach",
		"SECRET_KEY":       "short",
		"COURSE_DAY":       "-1h",
		"SEND_HOUR":        "24",
		"DEFAULT_TZ":       "Nowhere/City",
		"BOOKING_URL":      "calendly",
		"TRUSTED_PROXIES":  "10.0.0.0/99, proxy.internal",
		"MEETING_URL":      "ftp://meet.example.com/coach",
		"COACH_PHOTO_URL":  "javascript:alert(1)",
		"MEETING_LOCATION": strings.Repeat("x", 501),
		"COACH_LOCALE":     "not a language!",
	}))
	require.Error(t, err)
	for _, name := range []string{"BASE_URL", "DATABASE_URL", "REDIS_URL", "SMTP_URL", "MAIL_FROM", "COACH_EMAIL",
		"SECRET_KEY", "COURSE_DAY", "SEND_HOUR", "DEFAULT_TZ", "BOOKING_URL", "TRUSTED_PROXIES",
		"MEETING_URL", "COACH_PHOTO_URL", "MEETING_LOCATION", "COACH_LOCALE"} {
		require.True(t, strings.Contains(err.Error(), name+":"), "error names %s:\n%v", name, err)
	}
	require.NotContains(t, err.Error(), "hunter2secret", "a URL's password stays out of the message")
	require.Contains(t, err.Error(), `"proxy.internal" is not an IP address`, "the value as it was typed")
	require.NotContains(t, err.Error(), "/128")

	// Without SMTP_URL, or with a bad one, the rest of mail's settings are
	// still checked.
	for _, smtp := range []string{"", "smtp://mail?tls=maybe"} {
		_, err = Load(getenv(map[string]string{
			"SMTP_URL": smtp, "MAIL_FROM": "Jo <jo@coach.example.com>", "SMTP_RATE": "fast",
			"DKIM_DOMAIN": "other.example", "DKIM_KEY_FILE": "/nonexistent/dkim.pem",
		}))
		require.Error(t, err)
		for _, name := range []string{"SMTP_RATE", "DKIM_DOMAIN", "DKIM_KEY_FILE"} {
			require.Contains(t, err.Error(), name+":", "SMTP_URL=%q", smtp)
		}
	}
}

func TestMeetingPlace(t *testing.T) {
	t.Parallel()
	c, err := Load(getenv(map[string]string{
		"DATA_DIR": t.TempDir(), "MEETING_URL": "https://meet.example.com/coach", "MEETING_LOCATION": "  Or call +1 555 0100  ",
		"COACH_PHOTO_URL": "https://cdn.example.com/coach.jpg",
	}))
	require.NoError(t, err)
	require.Equal(t, "https://meet.example.com/coach", c.Meeting.URL)
	require.Equal(t, "Or call +1 555 0100", c.Meeting.Text)
	require.Equal(t, "https://cdn.example.com/coach.jpg", c.CoachPhotoURL)

	c, err = Load(getenv(map[string]string{"DATA_DIR": t.TempDir()}))
	require.NoError(t, err)
	require.False(t, c.Meeting.Known(), "no place unless one is configured")

	c, err = Load(getenv(map[string]string{"DATA_DIR": t.TempDir(), "MEETING_URL": " 1 Main Street, Springfield "}))
	require.NoError(t, err, "MEETING_URL may be an address")
	require.Equal(t, booking.Place{Text: "1 Main Street, Springfield"}, c.Meeting)

	_, err = Load(getenv(map[string]string{"DATA_DIR": t.TempDir(), "MEETING_URL": "1 Main Street", "MEETING_LOCATION": "Room 4"}))
	require.ErrorContains(t, err, "MEETING_URL: is an address, and MEETING_LOCATION is set too")

	// The console's per-call place follows the same rules, link or not.
	_, err = Load(getenv(map[string]string{"DATA_DIR": t.TempDir(), "MEETING_URL": "https://meet.example.com/" + strings.Repeat("x", 500)}))
	require.ErrorContains(t, err, "MEETING_URL: must be at most 500 bytes")
}

func TestSecretIsGeneratedOnceAndKept(t *testing.T) {
	dir := t.TempDir()
	c, err := Load(getenv(map[string]string{"DATA_DIR": dir}))
	require.NoError(t, err)
	require.NoError(t, c.LoadSecret())
	require.GreaterOrEqual(t, len(c.SecretKey), 32)
	info, err := os.Stat(filepath.Join(dir, "secret_key"))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())

	again, err := Load(getenv(map[string]string{"DATA_DIR": dir}))
	require.NoError(t, err)
	require.NoError(t, again.LoadSecret())
	require.Equal(t, c.SecretKey, again.SecretKey, "links in sent emails stay valid after a restart")

	set, err := Load(getenv(map[string]string{"DATA_DIR": dir, "SECRET_KEY": "a configured secret key"}))
	require.NoError(t, err)
	require.NoError(t, set.LoadSecret())
	require.Equal(t, []byte("a configured secret key"), set.SecretKey)
}

func TestAdminPasswordIsGeneratedOnceAndKept(t *testing.T) {
	dir := t.TempDir()
	c, err := Load(getenv(map[string]string{"DATA_DIR": dir}))
	require.NoError(t, err)
	fromFile, err := c.LoadAdminPassword()
	require.NoError(t, err)
	require.True(t, fromFile)
	require.Len(t, c.AdminPassword, 64)
	info, err := os.Stat(filepath.Join(dir, "admin_password"))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())

	again, err := Load(getenv(map[string]string{"DATA_DIR": dir}))
	require.NoError(t, err)
	_, err = again.LoadAdminPassword()
	require.NoError(t, err)
	require.Equal(t, c.AdminPassword, again.AdminPassword, "the printed password keeps working after a restart")

	set, err := Load(getenv(map[string]string{"DATA_DIR": t.TempDir(), "ADMIN_PASSWORD": "chosen"}))
	require.NoError(t, err)
	fromFile, err = set.LoadAdminPassword()
	require.NoError(t, err)
	require.False(t, fromFile, "a configured password is not printed")
	require.Equal(t, "chosen", set.AdminPassword)
	require.NoFileExists(t, filepath.Join(set.DataDir, "admin_password"))
}

func TestBookingSettings(t *testing.T) {
	c, err := Load(getenv(map[string]string{
		"BOOKING_HOURS":      "Mon-Fri 09:00-12:00; Sat 10:00-11:00",
		"BOOKING_TZ":         "Europe/Berlin",
		"CALL_MINUTES":       "45",
		"BOOKING_BUFFER":     "15m",
		"BOOKING_NOTICE":     "24h",
		"BOOKING_DAYS_AHEAD": "14",
		"BOOKING_DAILY_MAX":  "3",
		"BOOKING_BLACKOUTS":  "2026-12-24..2026-12-26",
	}))
	require.NoError(t, err)
	r := c.Booking
	require.Equal(t, "Europe/Berlin", r.Location.String())
	require.Equal(t, 45*time.Minute, r.Call)
	require.Equal(t, 15*time.Minute, r.Buffer)
	require.Equal(t, 24*time.Hour, r.Notice)
	require.Equal(t, 14, r.Horizon)
	require.Equal(t, 3, r.DailyMax)
	require.Len(t, r.Blackouts, 3)
	require.Len(t, r.Week[time.Saturday], 1)

	d, err := Load(getenv(nil))
	require.NoError(t, err)
	require.Equal(t, 30*time.Minute, d.Booking.Call)
	require.Equal(t, 12*time.Hour, d.Booking.Notice)
	require.Equal(t, 21, d.Booking.Horizon)
	require.Len(t, d.Booking.Week[time.Monday], 2)
	require.Empty(t, d.Booking.Week[time.Sunday])

	for name, v := range map[string]string{
		"BOOKING_HOURS":      "Mon-Fri 9-5",
		"BOOKING_TZ":         "Atlantis/Capital",
		"CALL_MINUTES":       "0",
		"BOOKING_BUFFER":     "-5m",
		"BOOKING_NOTICE":     "tomorrow",
		"BOOKING_DAYS_AHEAD": "0",
		"BOOKING_DAILY_MAX":  "-1",
		"BOOKING_BLACKOUTS":  "2026-02-30",
	} {
		_, err := Load(getenv(map[string]string{name: v}))
		require.Error(t, err, name)
		require.Contains(t, err.Error(), name+":")
	}
	// The upper ends of the ranges the README gives.
	for name, v := range map[string]string{
		"CALL_MINUTES": "481", "BOOKING_DAYS_AHEAD": "367", "BOOKING_DAILY_MAX": "101",
		"WORKER_CONCURRENCY": "257", "BOOKING_CHANGES_PER_DAY": "1001", "SEND_HOUR": "24", "COURSE_DAY": "0s",
	} {
		_, err := Load(getenv(map[string]string{"DATA_DIR": t.TempDir(), name: v}))
		require.ErrorContains(t, err, name+":", "%s=%s", name, v)
	}
	for name, v := range map[string]string{
		"CALL_MINUTES": "480", "BOOKING_DAYS_AHEAD": "366", "BOOKING_DAILY_MAX": "100",
		"WORKER_CONCURRENCY": "256", "BOOKING_CHANGES_PER_DAY": "1000", "SEND_HOUR": "23",
	} {
		// A call of 8 hours needs a day whose hours can hold it.
		_, err := Load(getenv(map[string]string{"DATA_DIR": t.TempDir(), "BOOKING_HOURS": "Mon-Sun 00:00-24:00", name: v}))
		require.NoError(t, err, "%s=%s is in range", name, v)
	}
}

func TestRedisSentinelURL(t *testing.T) {
	t.Parallel()
	c, err := Load(getenv(map[string]string{"REDIS_URL": "redis-sentinel://:s3cret@10.0.0.1:26379,10.0.0.2:26380/mymaster/3"}))
	require.NoError(t, err)
	require.False(t, c.Embedded())
	require.Equal(t, &Sentinel{Addrs: []string{"10.0.0.1:26379", "10.0.0.2:26380"}, Master: "mymaster", Password: "s3cret", DB: 3}, c.RedisSentinel)

	c, err = Load(getenv(map[string]string{"REDIS_URL": "redis-sentinel://sentinel:26379/dripbook"}))
	require.NoError(t, err)
	require.Equal(t, &Sentinel{Addrs: []string{"sentinel:26379"}, Master: "dripbook"}, c.RedisSentinel)

	c, err = Load(getenv(map[string]string{"REDIS_URL": "redis://127.0.0.1:6379/0"}))
	require.NoError(t, err)
	require.Nil(t, c.RedisSentinel, "a plain Redis")

	for _, bad := range []string{
		"redis-sentinel://:pw@10.0.0.1:26379",             // no master name
		"redis-sentinel://:pw@10.0.0.1/mymaster",          // no port
		"redis-sentinel://10.0.0.1:26379,:1/mymaster",     // no host
		"redis-sentinel://10.0.0.1:26379/mymaster/x",      // db not a number
		"redis-sentinel://10.0.0.1:26379/mymaster/1/more", // too deep
	} {
		_, err := Load(getenv(map[string]string{"REDIS_URL": bad}))
		require.ErrorContains(t, err, "REDIS_URL:", bad)
		require.NotContains(t, err.Error(), "pw@", "the password stays out of the message")
	}
}

func TestPlaceholdersAreNamed(t *testing.T) {
	t.Parallel()
	c, err := Load(getenv(nil))
	require.NoError(t, err)
	require.Equal(t, []string{"MAIL_FROM", "COACH_NAME", "COMPANY_ADDRESS"}, c.Placeholders())
	c, err = Load(getenv(map[string]string{"MAIL_FROM": "Ada <ada@coach.example>", "COACH_NAME": "Ada", "COMPANY_ADDRESS": "1 Main St"}))
	require.NoError(t, err)
	require.Empty(t, c.Placeholders())
}

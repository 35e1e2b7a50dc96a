// Package config reads dripbook's configuration from the environment and
// validates it once, at start-up.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/net/idna"

	"github.com/dripbook/dripbook/booking"
	"github.com/dripbook/dripbook/locale"
	"github.com/dripbook/dripbook/relay"
	"github.com/dripbook/dripbook/timezone"
	"github.com/dripbook/dripbook/webhooks"
	"github.com/dripbook/dripbook/weblink"
)

// Config is every setting dripbook reads. It is built once by Load and passed
// down; no package keeps its own copy.
type Config struct {
	HTTPAddr       string
	BaseURL        string // absolute, no trailing slash
	DatabaseURL    string
	RedisURL       string         // empty: in-process Redis
	RedisSentinel  *Sentinel      // set when RedisURL is redis-sentinel://
	SMTP           *relay.Options // nil: mail is captured to DataDir/outbox
	MailFrom       string         // RFC 5322 address, "Name <addr>"
	MailDomain     string         // domain of MailFrom, used in Message-IDs
	CoachName      string
	CoachEmail     string
	CoachPhotoURL  string        // empty: the booking page shows no photo
	CoachLocale    locale.Locale // COACH_LOCALE: how the coach's briefs write dates and clocks
	CompanyAddress string
	SecretKey      []byte // empty until LoadSecret fills it
	AdminPassword  string
	CourseDay      time.Duration
	CourseDir      string // empty: the embedded course
	SendHour       int
	DefaultTZ      *time.Location
	BookingURL     string
	Scheduler      Scheduler     // BOOKING_URL's prefill and reference parameters, and its webhooks' secrets
	Meeting        booking.Place // MEETING_URL and MEETING_LOCATION: where calls happen
	NoShowAfter    time.Duration // an unmarked call counts as missed this long after its end; 0: only when marked
	TrustedProxies []*net.IPNet
	DataDir        string
	Concurrency    int // concurrent senders per worker, and SMTP connections
	Booking        booking.Rules
	Limits         Limits
	MetricsToken   string     // empty: /metrics is open to whoever reaches it
	WebhookURL     string     // empty: no events are sent
	WebhookKey     []byte     // WEBHOOK_SECRET's signing key, decoded
	LogLevel       slog.Level // LOG_LEVEL: debug, info, warn or error
	LogFormat      string     // LOG_FORMAT: text or json
}

// Load reads the configuration through getenv (os.Getenv in production) and
// reports every invalid variable at once, each by name.
func Load(getenv func(string) string) (*Config, error) {
	p := parser{getenv: getenv}
	// DATA_DIR holds everything dripbook writes by default: the SQLite file,
	// the outbox and the generated secrets.
	dataDir := p.str("DATA_DIR", "data")
	c := &Config{
		BaseURL:        p.baseURL("BASE_URL", "http://localhost:8080"),
		DatabaseURL:    p.databaseURL("DATABASE_URL", "sqlite://"+filepath.ToSlash(filepath.Join(dataDir, "dripbook.db"))),
		RedisURL:       p.redisURL("REDIS_URL"),
		MailFrom:       p.str("MAIL_FROM", placeholderMailFrom),
		CoachName:      p.str("COACH_NAME", placeholderCoachName),
		CoachEmail:     p.str("COACH_EMAIL", ""),
		CoachPhotoURL:  p.absURL("COACH_PHOTO_URL"),
		CoachLocale:    p.locale("COACH_LOCALE"),
		CompanyAddress: p.str("COMPANY_ADDRESS", ""),
		SecretKey:      p.secret("SECRET_KEY"),
		AdminPassword:  p.str("ADMIN_PASSWORD", ""),
		CourseDay:      p.duration("COURSE_DAY", 24*time.Hour),
		CourseDir:      p.str("COURSE_DIR", ""),
		SendHour:       p.intRange("SEND_HOUR", 9, 0, 23),
		DefaultTZ:      p.location("DEFAULT_TZ", "UTC"),
		BookingURL:     p.absURL("BOOKING_URL"),
		Meeting:        p.meeting("MEETING_URL", "MEETING_LOCATION"),
		NoShowAfter:    p.durationMin("NO_SHOW_AFTER", 24*time.Hour, 0),
		TrustedProxies: p.cidrs("TRUSTED_PROXIES"),
		DataDir:        dataDir,
		// Sending waits mostly on the relay and the database: eight at once
		// keeps two cores busy without many SMTP connections.
		Concurrency:  p.intRange("WORKER_CONCURRENCY", 8, 1, 256),
		MetricsToken: p.str("METRICS_TOKEN", ""),
		LogLevel:     p.logLevel("LOG_LEVEL"),
		LogFormat:    p.oneOf("LOG_FORMAT", "text", "text", "json"),
	}
	c.RedisSentinel = p.sentinel("REDIS_URL", c.RedisURL)
	c.MailFrom, c.MailDomain = p.mailFrom("MAIL_FROM", c.MailFrom)
	if c.CoachEmail != "" {
		// "Ada Coach <ada@coach.example>" is taken as the address it names:
		// briefs and invites want the bare address.
		if a, err := mail.ParseAddress(c.CoachEmail); err != nil {
			p.fail("COACH_EMAIL", "not an email address: %v", err)
		} else {
			c.CoachEmail = a.Address
		}
	}
	c.SMTP = p.smtp(c.Concurrency, c.MailDomain)
	// While mail is captured, the outbox at /dev/mail holds live confirm,
	// booking and unsubscribe links: serve it to this machine alone unless
	// HTTP_ADDR says otherwise.
	defaultAddr := ":8080"
	if c.SMTP == nil {
		defaultAddr = "127.0.0.1:8080"
	}
	c.HTTPAddr = p.str("HTTP_ADDR", defaultAddr)
	c.Booking = p.booking(c.DefaultTZ)
	c.Scheduler = p.scheduler(c.BookingURL)
	c.Limits = p.limits()
	c.WebhookURL, c.WebhookKey = p.webhook("WEBHOOK_URL", "WEBHOOK_SECRET")
	if err := errors.Join(p.errs...); err != nil {
		return nil, err
	}
	return c, nil
}

// Embedded reports whether dripbook runs everything on one machine: the
// in-process Redis.
func (c *Config) Embedded() bool { return c.RedisURL == "" }

// LoadSecret fills SecretKey from DataDir/secret_key, creating the file with a
// fresh random key the first time, unless SECRET_KEY was set.
func (c *Config) LoadSecret() error {
	if len(c.SecretKey) > 0 {
		return nil
	}
	key, err := loadOrCreateSecret(c.DataDir)
	if err != nil {
		return fmt.Errorf("SECRET_KEY: %w", err)
	}
	c.SecretKey = key
	return nil
}

// LoadAdminPassword fills AdminPassword from DataDir/admin_password,
// creating the file with a fresh random password the first time, unless
// ADMIN_PASSWORD was set. It reports whether it read or made the file, so
// that the password can be shown to the operator.
func (c *Config) LoadAdminPassword() (fromFile bool, err error) {
	if c.AdminPassword != "" {
		return false, nil
	}
	pw, _, err := loadOrCreate(c.DataDir, "admin_password")
	if err != nil {
		return false, fmt.Errorf("ADMIN_PASSWORD: %w", err)
	}
	c.AdminPassword = string(pw)
	return true, nil
}

// smtp builds the SMTP options; nil means mail goes to the outbox.
// SMTP_RATE and the DKIM settings are checked whether or not SMTP_URL is
// set or valid, so that every mistake shows at once.
func (p *parser) smtp(pool int, fromDomain string) *relay.Options {
	rate, rateSet := 0.0, p.str("SMTP_RATE", "") != ""
	if rateSet {
		rate = p.float("SMTP_RATE", 0)
	}
	dkim := p.dkim(fromDomain)
	raw := p.str("SMTP_URL", "")
	if raw == "" {
		return nil
	}
	o, err := relay.ParseURL(raw)
	if err != nil {
		p.fail("SMTP_URL", "%v", err)
		return nil
	}
	// The URL's own pool= and max_per_second= win over the defaults;
	// SMTP_RATE, when set, over the URL.
	if q := smtpQuery(raw); !q.Has("pool") {
		o.PoolSize = pool
	}
	if rateSet {
		o.MaxPerSecond = rate
	}
	o.DKIM = dkim
	return &o
}

// dkim reads the DKIM settings; nil when DKIM_DOMAIN is unset.
func (p *parser) dkim(fromDomain string) *relay.DKIM {
	domain := p.str("DKIM_DOMAIN", "")
	if domain == "" {
		return nil
	}
	domain = p.asciiDomain("DKIM_DOMAIN", domain) // DKIM's d= is in A-labels, as the MAIL_FROM domain here is
	if !aligned(domain, fromDomain) {
		p.fail("DKIM_DOMAIN", "%q is neither the MAIL_FROM domain %q nor a parent of it: receivers only "+
			"trust a signature whose domain matches the From address (DMARC alignment)", domain, fromDomain)
	}
	d := &relay.DKIM{Domain: domain, Selector: p.str("DKIM_SELECTOR", "dripbook")}
	pem, err := os.ReadFile(p.str("DKIM_KEY_FILE", ""))
	if err != nil {
		p.fail("DKIM_KEY_FILE", "read the DKIM private key: %v", err)
		return d
	}
	d.PrivateKeyPEM = pem
	if err := d.Check(); err != nil {
		p.fail("DKIM_KEY_FILE", "%v", err)
	}
	return d
}

// booking reads the coach's availability. Each setting is checked on its
// own, then the rules as a whole.
func (p *parser) booking(defaultTZ *time.Location) booking.Rules {
	r := booking.Rules{
		Location: defaultTZ,
		Call:     time.Duration(p.intRange("CALL_MINUTES", int(booking.DefaultCall/time.Minute), 5, 480)) * time.Minute,
		Buffer:   p.durationMin("BOOKING_BUFFER", 0, 0),
		Notice:   p.durationMin("BOOKING_NOTICE", booking.DefaultNotice, 0),
		Horizon:  p.intRange("BOOKING_DAYS_AHEAD", booking.DefaultHorizon, 1, 366),
		DailyMax: p.intRange("BOOKING_DAILY_MAX", 0, 0, 100),
	}
	if tz := p.str("BOOKING_TZ", ""); tz != "" {
		r.Location = p.location("BOOKING_TZ", tz)
	}
	week, err := booking.ParseHours(p.str("BOOKING_HOURS", "Mon-Fri 09:00-12:00,14:00-17:00"))
	if err != nil {
		p.fail("BOOKING_HOURS", "%v", err)
		return r
	}
	r.Week = week
	r.Blackouts, err = booking.ParseBlackouts(p.getenv("BOOKING_BLACKOUTS"))
	if err != nil {
		p.fail("BOOKING_BLACKOUTS", "%v", err)
		return r
	}
	if err := r.Validate(); err != nil {
		p.fail("BOOKING_HOURS", "%v", err)
	}
	return r
}

// aligned reports whether a DKIM signature by domain d speaks for mail from
// fromDomain: d is that domain or a parent of it (not a bare top-level one).
func aligned(d, fromDomain string) bool {
	d = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(d), "."))
	fromDomain = strings.ToLower(strings.TrimSuffix(fromDomain, "."))
	return d == fromDomain || (strings.Contains(d, ".") && strings.HasSuffix(fromDomain, "."+d))
}

// mailFrom reads the sender and returns it with its domain in ASCII form,
// as the From field and the envelope need it on a relay without SMTPUTF8
// (RFC 6531), and that domain.
func (p *parser) mailFrom(name, v string) (from, domain string) {
	addr, err := mail.ParseAddress(v)
	if err != nil {
		p.fail(name, "not an address like \"Coach <coach@example.com>\": %v", err)
		return v, "localhost"
	}
	local, domain, _ := strings.Cut(addr.Address, "@")
	if !isASCII(local) {
		p.fail(name, "the part before the @ of %q must be ASCII: most relays refuse any other", addr.Address)
		return v, "localhost"
	}
	ascii := p.asciiDomain(name, domain)
	if ascii == domain {
		return v, domain
	}
	return (&mail.Address{Name: addr.Name, Address: local + "@" + ascii}).String(), ascii
}

// asciiDomain is a domain written in Unicode in its ASCII form, as
// Message-IDs, List-Id and DKIM need it (RFC 5322); an ASCII one (or an
// address literal) stays as it is.
func (p *parser) asciiDomain(name, domain string) string {
	if isASCII(domain) {
		return domain
	}
	ascii, err := idna.Lookup.ToASCII(domain)
	if err != nil {
		p.fail(name, "the domain %q is not a valid domain name: %v", domain, err)
		return "localhost"
	}
	return ascii
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func (p *parser) baseURL(name, def string) string {
	v := p.str(name, def)
	u, err := weblink.Absolute(v)
	if err != nil {
		p.fail(name, "must be an absolute http(s) URL such as https://coach.example.com, got %q", v)
		return def
	}
	if u.RawQuery != "" || u.Fragment != "" {
		p.fail(name, "must not have a query or fragment, got %q", v)
	}
	return strings.TrimRight(v, "/")
}

// absURL reads an optional absolute http(s) URL.
func (p *parser) absURL(name string) string {
	v := p.str(name, "")
	if v == "" {
		return ""
	}
	if _, err := weblink.Absolute(v); err != nil {
		p.fail(name, "must be an absolute http(s) URL, got %q", v)
	}
	return v
}

// locale reads a language tag such as en-US; empty is locale.Default.
func (p *parser) locale(name string) locale.Locale {
	v := p.str(name, "")
	if v == "" {
		return locale.Default
	}
	if !locale.Valid(v) {
		p.fail(name, "must be a language tag such as en-US or en-GB, got %q", v)
		return locale.Default
	}
	return locale.Parse(v, "")
}

// meeting reads where calls happen, by the rules of booking.ParsePlace.
// urlName is a video link or, as the configuration contract allows, an
// address: a value without a scheme is taken as the place's text, as if it
// had been given in textName.
func (p *parser) meeting(urlName, textName string) booking.Place {
	place := booking.Place{Text: p.meetingText(textName)}
	v := strings.TrimSpace(p.str(urlName, ""))
	got, err := booking.ParsePlace(v)
	switch {
	case errors.Is(err, booking.ErrPlaceLink):
		p.fail(urlName, "must be an absolute http(s) URL or an address, got %q", v)
	case err != nil:
		p.fail(urlName, "must be at most %d bytes, got %d", booking.MaxPlaceText, len(v))
	case got.URL != "":
		place.URL = got.URL
	case got.Text != "" && place.Text != "":
		p.fail(urlName, "is an address, and %s is set too: put all of it in %s", textName, textName)
	case got.Text != "":
		place.Text = got.Text
	}
	return place
}

// meetingText reads free text shown in emails, pages and invites.
func (p *parser) meetingText(name string) string {
	v := strings.TrimSpace(p.str(name, ""))
	if len(v) > booking.MaxPlaceText {
		p.fail(name, "must be at most %d bytes, got %d", booking.MaxPlaceText, len(v))
		return ""
	}
	return v
}

func (p *parser) databaseURL(name, def string) string {
	v := p.str(name, def)
	if !strings.HasPrefix(v, "sqlite://") && !strings.HasPrefix(v, "postgres://") && !strings.HasPrefix(v, "postgresql://") {
		p.fail(name, "must start with sqlite:// or postgres://, got %q", redacted(v))
	}
	return v
}

func (p *parser) redisURL(name string) string {
	v := p.str(name, "")
	if v == "" {
		return ""
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss" && u.Scheme != "redis-sentinel") || u.Host == "" {
		p.fail(name, "must look like redis://host:6379/0 or redis-sentinel://host:26379,host:26379/master-name, got %q", redacted(v))
	}
	return v
}

// sentinel parses a redis-sentinel:// REDIS_URL; nil for any other.
func (p *parser) sentinel(name, v string) *Sentinel {
	if !strings.HasPrefix(v, "redis-sentinel://") {
		return nil
	}
	s, err := ParseSentinel(v)
	if err != nil {
		p.fail(name, "%v: want redis-sentinel://[:password@]host:port[,host:port]/master-name[/db]", err)
		return nil
	}
	return s
}

// redacted is a URL fit for an error message: without its password.
func redacted(v string) string {
	if u, err := url.Parse(v); err == nil {
		return u.Redacted()
	}
	return "(not a URL)"
}

func (p *parser) secret(name string) []byte {
	v := p.str(name, "")
	if v != "" && utf8.RuneCountInString(v) < 16 {
		p.fail(name, "must be at least 16 characters")
	}
	return []byte(v)
}

func (p *parser) location(name, def string) *time.Location {
	v := p.str(name, def)
	loc, err := timezone.Load(v)
	if err != nil {
		p.fail(name, "unknown IANA time zone %q: name one such as Europe/Berlin", v)
		return time.UTC
	}
	return loc
}

func (p *parser) duration(name string, def time.Duration) time.Duration {
	v := p.str(name, "")
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		p.fail(name, "must be a positive duration such as 24h or 2s, got %q", v)
		return def
	}
	return d
}

// durationMin reads a duration of at least lo; "0" is allowed when lo is 0.
func (p *parser) durationMin(name string, def, lo time.Duration) time.Duration {
	v := p.str(name, "")
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < lo {
		p.fail(name, "must be a duration such as 15m or 12h, got %q", v)
		return def
	}
	return d
}

func (p *parser) intRange(name string, def, lo, hi int) int {
	v := p.str(name, "")
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		p.fail(name, "must be a whole number from %d to %d, got %q", lo, hi, v)
		return def
	}
	return n
}

func (p *parser) float(name string, def float64) float64 {
	v := p.str(name, "")
	if v == "" {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 {
		p.fail(name, "must be a number of messages per second (0 for no cap), got %q", v)
		return def
	}
	return f
}

func (p *parser) cidrs(name string) []*net.IPNet {
	var nets []*net.IPNet
	for _, part := range strings.Split(p.getenv(name), ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		cidr := part
		if !strings.Contains(part, "/") {
			if ip := net.ParseIP(part); ip != nil && ip.To4() != nil {
				cidr += "/32"
			} else {
				cidr += "/128"
			}
		}
		_, n, err := net.ParseCIDR(cidr)
		if err != nil {
			p.fail(name, "%q is not an IP address or CIDR range", part)
			continue
		}
		nets = append(nets, n)
	}
	return nets
}

type parser struct {
	getenv func(string) string
	errs   []error
}

func (p *parser) str(name, def string) string {
	if v := strings.TrimSpace(p.getenv(name)); v != "" {
		return v
	}
	return def
}

func (p *parser) fail(name, format string, args ...any) {
	p.errs = append(p.errs, fmt.Errorf("%s: %s", name, fmt.Sprintf(format, args...)))
}

// The placeholders a fresh install runs with, until the coach says who they
// are.
const (
	placeholderMailFrom  = "Coach <coach@localhost>"
	placeholderCoachName = "Your coach"
)

// InsecureUnsubscribe reports whether mail really goes out with links
// under a BASE_URL that is not https: one-click unsubscribe (RFC 8058)
// needs an HTTPS address, and mailbox providers ignore any other.
func (c *Config) InsecureUnsubscribe() bool {
	return c.SMTP != nil && !strings.HasPrefix(c.BaseURL, "https://")
}

// Placeholders names the variables still at their placeholder values: who
// the mail is from, who the calls are with, and the postal address.
func (c *Config) Placeholders() []string {
	var names []string
	if c.MailFrom == placeholderMailFrom {
		names = append(names, "MAIL_FROM")
	}
	if c.CoachName == placeholderCoachName {
		names = append(names, "COACH_NAME")
	}
	if c.CompanyAddress == "" {
		names = append(names, "COMPANY_ADDRESS")
	}
	return names
}

// webhook reads the endpoint events go to and the secret that signs them:
// both or neither.
func (p *parser) webhook(urlName, secretName string) (string, []byte) {
	url := p.absURL(urlName)
	secret := p.str(secretName, "")
	switch {
	case url == "" && secret == "":
		return "", nil
	case secret == "":
		p.fail(secretName, "must be set when %s is: whsec_ and a base64 key", urlName)
		return "", nil
	case url == "":
		p.fail(urlName, "must be set when %s is", secretName)
		return "", nil
	}
	key, err := webhooks.ParseSecret(secret)
	if err != nil {
		p.fail(secretName, "%v", err)
		return "", nil
	}
	return url, key
}

// smtpQuery is the query of an SMTP_URL that relay.ParseURL accepted.
func smtpQuery(raw string) url.Values {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return url.Values{}
	}
	return u.Query()
}

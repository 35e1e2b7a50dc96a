package relay

import (
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Options configure a Sender.
type Options struct {
	Host     string
	Port     int
	Username string
	Password string
	// TLS is "starttls" (the default), "tls" (implicit TLS) or "none".
	TLS string
	// PoolSize is the most connections kept open, and so the most sends in
	// flight at once. Default 4.
	PoolSize int
	// Timeout bounds every dial and every message transaction. Default 15s.
	Timeout time.Duration
	// MaxPerSecond caps the send rate to what the relay allows; 0 is no cap.
	MaxPerSecond float64
	// Pacer, when set, spaces the sends out at MaxPerSecond in place of
	// this Sender's own count: one shared by every process that sends
	// through the relay holds its limit for all of them together.
	Pacer Pacer
	// HELO is the name to greet the server with; empty uses the host name.
	HELO string
	// DKIM signs every message when set.
	DKIM *DKIM
	// Breaker says when sending pauses because the relay, not an address,
	// is failing; zero fields take their defaults.
	Breaker BreakerOptions
	// Log receives the pause and resume of sending; default slog's default.
	Log *slog.Logger

	now     func() time.Time // the breaker's clock; tests set it
	rootCAs *x509.CertPool   // trusted for the relay's certificate; nil: the system's. Tests set it
}

// DKIM configures DKIM signing.
type DKIM struct {
	Domain        string
	Selector      string
	PrivateKeyPEM []byte
}

const (
	tlsStartTLS = "starttls"
	tlsImplicit = "tls"
	tlsNone     = "none"

	defaultPoolSize = 4
	defaultTimeout  = 15 * time.Second
)

// ParseURL reads SMTP_URL: smtp://user:pass@host:port?tls=starttls|tls|none,
// or smtps:// for implicit TLS. Without a port it uses 587 for starttls, 465
// for tls and 25 for none. The optional query keys pool, timeout,
// max_per_second and helo set the matching options.
//
// Errors never repeat the URL, since it usually holds a password.
func ParseURL(raw string) (Options, error) {
	var o Options
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return o, errors.New("SMTP URL is not a valid URL (write it as smtp://user:pass@host:587?tls=starttls; " +
			"percent-encode special characters in the password)")
	}
	switch u.Scheme {
	case "smtp":
	case "smtps":
		o.TLS = tlsImplicit
	default:
		return o, fmt.Errorf("SMTP URL must start with smtp:// or smtps://, not %q", u.Scheme+"://")
	}
	if u.Opaque != "" || u.Hostname() == "" {
		return o, errors.New("SMTP URL has no host: write it as smtp://host:port")
	}
	if u.Path != "" && u.Path != "/" {
		return o, errors.New("SMTP URL must not have a path after the host and port")
	}
	o.Host = u.Hostname()
	if u.User != nil {
		o.Username = u.User.Username()
		o.Password, _ = u.User.Password()
	}
	if err := applySMTPQuery(&o, u.Query()); err != nil {
		return Options{}, err
	}
	if p := u.Port(); p != "" {
		port, err := strconv.Atoi(p)
		if err != nil || port < 1 || port > 65535 {
			return Options{}, fmt.Errorf("SMTP URL port %q must be a number from 1 to 65535", p)
		}
		o.Port = port
	} else {
		o.Port = defaultSMTPPort(o.TLS)
	}
	return o, nil
}

func applySMTPQuery(o *Options, q url.Values) error {
	for key, vals := range q {
		v := vals[len(vals)-1]
		switch key {
		case "tls":
			mode := strings.ToLower(v)
			if mode != tlsStartTLS && mode != tlsImplicit && mode != tlsNone {
				return fmt.Errorf("SMTP URL tls=%q must be starttls, tls or none", v)
			}
			if o.TLS == tlsImplicit && mode != tlsImplicit {
				return fmt.Errorf("SMTP URL uses smtps:// (implicit TLS) but says tls=%s", mode)
			}
			o.TLS = mode
		case "pool":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return fmt.Errorf("SMTP URL pool=%q must be a whole number of at least 1", v)
			}
			o.PoolSize = n
		case "timeout":
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return fmt.Errorf("SMTP URL timeout=%q must be a duration such as 15s", v)
			}
			o.Timeout = d
		case "max_per_second":
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f < 0 {
				return fmt.Errorf("SMTP URL max_per_second=%q must be a number of 0 or more", v)
			}
			o.MaxPerSecond = f
		case "helo":
			o.HELO = v
		default:
			return fmt.Errorf("SMTP URL has unknown setting %q; known are tls, pool, timeout, max_per_second, helo", key)
		}
	}
	if o.TLS == "" {
		o.TLS = tlsStartTLS
	}
	return nil
}

func defaultSMTPPort(mode string) int {
	switch mode {
	case tlsImplicit:
		return 465
	case tlsNone:
		return 25
	default:
		return 587
	}
}

// withDefaults fills unset options and checks the rest.
func (o Options) withDefaults() (Options, error) {
	if o.TLS == "" {
		o.TLS = tlsStartTLS
	}
	if o.Port == 0 {
		o.Port = defaultSMTPPort(o.TLS)
	}
	if o.PoolSize == 0 {
		o.PoolSize = defaultPoolSize
	}
	if o.Timeout == 0 {
		o.Timeout = defaultTimeout
	}
	if o.Breaker.Recipients == 0 {
		o.Breaker.Recipients = defaultBreakerRecipients
	}
	if o.Breaker.Window == 0 {
		o.Breaker.Window = defaultBreakerWindow
	}
	if o.Breaker.Pause == 0 {
		o.Breaker.Pause = defaultBreakerPause
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.now == nil {
		o.now = time.Now
	}
	switch {
	case o.Host == "":
		return o, errors.New("SMTP host is empty")
	case o.Port < 1 || o.Port > 65535:
		return o, fmt.Errorf("SMTP port %d must be from 1 to 65535", o.Port)
	case o.TLS != tlsStartTLS && o.TLS != tlsImplicit && o.TLS != tlsNone:
		return o, fmt.Errorf("SMTP TLS mode %q must be starttls, tls or none", o.TLS)
	case o.PoolSize < 1:
		return o, fmt.Errorf("SMTP pool size %d must be at least 1", o.PoolSize)
	case o.Timeout < 0:
		return o, fmt.Errorf("SMTP timeout %s must be positive", o.Timeout)
	case o.MaxPerSecond < 0:
		return o, fmt.Errorf("SMTP max per second %g must be 0 or more", o.MaxPerSecond)
	case o.Password != "" && o.Username == "":
		return o, errors.New("SMTP password is set but the username is empty")
	case o.Breaker.Recipients < 1 || o.Breaker.Window < 0 || o.Breaker.Pause < 0:
		return o, errors.New("SMTP breaker needs at least 1 recipient and a positive window and pause")
	}
	if d := o.DKIM; d != nil && (d.Domain == "" || d.Selector == "" || len(d.PrivateKeyPEM) == 0) {
		return o, errors.New("DKIM needs a domain, a selector and a private key")
	}
	return o, nil
}

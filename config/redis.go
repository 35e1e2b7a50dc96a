package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Sentinel is a Redis reached through Redis Sentinel, for failover: REDIS_URL
// redis-sentinel://[[user]:password@]host:port[,host:port...]/master-name[/db].
// The password is the Redis servers'; the sentinels are asked without one.
type Sentinel struct {
	Addrs    []string // the sentinels, host:port
	Master   string   // the name the sentinels know the primary by
	Username string
	Password string
	DB       int
}

// ParseSentinel reads a redis-sentinel:// URL.
func ParseSentinel(raw string) (*Sentinel, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("not a URL") // url's error would quote the password
	}
	if u.Scheme != "redis-sentinel" {
		return nil, fmt.Errorf("scheme %q is not redis-sentinel", u.Scheme)
	}
	s := &Sentinel{}
	if u.User != nil {
		s.Username = u.User.Username()
		s.Password, _ = u.User.Password()
	}
	for addr := range strings.SplitSeq(u.Host, ",") {
		host, port, err := net.SplitHostPort(addr)
		if err != nil || host == "" {
			return nil, fmt.Errorf("sentinel %q is not host:port", addr)
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("sentinel %q has no valid port", addr)
		}
		s.Addrs = append(s.Addrs, addr)
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if parts[0] == "" || len(parts) > 2 {
		return nil, errors.New("the path must be /master-name or /master-name/db")
	}
	s.Master = parts[0]
	if len(parts) == 2 {
		if s.DB, err = strconv.Atoi(parts[1]); err != nil || s.DB < 0 {
			return nil, fmt.Errorf("database %q is not a number", parts[1])
		}
	}
	return s, nil
}

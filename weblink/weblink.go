// Package weblink checks the web addresses dripbook puts in emails and pages
// and reads from its configuration: each must stand on its own, since a
// relative link means nothing in an inbox.
package weblink

import (
	"errors"
	"net/url"
)

// ErrNotAbsolute means a link is not an absolute http(s) URL with a host.
var ErrNotAbsolute = errors.New("must be an absolute http(s) URL")

// Absolute parses raw and accepts it only as an absolute http or https URL
// with a host.
func Absolute(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, ErrNotAbsolute
	}
	return u, nil
}

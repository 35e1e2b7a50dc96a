// Package relay delivers messages over SMTP: it builds the wire form of a
// message, keeps a pool of open connections, caps the rate, signs with DKIM,
// and tells a permanent refusal from a temporary failure.
package relay

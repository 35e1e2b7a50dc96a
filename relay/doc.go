// Package relay delivers messages over SMTP: it builds the wire form of a
// message, keeps a pool of open connections, caps the rate, signs with DKIM,
// tells a refused address from a temporary failure, and pauses sending while
// the relay itself is failing.
package relay

// Package message is one email to one recipient, independent of how it is
// sent, and reading a sent RFC 5322 message back into its parts.
package message

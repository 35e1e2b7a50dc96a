// Package outbox captures mail as .eml files on disk instead of sending it,
// so the whole product runs on one machine and /dev/mail shows what went out.
package outbox

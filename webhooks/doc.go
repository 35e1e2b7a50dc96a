// Package webhooks signs events and POSTs them to the coach's endpoint, per
// the Standard Webhooks spec: webhook-id, webhook-timestamp and
// webhook-signature (v1, HMAC-SHA256 of "id.timestamp.body").
package webhooks

package webhooks

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// secretPrefix starts every secret in the Standard Webhooks format.
const secretPrefix = "whsec_"

// ParseSecret returns the signing key of a secret given as "whsec_" and
// base64.
func ParseSecret(s string) ([]byte, error) {
	rest, ok := strings.CutPrefix(s, secretPrefix)
	if !ok {
		return nil, errors.New(`must start with "whsec_"`)
	}
	key, err := base64.StdEncoding.DecodeString(rest)
	if err != nil {
		return nil, fmt.Errorf("the part after whsec_ is not base64: %w", err)
	}
	if len(key) < 16 {
		return nil, errors.New("the key is shorter than 16 bytes")
	}
	return key, nil
}

// Sign returns the webhook-signature header value for one delivery.
func Sign(key []byte, id string, ts time.Time, body []byte) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + strconv.FormatInt(ts.Unix(), 10) + "."))
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Sender POSTs signed events to one URL.
type Sender struct {
	url    string
	key    []byte
	client *http.Client
	now    func() time.Time
}

// NewSender returns a Sender that signs with key and gives each delivery
// ten seconds.
func NewSender(url string, key []byte) *Sender {
	return &Sender{url: url, key: key, client: &http.Client{Timeout: 10 * time.Second}, now: time.Now}
}

// StatusError is a delivery the endpoint answered with a status other than
// 2xx.
type StatusError struct{ Status int }

func (e *StatusError) Error() string { return fmt.Sprintf("endpoint answered %d", e.Status) }

// Send POSTs body as the event id. Every retry of an event sends the same
// id, so the receiver can drop a repeat; the timestamp is the attempt's.
func (s *Sender) Send(ctx context.Context, id string, body []byte) error {
	ts := s.now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook %s: %w", id, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("webhook-id", id)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(ts.Unix(), 10))
	req.Header.Set("webhook-signature", Sign(s.key, id, ts, body))
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("webhook %s: %w", id, err)
	}
	// Read a little of the answer so the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &StatusError{Status: resp.StatusCode}
	}
	return nil
}

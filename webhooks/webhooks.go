package webhooks

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
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

// Sender POSTs events to one URL, signed per Standard Webhooks.
type Sender struct {
	url    string
	signer *standardwebhooks.Webhook
	client *http.Client
	now    func() time.Time
}

// NewSender returns a Sender that signs with key and gives each delivery
// ten seconds.
func NewSender(url string, key []byte) *Sender {
	signer, _ := standardwebhooks.NewWebhookRaw(key) // never fails: the key is used as it is
	return &Sender{url: url, signer: signer, client: &http.Client{Timeout: 10 * time.Second}, now: time.Now}
}

// StatusError is a delivery the endpoint answered with a status other than
// 2xx.
type StatusError struct{ Status int }

func (e *StatusError) Error() string { return fmt.Sprintf("endpoint answered %d", e.Status) }

// Send POSTs body as the event id. Every retry of an event sends the same
// id, so the receiver can drop a repeat; the timestamp is the attempt's.
func (s *Sender) Send(ctx context.Context, id string, body []byte) error {
	ts := s.now()
	sig, err := s.signer.Sign(id, ts, body)
	if err != nil {
		return fmt.Errorf("webhook %s: sign: %w", id, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook %s: %w", id, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("webhook-id", id)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(ts.Unix(), 10))
	req.Header.Set("webhook-signature", sig)
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

package api

import (
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/dripbook/dripbook/fault"
	"github.com/dripbook/dripbook/models"
)

// errStillRetrying refuses to send again an event whose retries go on.
var errStillRetrying = fault.New(fault.Conflict, "still_retrying", "this event is still being retried")

// webhooksShown bounds the failing deliveries the console lists.
const webhooksShown = 100

// webhooksPage is the console's list of webhook deliveries that failed.
type webhooksPage struct {
	CSRF    string
	On      bool // WEBHOOK_URL is set
	Retried string
	Rows    []webhookRow
}

type webhookRow struct {
	ID, Type, LastError string
	SubscriberID        int64
	CreatedAt           time.Time
	Attempts            int
	GaveUp              bool
}

// webhooks lists the events whose delivery to WEBHOOK_URL has failed, with
// each one's last error, and offers to send a given-up one again.
func (s *server) webhooks(c echo.Context) error {
	evs, err := s.Store.FailingWebhookEvents(c.Request().Context(), webhooksShown)
	if err != nil {
		return err
	}
	p := webhooksPage{CSRF: csrfToken(c), On: s.WebhooksOn, Retried: c.QueryParam("retried")}
	for _, ev := range evs {
		p.Rows = append(p.Rows, webhookRow{
			ID: ev.ID, Type: ev.Type, LastError: ev.LastError, SubscriberID: ev.SubscriberID,
			CreatedAt: ev.CreatedAt, Attempts: ev.Attempts, GaveUp: ev.Attempts >= models.WebhookMaxAttempts,
		})
	}
	return s.render(c, http.StatusOK, "admin_webhooks", "Webhooks", p)
}

// retryWebhook sends an undelivered event again, under the same
// webhook-id, as soon as the worker's reconciler comes round.
func (s *server) retryWebhook(c echo.Context) error {
	id := c.Param("id")
	ctx := c.Request().Context()
	ev, err := s.Store.WebhookEvent(ctx, id)
	if err != nil {
		return err
	}
	if ev.DeliveredAt == nil && ev.Attempts < models.WebhookMaxAttempts {
		return errStillRetrying
	}
	if err := s.Store.RetryWebhookEvent(ctx, id); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/admin/webhooks?retried="+url.QueryEscape(id))
}

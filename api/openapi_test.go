package api

import (
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/dripbook/dripbook/models"
)

// TestOpenAPIMatchesRoutes keeps the published description honest: every
// operation it documents is a route the server has.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("openapi.yaml")
	require.NoError(t, err)
	var doc struct {
		OpenAPI string                    `yaml:"openapi"`
		Paths   map[string]map[string]any `yaml:"paths"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &doc))
	require.True(t, strings.HasPrefix(doc.OpenAPI, "3.1"))

	env := newTestEnv(t, nil)
	routes := map[string]bool{}
	for _, r := range env.e.Routes() {
		routes[r.Method+" "+r.Path] = true
	}
	require.NotEmpty(t, doc.Paths)
	param := regexp.MustCompile(`\{(\w+)\}`)
	for path, ops := range doc.Paths {
		for method := range ops {
			if method == "parameters" {
				continue
			}
			key := strings.ToUpper(method) + " " + param.ReplaceAllString(path, ":$1")
			require.True(t, routes[key], "openapi.yaml documents %s, which is not a route", key)
		}
	}
	require.Contains(t, doc.Paths, "/api/v1/subscriptions")
	require.Contains(t, doc.Paths["/api/v1/subscriptions"], strings.ToLower(http.MethodPost))

	// Every JSON route is documented.
	for r := range routes {
		if method, path, _ := strings.Cut(r, " "); strings.HasPrefix(path, "/api/") {
			documented := doc.Paths[regexp.MustCompile(`:(\w+)`).ReplaceAllString(path, "{$1}")]
			require.Contains(t, documented, strings.ToLower(method), "%s is not in openapi.yaml", r)
		}
	}
}

// TestOpenAPIDocumentsEveryWebhook keeps the webhooks section to the events
// the storage emits, each one's body described.
func TestOpenAPIDocumentsEveryWebhook(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("openapi.yaml")
	require.NoError(t, err)
	var doc struct {
		Webhooks   map[string]map[string]any `yaml:"webhooks"`
		Components map[string]map[string]any `yaml:"components"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &doc))
	events := []string{
		models.EventSubscriberConfirmed, models.EventSubscriberUnsubscribed, models.EventSubscriberBounced,
		models.EventLessonSent, models.EventLinkClicked, models.EventBookingCreated, models.EventBookingRescheduled,
		models.EventBookingCancelled, models.EventBookingAttended, models.EventBookingNoShow,
	}
	require.Len(t, doc.Webhooks, len(events))
	for _, e := range events {
		require.Contains(t, doc.Webhooks[e], "post", "webhook %s", e)
	}
	for _, m := range regexp.MustCompile(`\$ref: "#/components/(\w+)/(\w+)"`).FindAllStringSubmatch(string(raw), -1) {
		require.Contains(t, doc.Components[m[1]], m[2], "%s resolves", m[0])
	}
}

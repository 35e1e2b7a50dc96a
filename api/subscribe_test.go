package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/models"
)

const accepted = `{"status":"pending_confirmation"}` + "\n"

func TestSubscribeJSONSameAnswerForNewPendingActive(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, nil)

	rec := env.postJSON(`{"email":"  Ann@Example.COM ","name":"Ann","timezone":"Europe/Berlin"}`)
	require.Equal(t, http.StatusAccepted, rec.Code)
	require.Equal(t, accepted, rec.Body.String())

	sub := env.mustSubscriber(t, "ann@example.com")
	require.Equal(t, models.StatusPending, sub.Status)
	require.Equal(t, "Ann", sub.Name)
	require.Equal(t, "Europe/Berlin", sub.Timezone)
	require.Equal(t, []confirmation{{sub.ID, 1}}, env.course.Confirmations())

	rec = env.postJSON(`{"email":"ann@example.com"}`)
	require.Equal(t, http.StatusAccepted, rec.Code, "pending")
	require.Equal(t, accepted, rec.Body.String(), "pending")

	_, err := env.store.Confirm(context.Background(), sub.ID)
	require.NoError(t, err)
	rec = env.postJSON(`{"email":"ann@example.com","name":"Someone Else"}`)
	require.Equal(t, http.StatusAccepted, rec.Code, "active")
	require.Equal(t, accepted, rec.Body.String(), "active")

	// A repeat within the resend window, and an active address, queue nothing.
	require.Len(t, env.course.Confirmations(), 1)
	require.Equal(t, "Ann", env.mustSubscriber(t, "ann@example.com").Name)
}

func TestSubscribeJSONRejectsBadInput(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 250) + "@example.com"
	tests := []struct {
		name  string
		body  string
		field string
	}{
		{"missing email", `{"name":"Ann"}`, "email"},
		{"not an address", `{"email":"ann"}`, "email"},
		{"display name", `{"email":"Ann <ann@example.com>"}`, "email"},
		{"two addresses", `{"email":"ann@example.com, bob@example.com"}`, "email"},
		{"no dot in domain", `{"email":"ann@localhost"}`, "email"},
		{"too long", `{"email":"` + long + `"}`, "email"},
		{"comment", `{"email":"ann@example.com (Ann)"}`, "email"},
		{"control character in name", `{"email":"ann@example.com","name":"Ann\u0007"}`, "name"},
		{"newline in name", `{"email":"ann@example.com","name":"Ann\nBcc: x"}`, "name"},
		{"name too long", `{"email":"ann@example.com","name":"` + strings.Repeat("n", 101) + `"}`, "name"},
		{"unknown time zone", `{"email":"ann@example.com","timezone":"Mars/Olympus"}`, "timezone"},
		{"server's zone", `{"email":"ann@example.com","timezone":"Local"}`, "timezone"},
		{"malformed JSON", `{"email":`, "body"},
		{"not an object", `["ann@example.com"]`, "body"},
		{"unknown field", `{"email":"ann@example.com","admin":true}`, "body"},
		{"trailing data", `{"email":"ann@example.com"}{"email":"bob@example.com"}`, "body"},
		{"over 16 KiB", `{"email":"ann@example.com","name":"` + strings.Repeat("x", 17<<10) + `"}`, "body"},
		{"duplicate key", `{"email":"ann@example.com","email":"victim@example.com"}`, "body"},
		{"key differing by case", `{"Email":"ann@example.com"}`, "body"},
		{"invalid UTF-8 in a value", "{\"email\":\"ann@example.com\",\"name\":\"Ann\xff\"}", "body"},
		{"domain literal", `{"email":"ann@[192.0.2.1]"}`, "email"},
		{"label over 63 octets", `{"email":"ann@` + strings.Repeat("a", 64) + `.example.com"}`, "email"},
		{"180-character label", `{"email":"ann@` + strings.Repeat("b", 180) + `.com"}`, "email"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := newTestEnv(t, nil)
			rec := env.postJSON(tt.body)
			require.Equal(t, http.StatusBadRequest, rec.Code, rec.Body.String())
			var got struct {
				Error apiError `json:"error"`
			}
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got), rec.Body.String())
			require.Equal(t, tt.field, got.Error.Field)
			require.NotEmpty(t, got.Error.Message)
			require.Empty(t, env.course.Confirmations())
		})
	}
}

func TestSubscribeJSONAcceptsEdgeCases(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body, email, tz string
	}{
		{"no time zone", `{"email":"ann@example.com"}`, "ann@example.com", ""},
		{"plus address", `{"email":"ann+course@mail.example.co.uk","timezone":"America/New_York"}`, "ann+course@mail.example.co.uk", "America/New_York"},
		{"name at the limit", `{"email":"ann@example.com","name":"` + strings.Repeat("é", 100) + `"}`, "ann@example.com", ""},
		{"internationalised domain", `{"email":"ann@bücher.example"}`, "ann@xn--bcher-kva.example", ""},
		{"its punycode form", `{"email":"ann@xn--bcher-kva.example"}`, "ann@xn--bcher-kva.example", ""},
		{"label of 63 octets", `{"email":"ann@` + strings.Repeat("a", 63) + `.example.com"}`, "ann@" + strings.Repeat("a", 63) + ".example.com", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := newTestEnv(t, nil)
			rec := env.postJSON(tt.body)
			require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
			require.Equal(t, tt.tz, env.mustSubscriber(t, tt.email).Timezone)
		})
	}
}

func TestSubscribeJSONWrongContentType(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, nil)
	req := httptest.NewRequest(http.MethodPost, "/api/v1/subscriptions", strings.NewReader(`{"email":"ann@example.com"}`))
	req.Header.Set("Content-Type", "text/plain")
	rec := env.do(req)
	require.Equal(t, http.StatusUnsupportedMediaType, rec.Code)
	require.JSONEq(t, `{"error":{"message":"Send the body as application/json."}}`, rec.Body.String())
}

func TestSubscribeJSONStillAcceptedWhenQueueFails(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, nil)
	env.course.requestErr = errors.New("redis: connection refused")
	rec := env.postJSON(`{"email":"ann@example.com"}`)
	require.Equal(t, http.StatusAccepted, rec.Code)
	require.Equal(t, accepted, rec.Body.String())
	require.Equal(t, models.StatusPending, env.mustSubscriber(t, "ann@example.com").Status)
}

func TestSubscribeConcurrentSameAddress(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, nil)
	srv := httptest.NewServer(env.e)
	defer srv.Close()

	const n = 20
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			resp, err := http.Post(srv.URL+"/api/v1/subscriptions", "application/json",
				strings.NewReader(`{"email":"race@example.com"}`))
			if err != nil {
				t.Error(err)
				return
			}
			if err := resp.Body.Close(); err != nil {
				t.Error(err)
			}
			codes[i] = resp.StatusCode
		})
	}
	wg.Wait()
	for i, code := range codes {
		require.Equal(t, http.StatusAccepted, code, "request %d", i)
	}
	sub := env.mustSubscriber(t, "race@example.com")
	require.Equal(t, []confirmation{{sub.ID, 1}}, env.course.Confirmations())
	consents, err := env.store.Consents(context.Background(), sub.ID)
	require.NoError(t, err)
	require.Len(t, consents, 1)
}

func TestSubscribeForm(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, nil)
	rec := env.postForm("/subscribe", url.Values{
		"email": {"Ann@Example.com"}, "name": {"Ann"}, "timezone": {"Asia/Tokyo"},
	}.Encode())
	require.Equal(t, http.StatusOK, rec.Code)
	require.Contains(t, rec.Body.String(), "Check your inbox")
	require.Contains(t, rec.Body.String(), "ann@example.com")
	sub := env.mustSubscriber(t, "ann@example.com")
	require.Equal(t, "Asia/Tokyo", sub.Timezone)
	require.Equal(t, []confirmation{{sub.ID, 1}}, env.course.Confirmations())

	// The same page again: the form must not reveal who is already on the list.
	again := env.postForm("/subscribe", url.Values{"email": {"ann@example.com"}}.Encode())
	require.Equal(t, http.StatusOK, again.Code)
	require.Contains(t, again.Body.String(), "Check your inbox")
}

// The form's time zone is what the browser said, in a field the visitor
// never sees: one the server does not know is dropped (lessons go out in
// DEFAULT_TZ) rather than refused, which the visitor could not mend.
func TestSubscribeFormDropsAnUnknownTimezone(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, nil)
	rec := env.postForm("/subscribe", url.Values{
		"email": {"zed@example.com"}, "name": {"Zed"}, "timezone": {"Etc/Unknown"},
	}.Encode())
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Contains(t, rec.Body.String(), "Check your inbox")
	require.Empty(t, env.mustSubscriber(t, "zed@example.com").Timezone)
}

func TestSubscribeFormInvalidKeepsValues(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, nil)
	rec := env.postForm("/subscribe", url.Values{
		"email": {"ann@nowhere"}, "name": {`Ann "Annie" <b>`}, "timezone": {"Europe/Paris"},
	}.Encode())
	require.Equal(t, http.StatusBadRequest, rec.Code)
	body := rec.Body.String()
	require.Contains(t, body, `<p class="error" id="email-error" role="alert">Enter an email address like name@example.com.</p>`)
	require.Contains(t, body, `aria-invalid="true"`)
	require.Contains(t, body, `value="ann@nowhere"`)
	require.Contains(t, body, `value="Ann &#34;Annie&#34; &lt;b&gt;"`)
	require.Contains(t, body, `value="Europe/Paris"`)
	require.Empty(t, env.course.Confirmations())
}

func TestConsentRecordsIP(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		trusted    string
		remoteAddr string
		want       string
	}{
		{"no trusted proxy: header ignored", "", "192.0.2.1:1234", "192.0.2.1"},
		{"trusted proxy: header used", "127.0.0.1/32", "127.0.0.1:5555", "203.0.113.7"},
		{"untrusted peer: header ignored", "127.0.0.1/32", "192.0.2.1:1234", "192.0.2.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := newTestEnv(t, func(d *Deps) {
				if tt.trusted != "" {
					d.TrustedProxies = append(d.TrustedProxies, mustCIDR(t, tt.trusted))
				}
			})
			req := httptest.NewRequest(http.MethodPost, "/api/v1/subscriptions", strings.NewReader(`{"email":"ann@example.com"}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("User-Agent", "TestAgent/1.0")
			req.Header.Set("X-Forwarded-For", "203.0.113.7")
			req.RemoteAddr = tt.remoteAddr
			rec := env.do(req)
			require.Equal(t, http.StatusAccepted, rec.Code)

			sub := env.mustSubscriber(t, "ann@example.com")
			consents, err := env.store.Consents(context.Background(), sub.ID)
			require.NoError(t, err)
			require.Len(t, consents, 1)
			require.Equal(t, tt.want, consents[0].IP)
			require.Equal(t, "TestAgent/1.0", consents[0].UserAgent)
			require.Equal(t, testConsentVersion, consents[0].TextVersion)
		})
	}
}

func TestSubscribeIDNAndPunycodeAreOneSubscriber(t *testing.T) {
	t.Parallel()
	env := newBookingEnv(t, nil)
	require.Equal(t, http.StatusAccepted, env.postJSON(`{"email":"ann@bücher.example"}`).Code)
	require.Equal(t, http.StatusAccepted, env.postJSON(`{"email":"ann@xn--bcher-kva.example"}`).Code)
	require.Equal(t, http.StatusAccepted, env.postJSON(`{"email":"ANN@BÜCHER.example"}`).Code)
	sub := env.mustSubscriber(t, "ann@xn--bcher-kva.example")
	require.Equal(t, []confirmation{{sub.ID, 1}}, env.course.Confirmations(), "one subscriber, one confirmation")
}

// Headers are bytes from anyone; PostgreSQL stores only UTF-8 text.
func TestSubscribeWithNonUTF8UserAgent(t *testing.T) {
	t.Parallel()
	env := newBookingEnv(t, nil)
	req := httptest.NewRequest(http.MethodPost, "/api/v1/subscriptions", strings.NewReader(`{"email":"ua@example.com"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Mozilla/5.0 \xff\xfe\xc3(")
	rec := env.do(req)
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	sub := env.mustSubscriber(t, "ua@example.com")
	consents, err := env.store.Consents(t.Context(), sub.ID)
	require.NoError(t, err)
	require.Len(t, consents, 1)
	require.True(t, utf8.ValidString(consents[0].UserAgent))
	require.True(t, strings.HasPrefix(consents[0].UserAgent, "Mozilla/5.0 "))
}

// A consent is recorded only to the words the visitor was shown: a form
// posted with the version of a consent line that has since changed is
// shown again with the new line, and nothing is stored.
func TestSubscribeFormWithAnOldConsentLineIsAskedAgain(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, nil)
	page := env.get("/").Body.String()
	require.Contains(t, page, `name="consent_version" value="`+testConsentVersion+`"`)

	rec := env.postForm("/subscribe", url.Values{"email": {"old@example.com"}, "consent_version": {"landing-0123456789abcdef"}}.Encode())
	require.Equal(t, http.StatusConflict, rec.Code)
	require.Contains(t, rec.Body.String(), "have changed since this page opened")
	require.Contains(t, rec.Body.String(), `value="old@example.com"`, "what was typed is kept")
	_, err := env.store.SubscriberByEmail(context.Background(), "old@example.com")
	require.ErrorIs(t, err, models.ErrNotFound)

	rec = env.postForm("/subscribe", url.Values{"email": {"old@example.com"}, "consent_version": {testConsentVersion}}.Encode())
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	sub := env.mustSubscriber(t, "old@example.com")
	consents, err := env.store.Consents(context.Background(), sub.ID)
	require.NoError(t, err)
	require.Equal(t, testConsentVersion, consents[0].TextVersion)
}

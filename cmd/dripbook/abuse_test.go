package main

import (
	"fmt"
	"io"
	"net/http"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/dripbook/dripbook/testenv"
	"github.com/stretchr/testify/require"
)

// confirmByButton opens a confirmation link as a person does: the GET
// shows a page whose one button POSTs to the same address.
func confirmByButton(t *testing.T, link string) {
	t.Helper()
	resp, err := noCookies.Get(link)
	require.NoError(t, err)
	page, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusOK, resp.StatusCode)
	u, err := url.Parse(link)
	require.NoError(t, err)
	require.Contains(t, string(page), `<form method="post" action="`+u.Path+`">`)

	resp, err = noCookies.Post(link, "application/x-www-form-urlencoded", nil)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusOK, resp.StatusCode)
}

func TestConfirmationEmailCarriesNothingAStrangerTyped(t *testing.T) {
	t.Parallel()
	base, smtp := startDripbook(t, nil)
	addr := "victim@example.com"
	typed := "Win a prize at evil.example"

	resp, err := http.PostForm(base+"/subscribe", url.Values{"email": {addr}, "name": {typed}})
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusOK, resp.StatusCode)

	confirm := testenv.WaitMail(t, smtp, addr, 1, mailTimeout)[0]
	to, err := mail.ParseAddress(confirm.Header.Get("To"))
	require.NoError(t, err)
	require.Equal(t, addr, to.Address)
	require.Empty(t, to.Name, "no display name a stranger chose")
	require.NotContains(t, string(confirm.Raw), "evil")
	require.NotContains(t, string(confirm.Raw), "prize")
	require.Contains(t, confirm.Text, "Hi there,")

	// A scanner's GET leaves them pending; the button confirms, and the
	// first lesson follows.
	link := regexp.MustCompile(regexp.QuoteMeta(base) + `/confirm/\S+`).FindString(confirm.Text)
	require.NotEmpty(t, link)
	confirmByButton(t, link)
	testenv.WaitMail(t, smtp, addr, 2, mailTimeout)
}

func TestSignupLimitsAreWired(t *testing.T) {
	t.Parallel()
	base, _ := startDripbook(t, env{"SIGNUP_LIMIT_PER_MAILBOX": "2/1h"})
	codes := make([]int, 4)
	for i := range codes {
		resp, err := http.Post(base+"/api/v1/subscriptions", "application/json",
			strings.NewReader(fmt.Sprintf(`{"email":"ann+%d@example.com"}`, i)))
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		codes[i] = resp.StatusCode
		if resp.StatusCode == http.StatusTooManyRequests {
			require.NotEmpty(t, resp.Header.Get("Retry-After"))
		}
	}
	require.Equal(t, []int{http.StatusAccepted, http.StatusAccepted, http.StatusTooManyRequests, http.StatusTooManyRequests}, codes)
}

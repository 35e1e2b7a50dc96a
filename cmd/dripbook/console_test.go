package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDefaultModeMakesAndPrintsTheConsolePassword starts dripbook without
// ADMIN_PASSWORD: it makes one, keeps it in DATA_DIR, prints it, and the
// console takes it.
func TestDefaultModeMakesAndPrintsTheConsolePassword(t *testing.T) {
	t.Parallel()
	base, _, out := launch(t, nil)
	printed := regexp.MustCompile(`console password \(kept in (\S+)\): (\S+)`).FindStringSubmatch(out.String())
	require.NotNil(t, printed, out.String())
	require.Contains(t, out.String(), "console is at "+base+"/admin")
	require.Len(t, printed[2], 64)

	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	page := get(t, client, base+"/admin/login")
	token := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindStringSubmatch(page)
	require.NotNil(t, token, page)
	for pw, want := range map[string]int{"wrong": http.StatusUnauthorized, printed[2]: http.StatusSeeOther} {
		resp, err := client.PostForm(base+"/admin/login", url.Values{"password": {pw}, "_csrf": {token[1]}})
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		require.Equal(t, want, resp.StatusCode)
	}
	require.Contains(t, get(t, client, base+"/admin"), "Dashboard")
}

func get(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	resp, err := c.Get(u)
	require.NoError(t, err)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusOK, resp.StatusCode, string(b))
	return string(b)
}

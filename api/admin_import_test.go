package api

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/importer"
)

// upload is a multipart POST of the import form with a's cookies and token.
func (a *adminClient) upload(t *testing.T, csv, source string) *httptest.ResponseRecorder {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	require.NoError(t, w.WriteField("_csrf", a.csrf))
	require.NoError(t, w.WriteField("consent_source", source))
	if csv != "" {
		f, err := w.CreateFormFile("file", "list.csv")
		require.NoError(t, err)
		_, err = io.WriteString(f, csv)
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	req := httptest.NewRequest(http.MethodPost, "/admin/import", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return a.do(req)
}

func TestConsoleImportForm(t *testing.T) {
	t.Parallel()
	var (
		mu      sync.Mutex
		got     []string
		sources []string
	)
	fake := func(_ context.Context, r io.Reader, opts importer.Options) (importer.Report, error) {
		list, err := importer.Parse(r)
		if err != nil {
			return importer.Report{}, err
		}
		if strings.TrimSpace(opts.ConsentSource) == "" {
			return importer.Report{}, importer.ErrNoSource
		}
		mu.Lock()
		defer mu.Unlock()
		for _, row := range list.Rows {
			got = append(got, row.Email)
		}
		sources = append(sources, opts.ConsentSource)
		return importer.Report{Rows: len(list.Rows), Created: len(list.Rows), Duplicates: list.Duplicates}, nil
	}
	env := newAdminEnv(t, func(d *Deps) { d.Data.Import = fake })

	require.Equal(t, http.StatusSeeOther, env.get("/admin/import").Code, "signed-in only")
	a := signIn(t, env)
	page := a.get("/admin/import")
	require.Equal(t, http.StatusOK, page.Code)
	require.Contains(t, page.Body.String(), `enctype="multipart/form-data"`)

	rec := a.upload(t, "email,name\nann@example.com,Ann\nnot-an-address,Bob\n", "Workshop sheet")
	require.Equal(t, http.StatusBadRequest, rec.Code)
	require.Contains(t, rec.Body.String(), "Nothing was imported")
	require.Contains(t, rec.Body.String(), "Line 3")
	require.Empty(t, got, "a list with a bad row imports nothing")

	rec = a.upload(t, "email\nann@example.com\n", "")
	require.Equal(t, http.StatusBadRequest, rec.Code)
	require.Contains(t, rec.Body.String(), "consent source")

	rec = a.upload(t, "email,name\nann@example.com,Ann\nAnn@Example.com,\nbob@example.com,Bob\n", "Workshop sheet")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Contains(t, rec.Body.String(), "Imported: 2 new subscribers")
	require.Equal(t, []string{"ann@example.com", "bob@example.com"}, got)
	require.Equal(t, []string{"Workshop sheet"}, sources)

	form := a.csrf
	a.csrf = "forged"
	require.Equal(t, http.StatusForbidden, a.upload(t, "email\ncyd@example.com\n", "x").Code, "the CSRF token is checked")
	a.csrf = form
}

// A list takes longer to upload and to import than the server gives a form
// (its read and write timeouts): the import route has its own window, so
// the coach still gets the report.
func TestConsoleImportOutlastsTheServersTimeouts(t *testing.T) {
	t.Parallel()
	const serverTimeout = 500 * time.Millisecond
	slow := func(_ context.Context, r io.Reader, _ importer.Options) (importer.Report, error) {
		list, err := importer.Parse(r)
		if err != nil {
			return importer.Report{}, err
		}
		time.Sleep(3 * serverTimeout) // a long import, past the server's write timeout
		return importer.Report{Rows: len(list.Rows), Created: len(list.Rows)}, nil
	}
	env := newAdminEnv(t, func(d *Deps) { d.Data.Import = slow })
	srv := httptest.NewUnstartedServer(env.e)
	srv.Config.ReadTimeout, srv.Config.WriteTimeout = serverTimeout, serverTimeout
	srv.Start()
	t.Cleanup(srv.Close)
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	client := &http.Client{Jar: jar}
	token := func(path string) string {
		resp, err := client.Get(srv.URL + path)
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		m := csrfValue.FindSubmatch(body)
		require.NotNil(t, m, "%s has a form token", path)
		return string(m[1])
	}
	resp, err := client.PostForm(srv.URL+"/admin/login", url.Values{"password": {testAdminPassword}, "_csrf": {token("/admin/login")}})
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	csrf := token("/admin/import")

	// The body arrives in two parts, the second after the server's read
	// timeout has passed.
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		_ = mw.WriteField("_csrf", csrf)
		_ = mw.WriteField("consent_source", "Workshop sheet")
		f, _ := mw.CreateFormFile("file", "list.csv")
		_, _ = io.WriteString(f, "email\nann@example.com\n")
		time.Sleep(2 * serverTimeout) // a slow line
		_, _ = io.WriteString(f, "bob@example.com\n")
		_ = pw.CloseWithError(mw.Close())
	}()
	resp, err = client.Post(srv.URL+"/admin/import", mw.FormDataContentType(), pr)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	require.Contains(t, string(body), "Imported: 2 new subscribers")
}

// The import's long window is for the signed-in coach alone: a stranger's
// POST that sends its body slowly is cut off at the server's own timeout.
func TestConsoleImportWindowNeedsASession(t *testing.T) {
	t.Parallel()
	env := newAdminEnv(t, func(d *Deps) {
		d.Data.Import = func(context.Context, io.Reader, importer.Options) (importer.Report, error) {
			return importer.Report{}, nil
		}
	})
	srv := httptest.NewUnstartedServer(env.e)
	srv.Config.ReadTimeout, srv.Config.WriteTimeout = 300*time.Millisecond, 300*time.Millisecond
	srv.Start()
	t.Cleanup(srv.Close)
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	require.NoError(t, err)
	defer conn.Close() //nolint:errcheck // test connection
	_, err = io.WriteString(conn, "POST /admin/import HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n--b")
	require.NoError(t, err)
	// Send nothing more; our own deadline only keeps a broken server from
	// hanging the test.
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
	_, err = io.ReadAll(conn)
	var ne net.Error
	require.False(t, errors.As(err, &ne) && ne.Timeout(), "the server held a stranger's slow upload open")
}

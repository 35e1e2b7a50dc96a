package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/importer"
	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/testenv"
)

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
	return path
}

func TestImportCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	shared := env{
		"DATA_DIR": dir, "DATABASE_URL": "sqlite://" + filepath.Join(dir, "dripbook.db"),
		"REDIS_URL": testenv.IsolatedURL(t),
	}
	_, smtp := startDripbook(t, shared)
	importCmd := func(args ...string) (string, error) {
		out := &testenv.Buffer{}
		err := run(context.Background(), append([]string{"import"}, args...), shared.get, out)
		return out.String(), err
	}

	bad := writeFile(t, "bad.csv", "email,name\nann@example.com,Ann\nnot an address,X\n")
	_, err := importCmd(bad, "--consent-source", "Webinar, Nov 2026")
	require.ErrorContains(t, err, "line 3: email:")
	require.ErrorContains(t, err, "nothing was imported")

	list := writeFile(t, "list.csv", "email,name,timezone\nann@example.com,Ann,Europe/Berlin\nbob@example.com,Bob,\nANN@example.com,,\n")
	_, err = importCmd(list)
	require.ErrorContains(t, err, "--consent-source")

	out, err := importCmd(list, "--consent-source", "Webinar, Nov 2026")
	require.NoError(t, err)
	require.Contains(t, out, "imported 2 new subscribers (pending")
	require.Contains(t, out, "1 duplicate rows merged")
	for _, addr := range []string{"ann@example.com", "bob@example.com"} {
		msg := testenv.WaitMail(t, smtp, addr, 1, mailTimeout)[0]
		require.Contains(t, msg.Text, "/confirm/", "an imported subscriber confirms like a signup")
	}

	out, err = importCmd("--consent-source", "Webinar, Nov 2026", list)
	require.NoError(t, err)
	require.Contains(t, out, "imported 0 new subscribers")
	require.Contains(t, out, "2 already on the list")

	confirmed := writeFile(t, "confirmed.csv", "email\ncarol@example.com\n")
	out, err = importCmd(confirmed, "--consent-source", "Paid workshop attendees", "--confirmed")
	require.NoError(t, err)
	require.Contains(t, out, "imported 1 new subscribers (active")
	first := testenv.WaitMail(t, smtp, "carol@example.com", 1, mailTimeout)[0]
	require.NotContains(t, first.Text, "/confirm/", "a confirmed list goes straight to the first lesson")
	require.NotEmpty(t, first.Header.Get("List-Unsubscribe"))
}

func TestUploadFormImportIsWired(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	e := env{"DATA_DIR": dir, "DATABASE_URL": "sqlite://" + filepath.Join(dir, "dripbook.db")}
	a, err := open(context.Background(), "", e.get)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, a.Close()) })
	upload := a.apiDeps().Data.Import
	require.NotNil(t, upload)

	rep, err := upload(context.Background(), strings.NewReader("email,name\nann@example.com,Ann\nann@example.com,\n"),
		importer.Options{ConsentSource: "Uploaded in the console"})
	require.NoError(t, err)
	require.Equal(t, importer.Report{Rows: 1, Duplicates: 1, Created: 1}, rep)
	sub, err := a.store.SubscriberByEmail(context.Background(), "ann@example.com")
	require.NoError(t, err)
	require.Equal(t, "Ann", sub.Name)

	_, err = upload(context.Background(), strings.NewReader("email\nnope\n"), importer.Options{ConsentSource: "x"})
	var rows importer.RowErrors
	require.ErrorAs(t, err, &rows)
	require.Equal(t, 2, rows[0].Line)
}

// An address erased in one dripbook process is left out by the import
// command, another process: both key the digest with the same secret.
func TestImportCommandLeavesOutTheErased(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	shared := env{"DATA_DIR": dir, "DATABASE_URL": "sqlite://" + filepath.Join(dir, "dripbook.db"), "REDIS_URL": testenv.IsolatedURL(t)}
	ctx := context.Background()
	a, err := open(ctx, "", shared.get)
	require.NoError(t, err)
	res, err := a.store.Subscribe(ctx, models.Signup{Email: "forget@example.com", TextVersion: "v1"})
	require.NoError(t, err)
	require.NoError(t, a.store.Erase(ctx, res.SubscriberID))
	require.NoError(t, a.Close())

	list := writeFile(t, "old.csv", "email\nforget@example.com\nnew@example.com\n")
	args := []string{"import", list, "--consent-source", "Old list", "--confirmed"}
	// Run from another machine without the server's SECRET_KEY, it refuses
	// rather than guess.
	elsewhere := env{"DATA_DIR": t.TempDir(), "DATABASE_URL": shared["DATABASE_URL"], "REDIS_URL": shared["REDIS_URL"]}
	require.ErrorContains(t, run(ctx, args, elsewhere.get, &testenv.Buffer{}), "another SECRET_KEY")

	out := &testenv.Buffer{}
	require.NoError(t, run(ctx, args, shared.get, out))
	require.Contains(t, out.String(), "imported 1 new subscribers")
	require.Contains(t, out.String(), "1 addresses left out: their subscribers were erased")
}

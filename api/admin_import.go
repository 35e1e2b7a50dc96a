package api

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/dripbook/dripbook/importer"
)

// maxUpload bounds an uploaded list: about a million rows.
const maxUpload = "64M"

// importPage is the console's upload form and, after an upload, its report.
type importPage struct {
	CSRF          string
	ConsentSource string
	Confirmed     bool
	Problem       string
	Problems      importer.RowErrors
	Report        *importer.Report
}

// importForm shows the upload form.
func (s *server) importForm(c echo.Context) error {
	return s.render(c, http.StatusOK, "admin_import", "Import a list", importPage{CSRF: csrfToken(c)})
}

// importUpload adds an uploaded CSV list, as "dripbook import" does: every
// row is checked first, and a list with a bad row imports nothing.
func (s *server) importUpload(c echo.Context) error {
	p := importPage{
		CSRF:          csrfToken(c),
		ConsentSource: strings.TrimSpace(c.FormValue("consent_source")),
		Confirmed:     c.FormValue("confirmed") == "yes",
	}
	fh, err := c.FormFile("file")
	if err != nil {
		p.Problem = "Choose a CSV file to import."
		return s.render(c, http.StatusBadRequest, "admin_import", "Import a list", p)
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close() //nolint:errcheck // an upload held for reading only
	rep, err := s.Data.Import(c.Request().Context(), f, importer.Options{ConsentSource: p.ConsentSource, Confirmed: p.Confirmed})
	var rows importer.RowErrors
	switch {
	case errors.As(err, &rows):
		p.Problems = rows
		return s.render(c, http.StatusBadRequest, "admin_import", "Import a list", p)
	case errors.Is(err, importer.ErrNoSource):
		p.Problem = "Say where these people agreed to hear from you: the consent source is kept with each of them."
		return s.render(c, http.StatusBadRequest, "admin_import", "Import a list", p)
	case errors.Is(err, importer.ErrSourceTooLong):
		p.Problem = "The consent source is too long: say where they agreed in at most 500 characters."
		return s.render(c, http.StatusBadRequest, "admin_import", "Import a list", p)
	case err != nil:
		return err
	}
	p.Report = &rep
	return s.render(c, http.StatusOK, "admin_import", "Import a list", p)
}

// uploadWindow is how long a list's upload may take to arrive and to be
// answered. The server's own timeouts fit forms and pages; a list of up to
// maxUpload over a slow line, then its import, takes far longer.
const uploadWindow = 15 * time.Minute

// longRequest gives each request its own read and write deadlines of d,
// in place of the server's.
func longRequest(d time.Duration) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			rc := http.NewResponseController(c.Response())
			// A writer that cannot (a test recorder) has no deadline to move.
			_ = rc.SetReadDeadline(time.Now().Add(d))
			_ = rc.SetWriteDeadline(time.Now().Add(d))
			return next(c)
		}
	}
}

package api

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"

	"github.com/labstack/echo/v4"
)

// Pages and assets are compiled in, so the binary is the whole site.
var (
	//go:embed templates
	templateFiles embed.FS
	//go:embed static
	staticFS embed.FS
)

// views holds every page, parsed once when the server is built.
type views struct {
	pages map[string]*template.Template
	site  site
}

// site is what every page's layout shows.
type site struct {
	CourseTitle    string
	CoachName      string
	CompanyAddress string
	CoachPhotoURL  string
	StyleURL       string
	PickerURL      string // the booking pages' day picker
	AccentURL      string // "" when the stylesheet's colour is the coach's
	Pages          Pages
}

// page is the data a template gets: the site, the page's title and its own
// data.
type page struct {
	Site  site
	Title string
	Data  any
}

// mustParseViews parses the embedded templates. They are part of the
// binary, so a broken one is a bug that every test run catches; panicking at
// start-up is the honest answer.
func mustParseViews(d Deps) *views {
	// Each page is a file under templates/, rendered inside layout.html;
	// the pieces pages share are under templates/partials/.
	pageNames := []string{
		"landing", "check_inbox", "confirm", "confirmed", "unsubscribe", "unsubscribed",
		"error", "mail_list", "mail_show",
		"book", "booking", "cancel", "cancelled", "reschedule", "scorecard",
		"admin_login", "admin_dashboard", "admin_subscribers", "admin_subscriber", "admin_bookings", "admin_import", "admin_webhooks",
	}
	v := &views{
		pages: make(map[string]*template.Template, len(pageNames)),
		site: site{
			CourseTitle:    d.CourseTitle,
			CoachName:      d.CoachName,
			CompanyAddress: d.CompanyAddress,
			CoachPhotoURL:  d.CoachPhotoURL,
			StyleURL:       "/static/style.css?v=" + contentHash(staticFS, "static/style.css"),
			PickerURL:      "/static/picker.js?v=" + contentHash(staticFS, "static/picker.js"),
			AccentURL:      accentURL(d.Pages.Accent),
			Pages:          d.Pages,
		},
	}
	if v.site.CourseTitle == "" {
		v.site.CourseTitle = "The Product Leader Canyon"
	}
	if v.site.CoachName == "" {
		v.site.CoachName = "your coach"
	}
	for _, name := range pageNames {
		t, err := template.ParseFS(templateFiles, "templates/layout.html", "templates/partials/*.html", "templates/"+name+".html")
		if err != nil {
			panic(fmt.Sprintf("api: parse template %s: %v", name, err))
		}
		v.pages[name] = t
	}
	return v
}

// render writes a page. It renders into a buffer first so that a template
// error becomes a clean 500 instead of half a page.
func (s *server) render(c echo.Context, status int, name, title string, data any) error {
	b, err := s.views.execute(name, title, data)
	if err != nil {
		return err
	}
	// Pages carry personal links and form values; no cache should keep them.
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.HTMLBlob(status, b)
}

// execute renders a page inside the layout.
func (v *views) execute(name, title string, data any) ([]byte, error) {
	t, ok := v.pages[name]
	if !ok {
		return nil, fmt.Errorf("render: no page %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", page{Site: v.site, Title: title, Data: data}); err != nil {
		return nil, fmt.Errorf("render %s: %w", name, err)
	}
	return buf.Bytes(), nil
}

// staticFiles is the embedded static/ folder as the root of a file system.
func staticFiles() fs.FS {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(fmt.Sprintf("api: static files: %v", err))
	}
	return sub
}

// contentHash names a version of an asset, so links to it change when it
// does and browsers may cache it for long.
func contentHash(fsys fs.FS, name string) string {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		panic(fmt.Sprintf("api: read %s: %v", name, err))
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:4])
}

package emails

import (
	"embed"
	htmltemplate "html/template"
	texttemplate "text/template"
)

//go:embed templates
var templateFS embed.FS

// The layouts wrap every email; they are parsed once, at start-up, so a
// broken template fails the build's tests rather than a send.
var (
	htmlLayout = htmltemplate.Must(htmltemplate.ParseFS(templateFS, "templates/layout.html"))
	textLayout = texttemplate.Must(texttemplate.ParseFS(templateFS, "templates/layout.txt"))
)

// layoutData is what the layouts are executed with. Content is
// htmltemplate.HTML for the HTML layout and a string for the text one.
type layoutData struct {
	Subject        string
	Preheader      string
	PreheaderPad   htmltemplate.HTML
	MSOOpen        htmltemplate.HTML
	MSOClose       htmltemplate.HTML
	Content        any
	Course         bool
	CourseTitle    string
	BaseURL        string
	UnsubscribeURL string
	CompanyAddress string
}

// Outlook for Windows ignores max-width, so it gets a fixed 600px table
// through conditional comments, which html/template would otherwise strip.
const (
	msoOpen  = `<!--[if mso]><table role="presentation" width="600" align="center" border="0" cellspacing="0" cellpadding="0"><tr><td><![endif]-->`
	msoClose = `<!--[if mso]></td></tr></table><![endif]-->`
)

// preheaderPad follows the preheader with invisible characters, so inbox
// previews stop there instead of pulling in the start of the body.
const preheaderPad = "&#847;&zwnj;&nbsp;&#847;&zwnj;&nbsp;&#847;&zwnj;&nbsp;&#847;&zwnj;&nbsp;&#847;&zwnj;&nbsp;" +
	"&#847;&zwnj;&nbsp;&#847;&zwnj;&nbsp;&#847;&zwnj;&nbsp;&#847;&zwnj;&nbsp;&#847;&zwnj;&nbsp;" +
	"&#847;&zwnj;&nbsp;&#847;&zwnj;&nbsp;&#847;&zwnj;&nbsp;&#847;&zwnj;&nbsp;&#847;&zwnj;&nbsp;"

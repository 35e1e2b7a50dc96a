package course

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"strings"
	"unicode/utf8"

	"github.com/dripbook/dripbook/weblink"
	"gopkg.in/yaml.v3"
)

// landingFile is the landing page's file in a course folder.
const landingFile = "landing.md"

// landingKeys are the settings of landing.md, in the order the format
// documents them.
var landingKeys = []string{"headline", "audience", "lead", "bio", "photo", "form_heading", "button", "consent"}

// The signup form's heading and consent line when landing.md gives none.
const (
	DefaultFormHeading = "Start the free course"
	DefaultConsent     = "We'll email you the lessons; unsubscribe in one click any time."
)

// builtinConsentVersion is what consents to DefaultConsent are recorded
// under, as they were before a folder could word its own.
const builtinConsentVersion = "2026-11-landing-v1"

// ConsentVersion names a consent text in the consent log: the built-in
// text keeps its name, and any other is named by its digest, so that a
// changed sentence is always recorded under a new version.
func ConsentVersion(text string) string {
	if text == DefaultConsent {
		return builtinConsentVersion
	}
	sum := sha256.Sum256([]byte(text))
	return "landing-" + hex.EncodeToString(sum[:8])
}

// loadLanding reads landing.md; ok is false when the folder has none.
func loadLanding(ps *problems, fsys fs.FS) (l Landing, ok bool) {
	src, err := fs.ReadFile(fsys, landingFile)
	if errors.Is(err, fs.ErrNotExist) {
		return l, false
	}
	if err != nil {
		ps.add(landingFile, "cannot be read: %v", err)
		return l, true
	}
	if !utf8.Valid(src) {
		ps.add(landingFile, "is not UTF-8 text: save it as UTF-8, or its accented letters reach the page garbled")
		return l, true
	}
	text := strings.TrimPrefix(strings.ReplaceAll(string(src), "\r\n", "\n"), "\ufeff")
	front, body, bodyLine, err := splitFrontMatter(text)
	if err != nil {
		ps.add(landingFile, "%s", strings.Replace(err.Error(), "the subject, preheader", "the headline, lead", 1))
		return l, true
	}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(front), &doc); err != nil {
		ps.add(landingFile, "front matter is not valid YAML: %s", yamlMessage(err, 1))
		return l, true
	}
	y := yamlFile{ps: ps, file: landingFile, offset: 1}
	if doc.Kind != 0 {
		y.fields(doc.Content[0], "", "front matter", landingKeys, func(key string, line int, val *yaml.Node) {
			v := y.text(line, key, val, "landing")
			switch key {
			case "headline":
				l.Headline = v
			case "audience":
				l.Audience = v
			case "lead":
				l.Lead = v
			case "bio":
				l.Bio = v
			case "photo":
				l.Photo = v
				if _, err := weblink.Absolute(v); v != "" && err != nil {
					y.add(line, "photo must be the full address of an image, such as photo: https://example.com/me.jpg, not %q", v)
					l.Photo = ""
				}
			case "form_heading":
				l.FormHeading = v
			case "button":
				l.Button = v
			case "consent":
				l.Consent = v
			}
		})
	}
	if l.Lead == "" {
		ps.add(landingFile, `missing lead: add a line such as lead: "What the course does for the reader" to the front matter`)
	}
	if l.FormHeading == "" {
		l.FormHeading = DefaultFormHeading
	}
	if l.Consent == "" {
		l.Consent = DefaultConsent
	}
	if l.Button == "" {
		ps.add(landingFile, `missing button: add a line such as button: "Send me the first lesson" to the front matter`)
	}
	l.Body = strings.TrimLeft(body, "\n")
	bodyLine += strings.Count(body, "\n") - strings.Count(l.Body, "\n")
	l.Body = strings.TrimRight(l.Body, "\n")
	if strings.TrimSpace(l.Body) == "" {
		ps.add(landingFile, "the page has no text below the front matter: write what the course teaches there")
	}
	checkVarsIn(ps, landingFile, l.Body, bodyLine, PageVariables("landing"))
	return l, true
}

package course

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// MaxSubjectLen is where mail clients cut subjects off on every screen.
const MaxSubjectLen = 120

// Load reads and checks a course folder as described in
// docs/course-format.md. On any mistake it returns a *Error listing
// every problem, so the coach sees them all at once.
func Load(fsys fs.FS) (*Course, error) {
	var ps problems
	c := &Course{Title: loadTitle(&ps, fsys)}

	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("read course folder: %w", err)
	}
	var lessons []Lesson
	var days []*int
	haveConfirm, lessonFiles := false, 0
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || path.Ext(name) != ".md" {
			continue
		}
		src, err := fs.ReadFile(fsys, name)
		if err != nil {
			ps.add(name, "cannot be read: %v", err)
			continue
		}
		if name == "confirm.md" {
			haveConfirm = true
			c.Confirm, _ = parseCourseFile(&ps, name, string(src), true)
			c.Confirm.Slug = "confirm"
			continue
		}
		lessonFiles++
		l, day := parseCourseFile(&ps, name, string(src), false)
		lessons = append(lessons, l)
		days = append(days, day)
	}
	if !haveConfirm {
		ps.add("confirm.md", "missing: every course needs a confirm.md holding the email that asks new subscribers to confirm their address")
	}
	if lessonFiles == 0 {
		ps.add("", "the course has no lessons: add at least one lesson file such as 01-welcome.md")
	}
	lessons, c.Tracks = splitTracks(&ps, lessons, days)
	if len(ps) > 0 {
		return nil, &Error{Problems: ps}
	}
	c.Lessons = lessons
	return c, nil
}

// loadTitle reads course.yaml.
func loadTitle(ps *problems, fsys fs.FS) string {
	const file = "course.yaml"
	src, err := fs.ReadFile(fsys, file)
	if errors.Is(err, fs.ErrNotExist) {
		ps.add(file, `missing: create it with one line such as title: "My course"`)
		return ""
	}
	if err != nil {
		ps.add(file, "cannot be read: %v", err)
		return ""
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		ps.add(file, "not valid YAML: %s", yamlMessage(err, 0))
		return ""
	}
	var title string
	if doc.Kind != 0 {
		root := doc.Content[0]
		if root.Kind != yaml.MappingNode {
			ps.add(file, `must hold lines of the form key: value, such as title: "My course"`)
			return ""
		}
		for i := 0; i+1 < len(root.Content); i += 2 {
			key, val := root.Content[i], root.Content[i+1]
			switch key.Value {
			case "title":
				if t := decodeScalar[string](ps, file, key.Line, "title", val, "text"); t != nil {
					title = strings.TrimSpace(*t)
				}
			default:
				ps.add(file, "line %d: unknown setting %q; the only setting is title", key.Line, key.Value)
			}
		}
	}
	if title == "" {
		ps.add(file, `missing title: add a line such as title: "My course"`)
	}
	return title
}

// parseCourseFile parses and checks one Markdown file. It returns the lesson
// as far as it could be read, and its day if one was given.
func parseCourseFile(ps *problems, file, src string, confirm bool) (Lesson, *int) {
	src = strings.TrimPrefix(strings.ReplaceAll(src, "\r\n", "\n"), "\ufeff")
	l := Lesson{File: file}
	front, body, bodyLine, err := splitFrontMatter(src)
	if err != nil {
		ps.add(file, "%s", err.Error())
		return l, nil
	}
	fm, ok := parseFrontMatter(ps, file, front)
	if ok {
		checkSettings(ps, file, front, fm, &l, confirm)
	}
	l.Body = strings.TrimLeft(body, "\n")
	bodyLine += strings.Count(body, "\n") - strings.Count(l.Body, "\n")
	if strings.TrimSpace(l.Body) == "" {
		ps.add(file, "the email has no text below the front matter")
	}
	checkVars(ps, file, l.Body, bodyLine, confirm)
	checkButtons(ps, file, l.Body, bodyLine)
	return l, fm.Day
}

// checkSettings checks the front matter settings and copies them into l.
func checkSettings(ps *problems, file, front string, fm frontMatter, l *Lesson, confirm bool) {
	if fm.missing("subject") || (fm.Subject != nil && strings.TrimSpace(*fm.Subject) == "") {
		ps.add(file, "missing subject: add a line such as subject: \"Welcome, {{ first_name }}\" to the front matter")
	} else if fm.Subject != nil {
		l.Subject = strings.TrimSpace(*fm.Subject)
		if n := utf8.RuneCountInString(l.Subject); n > MaxSubjectLen {
			ps.add(file, "subject is %d characters long; keep it to %d so mail clients show all of it", n, MaxSubjectLen)
		}
		checkVars(ps, file, l.Subject, keyLine(front, "subject"), confirm)
	}
	if fm.missing("preheader") || (fm.Preheader != nil && strings.TrimSpace(*fm.Preheader) == "") {
		ps.add(file, "missing preheader: add a line such as preheader: \"What this email is about\" to the front matter")
	} else if fm.Preheader != nil {
		l.Preheader = strings.TrimSpace(*fm.Preheader)
		checkVars(ps, file, l.Preheader, keyLine(front, "preheader"), confirm)
	}
	l.StopWhenBooked = fm.StopWhenBooked
	checkTrack(ps, file, fm, l, confirm)
	if !confirm {
		checkLessonIdentity(ps, file, fm, l)
	}
}

// checkLessonIdentity checks the settings only lessons have: slug and day.
func checkLessonIdentity(ps *problems, file string, fm frontMatter, l *Lesson) {
	switch {
	case fm.missing("slug") || (fm.Slug != nil && *fm.Slug == ""):
		ps.add(file, "missing slug: add a line such as slug: welcome to the front matter")
	case fm.Slug == nil: // a bad value, already reported
	case !validSlug(*fm.Slug):
		ps.add(file, "slug %q may only use lowercase letters, digits and '-'", *fm.Slug)
	default:
		l.Slug = *fm.Slug
	}
	switch {
	case fm.missing("day"):
		ps.add(file, "missing day: add a line such as day: 0 (days after the subscriber confirms) to the front matter")
	case fm.Day == nil: // a bad value, already reported
	case *fm.Day < 0:
		ps.add(file, "day is %d; it must be 0 (sent at once) or more", *fm.Day)
	default:
		l.Day = *fm.Day
	}
}

// checkSlugs reports reused slugs.
func checkSlugs(ps *problems, lessons []Lesson) {
	firstFile := map[string]string{}
	for _, l := range lessons {
		if l.Slug == "" {
			continue
		}
		if other, dup := firstFile[l.Slug]; dup {
			ps.add(l.File, "slug %q is already used by %s; every lesson needs its own", l.Slug, other)
			continue
		}
		firstFile[l.Slug] = l.File
	}
}

// checkDays reports days that go backwards in file-name order; lessons and
// days are in file-name order.
func checkDays(ps *problems, lessons []Lesson, days []*int) {
	prevDay, prevFile := -1, ""
	for i, l := range lessons {
		if days[i] == nil || *days[i] < 0 {
			continue
		}
		if *days[i] < prevDay {
			ps.add(l.File, "day %d comes after day %d in %s; days never go backwards in file-name order, "+
				"so change the day or rename the file", *days[i], prevDay, prevFile)
		}
		prevDay, prevFile = *days[i], l.File
	}
}

func validSlug(s string) bool {
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' {
			return false
		}
	}
	return s != ""
}

// checkButtons reports lines that start like a button but are not one, so a
// typo does not reach subscribers as a row of brackets.
func checkButtons(ps *problems, file, body string, firstLine int) {
	for i, line := range strings.Split(body, "\n") {
		trimmed := strings.TrimSpace(line)
		if !strings.HasPrefix(trimmed, "[[") {
			continue
		}
		if _, _, ok := ParseButton(trimmed); !ok {
			ps.add(file, "line %d: a button must be written alone on its line as [[Label]](url), "+
				"for example [[Book your free discovery call]]({{ booking_url }})", firstLine+i)
		}
	}
}

// ParseButton reads a line of the form [[Label]](url).
func ParseButton(line string) (label, url string, ok bool) {
	rest, found := strings.CutPrefix(line, "[[")
	if !found {
		return "", "", false
	}
	label, rest, found = strings.Cut(rest, "]](")
	if !found || !strings.HasSuffix(rest, ")") {
		return "", "", false
	}
	url = strings.TrimSpace(strings.TrimSuffix(rest, ")"))
	label = strings.TrimSpace(label)
	if label == "" || url == "" || strings.ContainsAny(label, "[]") {
		return "", "", false
	}
	return label, url, true
}

// keyLine finds the file line of a front matter key, so variable problems in
// the subject or preheader point at the line the coach sees.
func keyLine(front, key string) int {
	for i, line := range strings.Split(front, "\n") {
		if strings.HasPrefix(line, key+":") {
			return i + 2
		}
	}
	return 2
}

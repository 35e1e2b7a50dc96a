package course

import (
	"fmt"
	"io/fs"
	"path"
	"strings"
	"unicode/utf8"
)

// MaxSubjectLen is where mail clients cut subjects off on every screen.
const MaxSubjectLen = 120

// Load reads and checks a course folder as described in
// docs/course-format.md. On any mistake it returns a *Error listing
// every problem, so the coach sees them all at once.
func Load(fsys fs.FS) (*Course, error) {
	var ps problems
	set := loadSettings(&ps, fsys)
	c := &Course{Title: set.title}
	landing, haveLanding := loadLanding(&ps, fsys)

	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("read course folder: %w", err)
	}
	var lessons []Lesson
	var days []*int
	haveConfirm, lessonFiles := false, 0
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || path.Ext(name) != ".md" || name == landingFile {
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
			if strings.TrimSpace(c.Confirm.Body) != "" && !c.Confirm.Uses("confirm_url") {
				ps.add(name, "the email has no {{ confirm_url }}: without the link nobody can confirm, and nobody gets the course; add a button such as [[Confirm my address]]({{ confirm_url }})")
			}
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
	if haveLanding {
		c.Landing = landing
	}
	c.Accent, c.Booking = deref(set.accent), deref(set.booking)
	c.CheckInbox, c.Confirmed = deref(set.checkInbox), deref(set.confirmed)
	if err := c.borrow(haveLanding, set); err != nil {
		return nil, err
	}
	return c, nil
}

func deref[T any](p *T) T {
	var v T
	if p != nil {
		v = *p
	}
	return v
}

// borrow fills what the folder does not write from the built-in course, so
// a folder made for lessons alone keeps today's pages, and notes each part
// it borrowed.
func (c *Course) borrow(haveLanding bool, set settings) error {
	if haveLanding && set.accent != nil && set.booking != nil && set.checkInbox != nil && set.confirmed != nil {
		return nil
	}
	builtin, err := Load(Default())
	if err != nil {
		return fmt.Errorf("built-in course: %w", err)
	}
	parts := []struct {
		missing bool
		name    string
		copy    func()
	}{
		{!haveLanding, landingFile, func() { c.Landing = builtin.Landing }},
		{set.accent == nil, "accent", func() { c.Accent = builtin.Accent }},
		{set.booking == nil, "booking", func() { c.Booking = builtin.Booking }},
		{set.checkInbox == nil, "check_inbox", func() { c.CheckInbox = builtin.CheckInbox }},
		{set.confirmed == nil, "confirmed", func() { c.Confirmed = builtin.Confirmed }},
	}
	for _, p := range parts {
		if p.missing {
			p.copy()
			c.Borrowed = append(c.Borrowed, p.name)
		}
	}
	return nil
}

// parseCourseFile parses and checks one Markdown file. It returns the lesson
// as far as it could be read, and its day if one was given.
func parseCourseFile(ps *problems, file, src string, confirm bool) (Lesson, *int) {
	src = strings.TrimPrefix(strings.ReplaceAll(src, "\r\n", "\n"), "\ufeff")
	l := Lesson{File: file}
	if !utf8.ValidString(src) {
		ps.add(file, "is not UTF-8 text: save it as UTF-8 (an editor's \"Save with encoding\"), or its accented letters reach inboxes garbled")
		return l, nil
	}
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

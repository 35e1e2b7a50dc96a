package course

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"
)

func TestDefaultCourseLoads(t *testing.T) {
	c, err := Load(Default())
	require.NoError(t, err)
	require.NotEmpty(t, c.Title)
	require.Equal(t, "confirm", c.Confirm.Slug)
	require.Equal(t, "confirm.md", c.Confirm.File)
	require.NotEmpty(t, c.Confirm.Subject)
	require.Contains(t, c.Confirm.Body, "{{ confirm_url }}", "the confirmation email must carry the confirmation link")
	require.NotEmpty(t, c.Lessons)
	for i, l := range c.Lessons {
		require.NotEmpty(t, l.Slug, l.File)
		require.NotEmpty(t, l.Body, l.File)
		if i > 0 {
			require.GreaterOrEqual(t, l.Day, c.Lessons[i-1].Day, "lessons are in day order")
		}
		got, idx, ok := c.Lesson(l.Slug)
		require.True(t, ok)
		require.Equal(t, i, idx)
		require.Equal(t, l, got)
	}
	_, _, ok := c.Lesson("no-such-lesson")
	require.False(t, ok)
}

// testCourse is a small valid course that each broken-course case changes.
func testCourse() fstest.MapFS {
	return fstest.MapFS{
		"course.yaml":   {Data: []byte("title: \"Test course\"\n")},
		"confirm.md":    {Data: []byte("---\nsubject: \"Confirm, {{ first_name }}\"\npreheader: One click\n---\nHi {{ first_name }},\n\n[[Yes, send me the lessons]]({{ confirm_url }})\n")},
		"01-welcome.md": {Data: []byte(lessonSrc("welcome", 0, "Welcome"))},
		"02-next.md":    {Data: []byte(lessonSrc("next", 2, "Next"))},
	}
}

func lessonSrc(slug string, day int, subject string) string {
	return "---\nslug: " + slug + "\nday: " + strconv.Itoa(day) + "\nsubject: \"" + subject + "\"\npreheader: \"A preheader\"\n---\n" +
		"Hi {{ first_name | friend }},\n\nLesson {{ lesson_number }} of {{ lesson_total }} from {{ coach_name }}.\n\n" +
		"[[Book a call]]({{ booking_url }})\n"
}

func TestTestCourseLoads(t *testing.T) {
	fsys := testCourse()
	fsys["03-same-day.md"] = &fstest.MapFile{Data: []byte(lessonSrc("same-day", 2, "Same day"))}
	c, err := Load(fsys)
	require.NoError(t, err)
	require.Equal(t, "Test course", c.Title)
	var slugs []string
	for _, l := range c.Lessons {
		slugs = append(slugs, l.Slug)
	}
	require.Equal(t, []string{"welcome", "next", "same-day"}, slugs, "ordered by day, then file name")
	require.Equal(t, "Hi {{ first_name | friend }},", strings.SplitN(c.Lessons[0].Body, "\n", 2)[0], "body starts after the front matter")
}

func TestLoadCourseProblems(t *testing.T) {
	set := func(name, src string) func(fstest.MapFS) {
		return func(fs fstest.MapFS) { fs[name] = &fstest.MapFile{Data: []byte(src)} }
	}
	body := func(b string) string {
		return "---\nslug: welcome\nday: 0\nsubject: Welcome\npreheader: Hello\n---\n" + b + "\n"
	}
	long := strings.Repeat("x", MaxSubjectLen+1)
	tests := []struct {
		name   string
		change func(fstest.MapFS)
		file   string
		want   string
	}{
		{"no front matter", set("01-welcome.md", "Hello there\n"), "01-welcome.md", "missing front matter"},
		{"not UTF-8", set("01-welcome.md", body("Caf\xe9 cr\xe8me")), "01-welcome.md", "is not UTF-8 text"},
		{"landing not UTF-8", set("landing.md", "---\nheadline: Caf\xe9\n---\nBody\n"), "landing.md", "is not UTF-8 text"},
		{"confirmation without its link", set("confirm.md", "---\nsubject: Confirm\npreheader: One click\n---\n[[Confirm]](https://example.com/confirm)\n"), "confirm.md", "has no {{ confirm_url }}"},
		{"front matter not closed", set("01-welcome.md", "---\nslug: welcome\nday: 0\n"), "01-welcome.md", "never closed"},
		{"invalid YAML", set("01-welcome.md", "---\nsubject: [oops\n---\nBody\n"), "01-welcome.md", "not valid YAML"},
		{"front matter not key value", set("01-welcome.md", "---\n- a\n- b\n---\nBody\n"), "01-welcome.md", "key: value"},
		{"missing subject", set("01-welcome.md", "---\nslug: welcome\nday: 0\npreheader: Hi\n---\nBody\n"), "01-welcome.md", "missing subject"},
		{"subject too long", set("01-welcome.md", "---\nslug: welcome\nday: 0\nsubject: "+long+"\npreheader: Hi\n---\nBody\n"), "01-welcome.md", "subject is 121 characters long; keep it to 120"},
		{"missing preheader", set("01-welcome.md", "---\nslug: welcome\nday: 0\nsubject: Hi\n---\nBody\n"), "01-welcome.md", "missing preheader"},
		{"missing slug", set("01-welcome.md", "---\nday: 0\nsubject: Hi\npreheader: Hi\n---\nBody\n"), "01-welcome.md", "missing slug"},
		{"invalid slug", set("01-welcome.md", lessonSrc("Welcome_1", 0, "Hi")), "01-welcome.md", `slug "Welcome_1" may only use lowercase letters, digits and '-'`},
		{"duplicate slug", set("02-next.md", lessonSrc("welcome", 2, "Again")), "02-next.md", `slug "welcome" is already used by 01-welcome.md`},
		{"missing day", set("01-welcome.md", "---\nslug: welcome\nsubject: Hi\npreheader: Hi\n---\nBody\n"), "01-welcome.md", "missing day"},
		{"day not a number", set("01-welcome.md", "---\nslug: welcome\nday: two\nsubject: Hi\npreheader: Hi\n---\nBody\n"), "01-welcome.md", `day must be a whole number, not "two"`},
		{"negative day", set("01-welcome.md", lessonSrc("welcome", -1, "Hi")), "01-welcome.md", "day is -1"},
		{"day goes backwards", set("02-next.md", lessonSrc("next", 0, "Hi")), "", ""}, // same day is fine
		{"day goes backwards for real", func(fs fstest.MapFS) {
			fs["01-welcome.md"] = &fstest.MapFile{Data: []byte(lessonSrc("welcome", 3, "Hi"))}
			fs["02-next.md"] = &fstest.MapFile{Data: []byte(lessonSrc("next", 1, "Hi"))}
		}, "02-next.md", "day 1 comes after day 3 in 01-welcome.md"},
		{"unknown variable", set("01-welcome.md", body("Hi {{ frist_name }}")), "01-welcome.md", "line 7: unknown variable {{ frist_name }} (did you mean {{ first_name }}?)"},
		{"unknown variable in subject", set("01-welcome.md", "---\nslug: welcome\nday: 0\nsubject: \"Hi {{ name }}\"\npreheader: Hi\n---\nBody\n"), "01-welcome.md", "line 4: unknown variable {{ name }}"},
		{"confirm_url outside confirm.md", set("01-welcome.md", body("[[Confirm]]({{ confirm_url }})")), "01-welcome.md", "{{ confirm_url }} can only be used in confirm.md"},
		{"variable not closed", set("01-welcome.md", body("Hi {{ first_name,")), "01-welcome.md", `"{{" is never closed`},
		{"variable with spaces", set("01-welcome.md", body("Hi {{ first name }}")), "01-welcome.md", "is not a variable"},
		{"button without url", set("01-welcome.md", body("[[Book a call]]")), "01-welcome.md", "line 7: a button must be written alone on its line as [[Label]](url)"},
		{"button with empty label", set("01-welcome.md", body("[[]]({{ booking_url }})")), "01-welcome.md", "a button must be written"},
		{"button with empty url", set("01-welcome.md", body("[[Book]]()")), "01-welcome.md", "a button must be written"},
		{"button with one bracket", set("01-welcome.md", body("[[Book](https://example.test)")), "01-welcome.md", "a button must be written"},
		{"button with trailing text", set("01-welcome.md", body("[[Book]](https://example.test) today")), "01-welcome.md", "a button must be written"},
		{"empty body", set("01-welcome.md", body("")), "01-welcome.md", "no text below the front matter"},
		{"unknown key", set("01-welcome.md", "---\nslug: welcome\nday: 0\nsubject: Hi\npreheader: Hi\nstop_when_boked: true\n---\nBody\n"), "01-welcome.md", `line 6: unknown setting "stop_when_boked" (did you mean "stop_when_booked"?)`},
		{"stop_when_booked not a bool", set("01-welcome.md", "---\nslug: welcome\nday: 0\nsubject: Hi\npreheader: Hi\nstop_when_booked: maybe\n---\nBody\n"), "01-welcome.md", "stop_when_booked must be true or false"},
		{"key set twice", set("01-welcome.md", "---\nslug: welcome\nday: 0\nsubject: Hi\nsubject: Again\npreheader: Hi\n---\nBody\n"), "01-welcome.md", "subject is set twice"},
		{"missing confirm.md", func(fs fstest.MapFS) { delete(fs, "confirm.md") }, "confirm.md", "missing"},
		{"confirm.md without subject", set("confirm.md", "---\npreheader: Hi\n---\n[[Confirm]]({{ confirm_url }})\n"), "confirm.md", "missing subject"},
		{"missing course.yaml", func(fs fstest.MapFS) { delete(fs, "course.yaml") }, "course.yaml", "missing"},
		{"missing title", set("course.yaml", "title: \"\"\n"), "course.yaml", "missing title"},
		{"unknown course setting", set("course.yaml", "title: T\ntitel: T\n"), "course.yaml", `unknown setting "titel"`},
		{"no lessons", func(fs fstest.MapFS) { delete(fs, "01-welcome.md"); delete(fs, "02-next.md") }, "", "the course has no lessons"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := testCourse()
			tt.change(fsys)
			c, err := Load(fsys)
			if tt.want == "" {
				require.NoError(t, err)
				require.NotNil(t, c)
				return
			}
			require.Nil(t, c)
			requireProblem(t, err, tt.file, tt.want)
		})
	}
}

// requireProblem asserts that err lists a problem in file whose message
// holds want.
func requireProblem(t *testing.T, err error, file, want string) {
	t.Helper()
	var ce *Error
	require.True(t, errors.As(err, &ce), "want *Error, got %v", err)
	for _, p := range ce.Problems {
		if p.File == file && strings.Contains(p.Message, want) {
			return
		}
	}
	require.Failf(t, "problem not reported", "want %s: %q\ngot:\n%s", file, want, ce.Error())
}

func TestLoadCourseReportsEveryProblem(t *testing.T) {
	fsys := testCourse()
	delete(fsys, "course.yaml")
	fsys["01-welcome.md"] = &fstest.MapFile{Data: []byte("---\nslug: welcome\nday: 0\npreheader: Hi\n---\nHi {{ frist_name }}\n\n[[Book]]\n")}
	fsys["02-next.md"] = &fstest.MapFile{Data: []byte(lessonSrc("welcome", 2, "Dup"))}

	_, err := Load(fsys)
	var ce *Error
	require.ErrorAs(t, err, &ce)
	require.Len(t, ce.Problems, 5, ce.Error())
	lines := strings.Split(ce.Error(), "\n")
	require.Len(t, lines, len(ce.Problems), "one line per problem")
	require.Equal(t, "course.yaml: "+ce.Problems[0].Message, lines[0])
	for _, want := range []string{"course.yaml: missing", "01-welcome.md: missing subject", "01-welcome.md: line 6: unknown variable",
		"01-welcome.md: line 8: a button", "02-next.md: slug \"welcome\" is already used"} {
		require.Contains(t, ce.Error(), want)
	}
}

func TestLoadCourseIgnoresOtherFiles(t *testing.T) {
	fsys := testCourse()
	fsys["notes.txt"] = &fstest.MapFile{Data: []byte("not a lesson")}
	fsys["images/logo.png"] = &fstest.MapFile{Data: []byte{0x89}}
	c, err := Load(fsys)
	require.NoError(t, err)
	require.Len(t, c.Lessons, 2)
}

func TestLoadCourseAcceptsWindowsLineEndings(t *testing.T) {
	fsys := testCourse()
	fsys["01-welcome.md"] = &fstest.MapFile{Data: []byte(strings.ReplaceAll(lessonSrc("welcome", 0, "Hi"), "\n", "\r\n"))}
	c, err := Load(fsys)
	require.NoError(t, err)
	require.Equal(t, "welcome", c.Lessons[0].Slug)
	require.NotContains(t, c.Lessons[0].Body, "\r")
}

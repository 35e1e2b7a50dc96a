package course

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/booking"
)

const testLanding = "---\n" +
	"headline: \"Hire calmly\"\n" +
	"audience: \"For founders\"\n" +
	"lead: \"Five emails from {{ coach_name }}.\"\n" +
	"bio: \"Hired for six start-ups.\"\n" +
	"photo: \"https://photos.example/me.jpg\"\n" +
	"button: \"Start\"\n" +
	"---\n" +
	"## Inside {{ course_title }}\n\n- One\n- Two\n"

const testSettings = "title: \"Test course\"\n" +
	"accent: \"#2E7D32\"\n" +
	"booking:\n" +
	"  intro: \"{{ call_minutes }} minutes with {{ coach_name }}\"\n" +
	"  questions:\n" +
	"    - id: company\n" +
	"      label: \"Where do you work?\"\n" +
	"      help: \"Company and team\"\n" +
	"      required: true\n" +
	"    - id: stage\n" +
	"      label: \"How far along?\"\n" +
	"      type: select\n" +
	"      options: [Not started, Interviewing]\n" +
	"    - id: hope\n" +
	"      label: \"What would help?\"\n" +
	"      type: textarea\n" +
	"check_inbox:\n" +
	"  heading: \"One more step\"\n" +
	"  text: |\n" +
	"    A link went to **{{ email }}**.\n" +
	"  note: \"Nothing? [Start over](/).\"\n" +
	"confirmed:\n" +
	"  heading: \"Welcome\"\n" +
	"  text: \"From {{ coach_name }}.\"\n"

// pagesCourse is testCourse writing every page itself.
func pagesCourse() fstest.MapFS {
	fsys := testCourse()
	fsys["landing.md"] = &fstest.MapFile{Data: []byte(testLanding)}
	fsys["course.yaml"] = &fstest.MapFile{Data: []byte(testSettings)}
	return fsys
}

func TestCourseFolderWritesThePages(t *testing.T) {
	c, err := Load(pagesCourse())
	require.NoError(t, err)
	require.Empty(t, c.Borrowed)
	require.Len(t, c.Lessons, 2, "landing.md is not a lesson")
	require.Equal(t, Landing{
		Headline: "Hire calmly", Audience: "For founders", Lead: "Five emails from {{ coach_name }}.",
		Bio: "Hired for six start-ups.", Photo: "https://photos.example/me.jpg", Button: "Start",
		FormHeading: DefaultFormHeading, Consent: DefaultConsent, // left out, so the defaults
		Body: "## Inside {{ course_title }}\n\n- One\n- Two",
	}, c.Landing)
	require.Equal(t, "#2E7D32", c.Accent)
	require.Equal(t, Booking{
		Heading: DefaultBookingHeading, Button: DefaultBookingButton,
		Intro: "{{ call_minutes }} minutes with {{ coach_name }}",
		Questions: []booking.Question{
			{ID: "company", Label: "Where do you work?", Help: "Company and team", Type: booking.QuestionText, Required: true},
			{ID: "stage", Label: "How far along?", Type: booking.QuestionSelect, Options: []string{"Not started", "Interviewing"}},
			{ID: "hope", Label: "What would help?", Type: booking.QuestionTextarea},
		},
	}, c.Booking)
	require.Equal(t, Page{Heading: "One more step", Text: "A link went to **{{ email }}**.", Note: "Nothing? [Start over](/)."}, c.CheckInbox)
	require.Equal(t, Page{Heading: "Welcome", Text: "From {{ coach_name }}."}, c.Confirmed)
}

func TestBuiltinCourseWritesEveryPage(t *testing.T) {
	c, err := Load(Default())
	require.NoError(t, err)
	require.Empty(t, c.Borrowed, "the built-in course borrows from nobody")
	require.Equal(t, "Send me the first lesson", c.Landing.Button)
	require.Contains(t, c.Landing.Body, "**Identify your gaps**")
	var ids []string
	for _, q := range c.Booking.Questions {
		ids = append(ids, q.ID)
	}
	require.Equal(t, []string{"role", "gap", "notes"}, ids, "the ids answers have always been stored by")
	require.Equal(t, "#0b5394", c.Accent)
	require.Contains(t, c.CheckInbox.Text, "{{ email }}")
	require.NotEmpty(t, c.Confirmed.Heading)
}

func TestFolderWithLessonsOnlyBorrowsTheBuiltinPages(t *testing.T) {
	builtin, err := Load(Default())
	require.NoError(t, err)
	c, err := Load(testCourse())
	require.NoError(t, err)
	require.Equal(t, []string{"landing.md", "accent", "booking", "check_inbox", "confirmed"}, c.Borrowed)
	require.Equal(t, builtin.Landing, c.Landing)
	require.Equal(t, builtin.Booking, c.Booking)

	fsys := testCourse()
	fsys["course.yaml"] = &fstest.MapFile{Data: []byte("title: T\nbooking:\n  intro: Hi\n")}
	c, err = Load(fsys)
	require.NoError(t, err)
	require.Empty(t, c.Booking.Questions, "a booking section without questions asks none")
	require.NotContains(t, c.Borrowed, "booking")
}

func TestLoadPagesProblems(t *testing.T) {
	landing := func(old, with string) func(fstest.MapFS) {
		return func(fs fstest.MapFS) {
			fs["landing.md"] = &fstest.MapFile{Data: []byte(strings.Replace(testLanding, old, with, 1))}
		}
	}
	settings := func(old, with string) func(fstest.MapFS) {
		return func(fs fstest.MapFS) {
			fs["course.yaml"] = &fstest.MapFile{Data: []byte(strings.Replace(testSettings, old, with, 1))}
		}
	}
	tests := []struct {
		name   string
		change func(fstest.MapFS)
		file   string
		want   string
	}{
		{"landing without front matter", landing("---\nheadline", "headline"), "landing.md", "missing front matter"},
		{"landing front matter not YAML", landing(`lead: "Five`, `lead: [Five`), "landing.md", "front matter is not valid YAML: line"},
		{"landing unknown key", landing("bio:", "boi:"), "landing.md", `line 5: unknown setting "boi" (did you mean "bio"?)`},
		{"landing key twice", landing("bio:", "lead: again\nbio:"), "landing.md", "line 5: lead is set twice"},
		{"landing missing lead", landing(`lead: "Five emails from {{ coach_name }}."`+"\n", ""), "landing.md", "missing lead"},
		{"landing missing button", landing(`button: "Start"`+"\n", ""), "landing.md", "missing button"},
		{"landing lead not text", landing(`lead: "Five emails from {{ coach_name }}."`, "lead: [a, b]"), "landing.md", "line 4: lead must be text"},
		{"landing photo not a URL", landing("https://photos.example/me.jpg", "me.jpg"), "landing.md", `line 6: photo must be the full address of an image`},
		{"landing photo not http", landing("https://photos.example/me.jpg", "javascript:alert(1)"), "landing.md", "line 6: photo must be"},
		{"landing unknown variable", landing("{{ coach_name }}.", "{{ first_name }}."), "landing.md", "line 4: unknown variable {{ first_name }}"},
		{"landing body variable", landing("## Inside {{ course_title }}", "## Inside {{ course_titel }}"), "landing.md", "line 9: unknown variable {{ course_titel }} (did you mean {{ course_title }}?)"},
		{"landing without body", landing("## Inside {{ course_title }}\n\n- One\n- Two\n", ""), "landing.md", "no text below the front matter"},
		{"accent not a colour", settings(`"#2E7D32"`, "green"), "course.yaml", `line 2: accent must be a colour written as # and six hex digits`},
		{"accent not hex", settings(`"#2E7D32"`, `"#2E7D3G"`), "course.yaml", "line 2: accent must be a colour"},
		{"unknown top setting", settings("confirmed:", "confirmd:"), "course.yaml", `line 22: unknown setting "confirmd" (did you mean "confirmed"?)`},
		{"booking not a mapping", settings("booking:\n  intro", "booking: yes\nbookingx:\n  intro"), "course.yaml", "line 3: booking must be settings"},
		{"booking without intro", settings(`  intro: "{{ call_minutes }} minutes with {{ coach_name }}"`+"\n", ""), "course.yaml", "line 3: missing intro in booking"},
		{"booking intro variable", settings("{{ call_minutes }}", "{{ call_length }}"), "course.yaml", "line 4: unknown variable {{ call_length }} (did you mean {{ call_minutes }}?)"},
		{"questions not a list", settings("  questions:\n    - id: company", "  questions: company\n  x:\n    - id: company"), "course.yaml", "line 5: questions must be a list"},
		{"question not a mapping", settings("    - id: hope\n", "    - hope\n    - id: hope2\n"), "course.yaml", "line 14: question 3 must be settings"},
		{"question without id", settings("    - id: hope\n      label", "    - label"), "course.yaml", "line 14: missing id in question 3"},
		{"question bad id", settings("id: hope", "id: Hope-1"), "course.yaml", `line 14: question id "Hope-1" may only use lowercase letters`},
		{"question reserved id", settings("id: hope", "id: start"), "course.yaml", `line 14: question id "start" is taken by the booking form itself`},
		{"question duplicate id", settings("id: hope", "id: company"), "course.yaml", `line 14: question id "company" is already used on line 6`},
		{"question without label", settings(`      label: "What would help?"`+"\n", ""), "course.yaml", "line 14: missing label in question 3"},
		{"question unknown key", settings("help:", "hlep:"), "course.yaml", `line 8: unknown setting "hlep" in question 1 (did you mean "help"?)`},
		{"question label with a variable", settings(`"What would help?"`, `"What would help, {{ coach_name }}?"`), "course.yaml", "line 15: {{ coach_name }} cannot be used here: this setting takes no variables"},
		{"question bad type", settings("type: textarea", "type: radio"), "course.yaml", `line 16: type "radio" is not a kind of question`},
		{"required not a bool", settings("required: true", "required: maybe"), "course.yaml", "line 9: required must be true or false"},
		{"select without options", settings("      options: [Not started, Interviewing]\n", ""), "course.yaml", "line 10: question 2 is a select with no options"},
		{"select empty options", settings("[Not started, Interviewing]", "[]"), "course.yaml", "line 13: options must be a list of choices"},
		{"option twice", settings("[Not started, Interviewing]", "[Not started, Not started]"), "course.yaml", `line 13: option "Not started" is listed twice`},
		{"options on a text question", settings("      required: true\n", "      required: true\n      options: [a]\n"), "course.yaml", "line 10: options only belong to a question of type select"},
		{"check_inbox without heading", settings(`  heading: "One more step"`+"\n", ""), "course.yaml", "line 17: missing heading in check_inbox"},
		{"check_inbox text variable in a block", settings("**{{ email }}**", "**{{ mail }}**"), "course.yaml", "line 20: unknown variable {{ mail }} (did you mean {{ email }}?)"},
		{"confirmed has no note", settings(`  text: "From {{ coach_name }}."`, `  text: "From {{ coach_name }}."`+"\n  note: x"), "course.yaml", `line 25: unknown setting "note" in confirmed`},
		{"confirmed cannot name the email", settings("From {{ coach_name }}.", "From {{ email }}."), "course.yaml", "line 24: unknown variable {{ email }}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := pagesCourse()
			tt.change(fsys)
			c, err := Load(fsys)
			require.Nil(t, c)
			requireProblem(t, err, tt.file, tt.want)
		})
	}
}

func TestTooManyQuestions(t *testing.T) {
	fsys := testCourse()
	var b strings.Builder
	b.WriteString("title: T\nbooking:\n  intro: Hi\n  questions:\n")
	for i := range maxQuestions + 1 {
		b.WriteString("    - id: q" + strings.Repeat("x", i) + "\n      label: Q\n")
	}
	fsys["course.yaml"] = &fstest.MapFile{Data: []byte(b.String())}
	_, err := Load(fsys)
	require.ErrorContains(t, err, "course.yaml: line 4: 21 questions are too many for a booking form; keep it to 20")
}

func TestConsentVersionChangesWithTheWords(t *testing.T) {
	t.Parallel()
	require.Equal(t, "2026-11-landing-v1", ConsentVersion(DefaultConsent), "consents to the built-in line keep their version")
	a := ConsentVersion("One email every two days.")
	b := ConsentVersion("One email every three days.")
	require.NotEqual(t, a, b)
	require.Equal(t, a, ConsentVersion("One email every two days."))
	require.LessOrEqual(t, len(a), 32, "fits consents.text_version")
}

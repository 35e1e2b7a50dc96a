package emails

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/course"
)

// The confirmation goes to an address nobody has confirmed: whatever a
// visitor typed as their name must not reach that inbox.
func TestConfirmationRepeatsNothingAVisitorTyped(t *testing.T) {
	t.Parallel()
	typed := "Claim your prize at evil.example"

	// A coach's own confirm.md that asks for the name everywhere.
	files := fstest.MapFS{}
	require.NoError(t, fs.WalkDir(course.Default(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(course.Default(), path)
		files[path] = &fstest.MapFile{Data: b}
		return err
	}))
	files["confirm.md"] = &fstest.MapFile{Data: []byte("---\nsubject: \"{{ first_name | Hello }}, confirm\"\npreheader: \"For {{ first_name }}\"\n---\n" +
		"Hi {{ first_name | friend }},\n\n[[Confirm]]({{ confirm_url }})\n")}
	custom, err := course.Load(files)
	require.NoError(t, err)
	customRenderer, err := NewRenderer(custom, testSite())
	require.NoError(t, err)

	for name, r := range map[string]*Renderer{"built-in": MustRenderer(t), "custom": customRenderer} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			v := testVars("confirm")
			v.FirstName = typed
			e, err := r.Confirmation(v)
			require.NoError(t, err)
			for part, s := range map[string]string{"subject": e.Subject, "preheader": e.Preheader, "html": e.HTML, "text": e.Text} {
				require.NotContains(t, s, "evil.example", part)
				require.NotContains(t, s, "Claim", part)
			}
			require.Contains(t, e.Text, v.ConfirmURL)
		})
	}
	e, err := customRenderer.Confirmation(testVars("confirm"))
	require.NoError(t, err)
	require.Equal(t, "Hello, confirm", e.Subject, "the fallback stands in for the name")
	require.True(t, strings.HasPrefix(strings.TrimSpace(e.Text), "Hi friend,"), e.Text)

	// Lessons, sent only after the opt-in, keep the name.
	lesson := MustRenderer(t).Course().Lessons[0].Slug
	l, err := MustRenderer(t).Lesson(lesson, testVars(lesson))
	require.NoError(t, err)
	require.Contains(t, l.Subject+l.Text, "Sam")
}

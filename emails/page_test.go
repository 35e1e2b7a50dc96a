package emails

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPageHTMLEscapesValuesAndRawHTML(t *testing.T) {
	t.Parallel()
	got, err := PageHTML("A link went to **{{ email }}**.\n\n<script>alert(1)</script>\n\n[Start over](/)",
		map[string]string{"email": "<b>*x*</b>@example.com"})
	require.NoError(t, err)
	require.Contains(t, got, "<strong>&lt;b&gt;*x*&lt;/b&gt;@example.com</strong>", "a value is shown as written")
	require.NotContains(t, got, "<script>", "raw HTML in the copy is left out")
	require.Contains(t, got, `<a href="/">Start over</a>`)

	got, err = PageHTML("with {{ coach_name }}", map[string]string{"coach_name": ""})
	require.NoError(t, err)
	require.Equal(t, "<p>with your coach</p>\n", got, "the usual fallback")

	_, err = PageHTML("{{ nope }}", map[string]string{})
	require.ErrorContains(t, err, "unknown variable {{ nope }}")
}

func TestPageTextFillsVariables(t *testing.T) {
	t.Parallel()
	got, err := PageText("{{ call_minutes }} minutes with {{ coach_name | me }}", map[string]string{"call_minutes": "30", "coach_name": ""})
	require.NoError(t, err)
	require.Equal(t, "30 minutes with me", got)
}

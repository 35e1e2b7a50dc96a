package scorecard

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/fault"
)

func full() Answers {
	a := Answers{Scores: map[string]int{}, Top: []string{"influence", "visibility"}}
	for i, ar := range Areas() {
		a.Scores[ar.Key] = i%MaxScore + 1
	}
	return a
}

func TestEightAreas(t *testing.T) {
	t.Parallel()
	areas := Areas()
	require.Len(t, areas, 8)
	seen := map[string]bool{}
	for _, a := range areas {
		require.NotEmpty(t, a.Name)
		require.NotEmpty(t, a.Statement)
		require.False(t, seen[a.Key], a.Key)
		seen[a.Key] = true
	}
	areas[0].Name = "changed"
	require.Equal(t, "Direction", Areas()[0].Name, "callers get a copy")
}

func TestCheck(t *testing.T) {
	t.Parallel()
	require.Empty(t, full().Check())
	require.True(t, full().Filled())
	require.Equal(t, "Influence and Visibility", full().TopGaps())

	for name, tt := range map[string]struct {
		change func(*Answers)
		want   string
	}{
		"an area unrated": {func(a *Answers) { delete(a.Scores, "leverage") }, "Rate Leverage from 1 to 5."},
		"out of scale":    {func(a *Answers) { a.Scores["ambiguity"] = 6 }, "Rate Ambiguity from 1 to 5, not 6."},
		"unknown area":    {func(a *Answers) { a.Scores["charisma"] = 3 }, `"charisma" is not an area`},
		"one top gap":     {func(a *Answers) { a.Top = a.Top[:1] }, "Mark 2 areas as your top gaps, not 1."},
		"the same twice":  {func(a *Answers) { a.Top = []string{"influence", "influence"} }, "Mark 2 different areas"},
		"unknown top gap": {func(a *Answers) { a.Top = []string{"influence", "charisma"} }, "Mark 2 different areas"},
	} {
		a := full()
		tt.change(&a)
		err := a.Validate()
		require.ErrorIs(t, err, ErrIncomplete, name)
		require.Contains(t, err.Error(), tt.want, name)
		require.Equal(t, fault.Invalid, fault.KindOf(err), name)
		require.False(t, a.Filled(), name)
		require.Empty(t, a.TopGaps(), name)
	}
}

func TestEncodeDecode(t *testing.T) {
	t.Parallel()
	enc, err := full().Encode()
	require.NoError(t, err)
	got, err := Decode(enc)
	require.NoError(t, err)
	require.Equal(t, full(), got)

	none, err := Decode("")
	require.NoError(t, err)
	require.False(t, none.Filled())
	require.Empty(t, none.TopGaps(), "not filled in: the lesson's fallback")

	_, err = Answers{}.Encode()
	require.True(t, errors.Is(err, ErrIncomplete))
	r := full().Ratings()
	require.Len(t, r, 8)
	require.True(t, r[2].Top)
	require.Equal(t, "Influence", r[2].Name)
}

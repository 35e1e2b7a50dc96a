package booking

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/fault"
)

var testQuestions = []Question{
	{ID: "company", Label: "Where do you work?", Type: QuestionText, Required: true},
	{ID: "stage", Label: "How far along?", Type: QuestionSelect, Options: []string{"Not started", "Interviewing"}},
	{ID: "hope", Label: "What would help?", Type: QuestionTextarea},
}

func TestAnswersValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		answers Answers
		field   string
		message string
	}{
		{"all good", Answers{"company": "Acme", "stage": "Interviewing", "hope": "Line one\nline two"}, "", ""},
		{"optional left out", Answers{"company": "Acme"}, "", ""},
		{"required left out", Answers{"hope": "x"}, "answers.company", "Where do you work: please answer this question"},
		{"blank is left out", Answers{"company": "   "}, "answers.company", "please answer"},
		{"not an option", Answers{"company": "Acme", "stage": "Hired"}, "answers.stage", "How far along: choose one of the options"},
		{"too long", Answers{"company": "Acme", "hope": strings.Repeat("é", AnswerLimit+1)}, "answers.hope", "at most 2000 characters"},
		{"just long enough", Answers{"company": "Acme", "hope": strings.Repeat("é", AnswerLimit)}, "", ""},
		{"control characters", Answers{"company": "Ac\x00me"}, "answers.company", "contains control characters"},
		{"no such question", Answers{"company": "Acme", "age": "40"}, "answers.age", `"age": there is no such question`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.answers.clean().validate(testQuestions)
			if tt.field == "" {
				require.NoError(t, err)
				return
			}
			var fe *fault.FieldError
			require.True(t, errors.As(err, &fe), "want a field error, got %v", err)
			require.Equal(t, tt.field, fe.Field)
			require.Contains(t, fe.Message, tt.message)
		})
	}
}

func TestLabelledFollowsTheQuestions(t *testing.T) {
	t.Parallel()
	got := Labelled(testQuestions, Answers{"hope": "A plan", "company": "Acme", "old": "From an earlier form", "gone": ""})
	require.Equal(t, []QA{
		{Question: "Where do you work?", Answer: "Acme"},
		{Question: "How far along?", Answer: ""},
		{Question: "What would help?", Answer: "A plan"},
		{Question: "old", Answer: "From an earlier form"},
	}, got, "the questions' order, then answers to questions no longer asked")
}

package course

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"
)

func trackSrc(slug, track string, day int) string {
	return strings.Replace(lessonSrc(slug, day, "Missed"), "day:", "track: "+track+"\nday:", 1)
}

func TestTrackLessonsLeaveTheCourse(t *testing.T) {
	fsys := testCourse()
	// Day 0 after the course's day 2, and in file-name order before it:
	// a track's days count on their own.
	fsys["00-missed.md"] = &fstest.MapFile{Data: []byte(trackSrc("missed", TrackNoShow, 0))}
	fsys["99-missed-again.md"] = &fstest.MapFile{Data: []byte(trackSrc("missed-again", TrackNoShow, 3))}
	c, err := Load(fsys)
	require.NoError(t, err)
	var slugs []string
	for _, l := range c.Lessons {
		slugs = append(slugs, l.Slug)
	}
	require.Equal(t, []string{"welcome", "next"}, slugs, "track lessons are not in the course's sequence")
	track := c.Track(TrackNoShow)
	require.Len(t, track, 2)
	require.Equal(t, "missed", track[0].Slug)
	require.Equal(t, TrackNoShow, track[1].Track)
	_, i, ok := c.TrackLesson(TrackNoShow, "missed-again")
	require.True(t, ok)
	require.Equal(t, 1, i)
	_, _, ok = c.Lesson("missed")
	require.False(t, ok)
}

func TestDefaultCourseHasANoShowTrack(t *testing.T) {
	c, err := Load(Default())
	require.NoError(t, err)
	track := c.Track(TrackNoShow)
	require.NotEmpty(t, track)
	require.Equal(t, 0, track[0].Day, "the first follow-up goes out at once")
	for _, l := range track {
		require.Contains(t, l.Body, "{{ booking_url }}", "%s offers a new time", l.File)
	}
	gaps, _, _ := c.Lesson("identify-your-gaps")
	require.True(t, gaps.Uses("scorecard_url"), "lesson 3 links the scorecard")
	for _, slug := range []string{"close-your-gaps", "position-yourself"} {
		l, _, _ := c.Lesson(slug)
		require.True(t, l.Uses("top_gaps"), slug)
	}
	welcome, _, _ := c.Lesson("welcome")
	require.False(t, welcome.Uses("top_gaps"))
}

func TestScorecardAndTrackProblems(t *testing.T) {
	body := func(b string) string {
		return "---\nslug: welcome\nday: 0\nsubject: Welcome\npreheader: Hello\n---\n" + b + "\n"
	}
	for _, tt := range []struct {
		name, file, src, want string
	}{
		{"top_gaps without a fallback", "01-welcome.md", body("Your gaps: {{ top_gaps }}."), "line 7: {{ top_gaps }} is empty for those who have not filled in the scorecard"},
		{"scorecard_url in confirm.md", "confirm.md", "---\nsubject: Confirm\npreheader: Hi\n---\n[[Yes]]({{ confirm_url }})\n\n[Rate]({{ scorecard_url }})\n", "unknown variable {{ scorecard_url }}"},
		// The confirmation's send has no booking or unsubscribe link: a
		// course that used one would pass every check and confirm nobody.
		{"unsubscribe_url in confirm.md", "confirm.md", "---\nsubject: Confirm\npreheader: Hi\n---\n[[Yes]]({{ confirm_url }})\n\nNot you? [Unsubscribe]({{ unsubscribe_url }})\n", "line 7: unknown variable {{ unsubscribe_url }}"},
		{"booking_url in confirm.md", "confirm.md", "---\nsubject: Confirm\npreheader: Hi\n---\n[[Yes]]({{ confirm_url }})\n\n[Book]({{ booking_url }})\n", "unknown variable {{ booking_url }}"},
		{"unknown track", "03-missed.md", trackSrc("missed", "no_show", 0), `track "no_show" is not a track; the tracks are no-show`},
		{"track slug used by the course", "03-missed.md", trackSrc("welcome", TrackNoShow, 0), `slug "welcome" is already used by 01-welcome.md`},
		{"track days go backwards", "04-missed-b.md", trackSrc("missed-b", TrackNoShow, 1), "day 1 comes after day 5 in 03-missed-a.md"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fsys := testCourse()
			fsys[tt.file] = &fstest.MapFile{Data: []byte(tt.src)}
			if tt.name == "track days go backwards" {
				fsys["03-missed-a.md"] = &fstest.MapFile{Data: []byte(trackSrc("missed-a", TrackNoShow, 5))}
			}
			_, err := Load(fsys)
			var ce *Error
			require.True(t, errors.As(err, &ce), "want *Error, got %v", err)
			require.Contains(t, ce.Error(), tt.want)
		})
	}

	fsys := testCourse()
	fsys["01-welcome.md"] = &fstest.MapFile{Data: []byte(body("Your gaps: {{ top_gaps | the two you marked }}.\n\n[Rate]({{ scorecard_url }})"))}
	_, err := Load(fsys)
	require.NoError(t, err, "with a fallback, top_gaps is fine in a lesson")
}

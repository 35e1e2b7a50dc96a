package emails

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/booking"
	"github.com/dripbook/dripbook/course"
	"github.com/dripbook/dripbook/testenv"
)

func TestLessonFourNamesTheTopGaps(t *testing.T) {
	t.Parallel()
	r := MustRenderer(t)
	with := testVars("close-your-gaps")
	with.TopGaps = testenv.Scorecard().TopGaps()
	e, err := r.Lesson("close-your-gaps", with)
	require.NoError(t, err)
	require.Contains(t, testenv.Flat(e.Text), "Last time you named your top two gaps: Influence and Visibility.")
	require.Contains(t, e.HTML, "Last time you named your top two gaps: Influence and Visibility.")

	// Not filled in: the lesson's fallback.
	e, err = r.Lesson("close-your-gaps", testVars("close-your-gaps"))
	require.NoError(t, err)
	require.Contains(t, testenv.Flat(e.Text), "Last time you named your top two gaps: the two you marked.")
	require.NotContains(t, e.Text, "{{")

	e, err = r.Lesson("position-yourself", with)
	require.NoError(t, err)
	require.Contains(t, testenv.Flat(e.Text), "answer your top gaps (Influence and Visibility).")
}

func TestLessonThreeLinksTheScorecard(t *testing.T) {
	t.Parallel()
	r := MustRenderer(t)
	v := testVars("identify-your-gaps")
	e, err := r.Lesson("identify-your-gaps", v)
	require.NoError(t, err)
	require.Contains(t, e.HTML, `href="`+v.ScorecardURL+`"`)
	require.Contains(t, e.Text, v.ScorecardURL)
}

func TestCoachBriefShowsTheScorecard(t *testing.T) {
	t.Parallel()
	r := MustRenderer(t)
	v := testBooking(t)
	e, err := r.CoachBrief(v, booking.EventBooked)
	require.NoError(t, err)
	require.Contains(t, e.Text, "Their gap scorecard\n-------------------\n\nThey have not filled in the scorecard.")

	v.Scorecard = testenv.Scorecard()
	e, err = r.CoachBrief(v, booking.EventBooked)
	require.NoError(t, err)
	_, text := checkCleanBookingEmail(t, e)
	require.Contains(t, text, "Top gaps: Influence, Visibility")
	require.Contains(t, e.Text, "- Influence: 2 of 5 (top gap)\n")
	require.Contains(t, e.Text, "- Developing others: 5 of 5\n")
	require.Contains(t, e.HTML, `<li style="margin-top:0;margin-bottom:8px;">Visibility: 1 of 5 (top gap)</li>`)
}

func TestNoShowTrackRenders(t *testing.T) {
	t.Parallel()
	r := MustRenderer(t)
	track := r.Course().Track(course.TrackNoShow)
	require.Len(t, track, 2)
	v := testVars("missed")
	v.BookingURL = testBase + "/booking/tok/reschedule"
	e, err := r.TrackLesson(course.TrackNoShow, track[0].Slug, v)
	require.NoError(t, err)
	require.Equal(t, "We missed each other: pick a new time?", e.Subject)
	require.Contains(t, e.Text, "Pick a new time: "+v.BookingURL)
	_, err = r.TrackLesson(course.TrackNoShow, "welcome", v)
	require.ErrorIs(t, err, ErrUnknownLesson, "a course lesson is not in the track")
}

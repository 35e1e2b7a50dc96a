package worker_test

import (
	"context"
	"fmt"
	"maps"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/testenv"
)

func lessonFile(slug string, day int, body string) *fstest.MapFile {
	return &fstest.MapFile{Data: fmt.Appendf(nil, `---
slug: %s
day: %d
subject: "Lesson %s"
preheader: "About %s"
---
Hi {{ first_name }}, %s

[[Book a call]]({{ booking_url }})
`, slug, day, slug, slug, body)}
}

func courseFiles(lessons map[string]*fstest.MapFile) fstest.MapFS {
	fsys := fstest.MapFS{
		"course.yaml": {Data: []byte("title: Test course\n")},
		"confirm.md":  {Data: []byte("---\nsubject: Confirm\npreheader: One click\n---\n[[Confirm]]({{ confirm_url }})\n")},
	}
	for name, f := range lessons {
		fsys[name] = f
	}
	return fsys
}

// TestEditingALiveCourse changes the course under a subscriber who is half
// way through it: a lesson added behind them is not sent late, a removed one
// is skipped, and an edited one goes out with its new text.
// twoLessonsIn gives addr a course of welcome (day 0), second (day 1) and
// more, with a harness whose worker is stopped (the test drives the engine
// itself, task by task), and sends them the first two.
func twoLessonsIn(t *testing.T, addr string, more map[string]*fstest.MapFile) (*harness, int64) {
	t.Helper()
	h := newHarness(t, testenv.Redis(t))
	h.stop()
	ctx := context.Background()
	files := map[string]*fstest.MapFile{
		"01-welcome.md": lessonFile("welcome", 0, "welcome text."),
		"02-second.md":  lessonFile("second", 1, "second text."),
	}
	maps.Copy(files, more)
	h.useCourse(courseFiles(files))
	res, err := h.store.Subscribe(ctx, models.Signup{Email: addr, Name: "Eda", TextVersion: "test"})
	require.NoError(t, err)
	id := res.SubscriberID
	require.NoError(t, h.engine.Confirm(ctx, id))
	require.NoError(t, h.engine.SendLesson(ctx, id, "welcome"))
	require.NoError(t, h.engine.SendLesson(ctx, id, "second"))
	return h, id
}

func TestEditingALiveCourse(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	addr := "editor@example.com"
	h, id := twoLessonsIn(t, addr, map[string]*fstest.MapFile{
		"03-third.md":  lessonFile("third", 2, "third text."),
		"04-fourth.md": lessonFile("fourth", 3, "the original fourth text."),
	})
	enr, err := h.store.Enrollment(ctx, id)
	require.NoError(t, err)
	require.Equal(t, "third", enr.NextStep)

	// The coach edits the course and restarts dripbook.
	h.useCourse(courseFiles(map[string]*fstest.MapFile{
		"01-welcome.md":    lessonFile("welcome", 0, "welcome text."),
		"015-earlier.md":   lessonFile("earlier", 1, "added behind the subscriber."),
		"02-second.md":     lessonFile("second", 1, "second text."),
		"04-fourth.md":     lessonFile("fourth", 3, "the rewritten fourth text."),
		"05-new-ending.md": lessonFile("new-ending", 4, "added ahead of the subscriber."),
	}))
	require.NoError(t, h.engine.SendLesson(ctx, id, "third"), "the queued task names a removed lesson")
	enr, err = h.store.Enrollment(ctx, id)
	require.NoError(t, err)
	require.Equal(t, "fourth", enr.NextStep, "the removed lesson is skipped, the one added behind is not sent late")
	require.NoError(t, h.engine.SendLesson(ctx, id, "fourth"))
	require.NoError(t, h.engine.SendLesson(ctx, id, "new-ending"))

	got := h.waitMail(addr, 4, 5*time.Second)
	require.Equal(t, []string{"welcome", "second", "fourth", "new-ending"}, lessonSlugs(got))
	require.Contains(t, got[2].Text, "the rewritten fourth text.")
	require.NotContains(t, got[2].Text, "original")
	enr, err = h.store.Enrollment(ctx, id)
	require.NoError(t, err)
	require.Equal(t, models.EnrollmentFinished, enr.Status)
}

// A lesson added ahead of a subscriber who already waits for a later one
// still comes, before it; and lessons that moved later than one sent
// still come too.
func TestALessonAddedAheadOfAWaitingSubscriberComes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	addr := "waiting@example.com"
	h, id := twoLessonsIn(t, addr, map[string]*fstest.MapFile{"04-fourth.md": lessonFile("fourth", 4, "fourth text.")})

	// The coach adds a day-3 lesson while the subscriber waits for day 4.
	h.useCourse(courseFiles(map[string]*fstest.MapFile{
		"01-welcome.md": lessonFile("welcome", 0, "welcome text."),
		"02-second.md":  lessonFile("second", 1, "second text."),
		"03-third.md":   lessonFile("third", 3, "added ahead."),
		"04-fourth.md":  lessonFile("fourth", 4, "fourth text."),
	}))
	require.NoError(t, h.engine.SendLesson(ctx, id, "fourth"), "the queued task names the lesson planned before the edit")
	enr, err := h.store.Enrollment(ctx, id)
	require.NoError(t, err)
	require.Equal(t, "third", enr.NextStep, "the added lesson comes first")
	require.NoError(t, h.engine.SendLesson(ctx, id, "third"))
	require.NoError(t, h.engine.SendLesson(ctx, id, "fourth"))
	got := h.waitMail(addr, 4, 5*time.Second)
	require.Equal(t, []string{"welcome", "second", "third", "fourth"}, lessonSlugs(got))
}

// A lesson moved behind a subscriber who was waiting for it is not sent,
// even when it was the last one: the course is over for them.
func TestALessonMovedBehindAWaitingSubscriberIsNotSent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	addr := "moved@example.com"
	h, id := twoLessonsIn(t, addr, map[string]*fstest.MapFile{"03-third.md": lessonFile("third", 3, "third text.")})
	// The coach moves the last lesson before the second, on its day.
	h.useCourse(courseFiles(map[string]*fstest.MapFile{
		"01-welcome.md": lessonFile("welcome", 0, "welcome text."),
		"015-third.md":  lessonFile("third", 1, "third text, moved."),
		"02-second.md":  lessonFile("second", 1, "second text."),
	}))
	require.NoError(t, h.engine.SendLesson(ctx, id, "third"))
	enr, err := h.store.Enrollment(ctx, id)
	require.NoError(t, err)
	require.Equal(t, models.EnrollmentFinished, enr.Status)
	require.Equal(t, []string{"welcome", "second"}, lessonSlugs(h.mailTo(addr)), "sends are done when SendLesson returns")
}

package course

import (
	"embed"
	"fmt"
	"io/fs"
)

//go:embed builtin
var courseFS embed.FS

// Default returns the course that ships inside the binary, for use with
// Load when no COURSE_DIR is configured.
func Default() fs.FS {
	sub, err := fs.Sub(courseFS, "builtin")
	if err != nil {
		// fs.Sub only fails on an invalid path, and "builtin" is a constant.
		panic(fmt.Sprintf("embedded course: %v", err))
	}
	return sub
}

// Lesson is one email of a course, as written in its Markdown file.
type Lesson struct {
	// Slug identifies the lesson for good: subscribers' progress is stored by
	// slug, so it survives reordering and edits.
	Slug string
	// Day is the number of days after confirmation the lesson goes out.
	Day int
	// Subject is the raw subject line; it may still contain {{ variables }}.
	Subject string
	// Preheader is the preview line mail clients show after the subject.
	Preheader string
	// StopWhenBooked marks a sales lesson that is skipped once the subscriber
	// has booked a call.
	StopWhenBooked bool
	// Track names the follow-up track the lesson belongs to (TrackNoShow);
	// empty for the course itself.
	Track string
	// Body is the Markdown source after the front matter.
	Body string
	// File is the lesson's file name, used in messages to the coach.
	File string
}

// Course is a loaded and checked course: its title, the double opt-in email,
// the lessons in sending order, and the copy of the pages visitors read.
type Course struct {
	// Title is shown in every footer and on the landing page.
	Title string
	// Confirm is the double opt-in email (confirm.md), with Slug "confirm".
	Confirm Lesson
	// Lessons are ordered by day, then by file name.
	Lessons []Lesson
	// Tracks are the follow-up tracks by name, each ordered like Lessons;
	// their lessons are not part of the course's sequence.
	Tracks map[string][]Lesson

	// Landing is the landing page (landing.md).
	Landing Landing
	// Accent is the coach's colour, as #rgb or #rrggbb (course.yaml).
	Accent string
	// Booking is the booking page's intro and intake questions.
	Booking Booking
	// CheckInbox is the page shown after signup, Confirmed the one shown
	// after the confirmation link.
	CheckInbox, Confirmed Page
	// Borrowed names the parts the folder does not write and that come from
	// the built-in course: landing.md or a course.yaml setting.
	Borrowed []string
}

// Lesson finds a lesson by slug and returns it with its 0-based position.
func (c *Course) Lesson(slug string) (Lesson, int, bool) {
	for i, l := range c.Lessons {
		if l.Slug == slug {
			return l, i, true
		}
	}
	return Lesson{}, -1, false
}

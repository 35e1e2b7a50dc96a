// Package drip runs the course: the rules for which lesson a subscriber gets
// next and when, and the engine that sends each email once and plans the next
// step through the Store, Queue, Renderer and Mailer it declares. It knows no
// database, queue, SMTP server or HTTP.
package drip

import (
	"time"

	"github.com/dripbook/dripbook/course"
	"github.com/dripbook/dripbook/timezone"
)

// Schedule is the course's timing.
type Schedule struct {
	Day       time.Duration  // length of one course day (COURSE_DAY)
	SendHour  int            // local hour lessons go out on real days
	DefaultTZ *time.Location // for subscribers whose zone is unknown
}

// Calendar reports whether course days are calendar days, aligned to the send
// hour in the subscriber's zone; shorter days run on the clock alone.
func (s Schedule) Calendar() bool { return s.Day == 24*time.Hour }

// Location returns the subscriber's zone, or the default one.
func (s Schedule) Location(tz string) *time.Location {
	return timezone.First(s.DefaultTZ, tz)
}

// DueAt is when the lesson for day falls due for a subscriber whose day 0
// began at anchor. Day 0 is due at once; on calendar days later lessons go
// out at the send hour in the subscriber's zone.
func (s Schedule) DueAt(anchor time.Time, day int, loc *time.Location) time.Time {
	if day <= 0 {
		return anchor
	}
	if !s.Calendar() {
		return anchor.Add(time.Duration(day) * s.Day)
	}
	l := anchor.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day()+day, s.SendHour, 0, 0, 0, loc).UTC()
}

// Rebase returns the anchor that makes day fall due at now: a subscriber who
// comes back continues where they left off, with the usual spacing after.
func (s Schedule) Rebase(now time.Time, day int, loc *time.Location) time.Time {
	if !s.Calendar() {
		return now.Add(-time.Duration(day) * s.Day)
	}
	return now.In(loc).AddDate(0, 0, -day).UTC()
}

// Next picks the next lesson: the first one, in course order, that has not
// been sent, is not behind the subscriber (on an earlier day than the last
// one sent, or on that day but before the last of its lessons sent), and
// is not a sales lesson for someone who has booked. Lessons are matched by
// slug and placed by day, so an edited course neither repeats a lesson nor
// sends a newly added one out of order: one added behind the subscriber is
// not sent, one added ahead of them is, and lessons moved later still come.
func Next(c *course.Course, sent map[string]bool, lastDay int, booked bool) (course.Lesson, bool) {
	from := 0 // lessons of lastDay before this index are behind the subscriber
	for i, l := range c.Lessons {
		if sent[l.Slug] && l.Day == lastDay {
			from = i + 1
		}
	}
	for i, l := range c.Lessons {
		behind := l.Day < lastDay || (l.Day == lastDay && i < from)
		if sent[l.Slug] || behind || (booked && l.StopWhenBooked) {
			continue
		}
		return l, true
	}
	return course.Lesson{}, false
}

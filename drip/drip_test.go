package drip

import (
	"testing"
	"time"

	"github.com/dripbook/dripbook/course"
)

func newCourse(ls ...course.Lesson) *course.Course { return &course.Course{Lessons: ls} }

func TestNext(t *testing.T) {
	a := course.Lesson{Slug: "a", Day: 0}
	b := course.Lesson{Slug: "b", Day: 2}
	added := course.Lesson{Slug: "added", Day: 1}
	c := course.Lesson{Slug: "c", Day: 4, StopWhenBooked: true}
	d := course.Lesson{Slug: "d", Day: 6}

	tests := []struct {
		name    string
		course  *course.Course
		sent    []string
		lastDay int
		booked  bool
		want    string
	}{
		{"first lesson", newCourse(a, b, c), nil, -1, false, "a"},
		{"in order", newCourse(a, b, c), []string{"a"}, 0, false, "b"},
		{"finished", newCourse(a, b), []string{"a", "b"}, 2, false, ""},
		{"added before where they are is not sent late", newCourse(a, added, b, c), []string{"a", "b"}, 2, false, "c"},
		{"added ahead of them is sent", newCourse(a, added, b), []string{"a"}, 0, false, "added"},
		{"removed lesson is skipped", newCourse(a, c), []string{"a", "b"}, 2, false, "c"},
		{"booked skips sales lessons", newCourse(a, b, c, d), []string{"a", "b"}, 2, true, "d"},
		{"not booked gets sales lessons", newCourse(a, b, c, d), []string{"a", "b"}, 2, false, "c"},
		{"a sent lesson moved later leaves the ones after it", newCourse(a, c, d, course.Lesson{Slug: "b", Day: 8}), []string{"a", "b"}, 2, false, "c"},
		{"same day, before the last sent: behind", newCourse(a, course.Lesson{Slug: "same", Day: 2}, b, d), []string{"a", "b"}, 2, false, "d"},
		{"same day, after the last sent: ahead", newCourse(a, b, course.Lesson{Slug: "same", Day: 2}, d), []string{"a", "b"}, 2, false, "same"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sent := map[string]bool{}
			for _, s := range tt.sent {
				sent[s] = true
			}
			got, ok := Next(tt.course, sent, tt.lastDay, tt.booked)
			if tt.want == "" {
				if ok {
					t.Fatalf("Next() = %q, want none", got.Slug)
				}
				return
			}
			if !ok || got.Slug != tt.want {
				t.Fatalf("Next() = %q (%v), want %q", got.Slug, ok, tt.want)
			}
		})
	}
}

func TestDueAt(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	cal := Schedule{Day: 24 * time.Hour, SendHour: 9, DefaultTZ: time.UTC}
	short := Schedule{Day: 2 * time.Second, SendHour: 9, DefaultTZ: time.UTC}
	// 22:30 UTC on 7 Mar 2026 is 17:30 in New York and 07:30 on 8 Mar in Tokyo.
	anchor := time.Date(2026, 3, 7, 22, 30, 0, 0, time.UTC)

	tests := []struct {
		name  string
		sched Schedule
		day   int
		loc   *time.Location
		want  time.Time
	}{
		{"day 0 is at once", cal, 0, ny, anchor},
		{"short days run on the clock", short, 3, ny, anchor.Add(6 * time.Second)},
		// New York springs forward on 8 Mar 2026: 09:00 EDT is 13:00 UTC, not 14:00.
		{"send hour the day after", cal, 2, ny, time.Date(2026, 3, 9, 13, 0, 0, 0, time.UTC)},
		{"send hour on the day clocks change", cal, 1, ny, time.Date(2026, 3, 8, 13, 0, 0, 0, time.UTC)},
		{"local date, not UTC date", cal, 1, tokyo, time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.sched.DueAt(anchor, tt.day, tt.loc); !got.Equal(tt.want) {
				t.Fatalf("DueAt() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRebaseKeepsSpacing(t *testing.T) {
	now := time.Date(2026, 5, 10, 15, 0, 0, 0, time.UTC)
	s := Schedule{Day: 2 * time.Second, SendHour: 9, DefaultTZ: time.UTC}
	anchor := s.Rebase(now, 4, time.UTC)
	if got := s.DueAt(anchor, 4, time.UTC); !got.Equal(now) {
		t.Fatalf("day 4 due %v, want now %v", got, now)
	}
	if got := s.DueAt(anchor, 6, time.UTC); !got.Equal(now.Add(4 * time.Second)) {
		t.Fatalf("day 6 due %v, want two days after now", got)
	}
}

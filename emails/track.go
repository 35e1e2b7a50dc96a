package emails

import (
	"fmt"

	"github.com/dripbook/dripbook/course"
	"github.com/dripbook/dripbook/message"
)

// TrackLesson renders the lesson with slug of a follow-up track for one
// subscriber; lesson_number and lesson_total count within the track.
func (r *Renderer) TrackLesson(track, slug string, v course.Vars) (message.Content, error) {
	l, i, ok := r.course.TrackLesson(track, slug)
	if !ok {
		return message.Content{}, fmt.Errorf("render %s lesson %s: %w", track, slug, ErrUnknownLesson)
	}
	return r.lesson(l, i+1, len(r.course.Track(track)), v)
}

// sampleTracks renders every track lesson once, as NewRenderer does the
// course's.
func (r *Renderer) sampleTracks(sample course.Vars) error {
	for name, ls := range r.course.Tracks {
		for _, l := range ls {
			if _, err := r.TrackLesson(name, l.Slug, sample); err != nil {
				return err
			}
		}
	}
	return nil
}

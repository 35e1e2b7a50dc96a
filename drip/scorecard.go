package drip

import (
	"context"
	"fmt"

	"github.com/dripbook/dripbook/course"
	"github.com/dripbook/dripbook/message"
	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/scorecard"
)

// ScorecardStore reads a subscriber's gap scorecard; storage.Store
// implements it.
type ScorecardStore interface {
	// ScorecardAnswers returns the answers, or the zero Answers when the
	// subscriber has not filled it in.
	ScorecardAnswers(ctx context.Context, subscriberID int64) (scorecard.Answers, error)
}

// lessonMessage renders a lesson as LessonMessage does, with the
// subscriber's top gaps when the lesson shows them.
func (e *Engine) lessonMessage(ctx context.Context, sub models.Subscriber, lesson course.Lesson) (*message.Message, error) {
	top, err := e.topGaps(ctx, sub, lesson)
	if err != nil {
		return nil, err
	}
	return e.renderLesson(sub, lesson, top)
}

// topGaps is the subscriber's two top gaps when lesson shows them, of a
// course or a track.
func (e *Engine) topGaps(ctx context.Context, sub models.Subscriber, lesson course.Lesson) (string, error) {
	if !lesson.Uses("top_gaps") {
		return "", nil
	}
	a, err := e.store.ScorecardAnswers(ctx, sub.ID)
	if err != nil {
		return "", fmt.Errorf("render lesson %s: %w", lesson.Slug, err)
	}
	return a.TopGaps(), nil
}

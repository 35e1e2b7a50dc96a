package worker

import (
	"context"
	"time"
)

// TypeNoShowSend sends one lesson of a missed call's follow-up.
const TypeNoShowSend = "noshow:send"

// NoShowPayload names one follow-up lesson of one version of a booking: a
// rebooked call has a new sequence, and its old tasks send nothing.
type NoShowPayload struct {
	BookingID int64  `json:"booking_id"`
	Sequence  int    `json:"sequence"`
	Slug      string `json:"slug"`
}

func (p NoShowPayload) valid() bool { return p.BookingID != 0 && p.Slug != "" }

// NoShow queues one follow-up lesson of a missed call for at.
func (q *Queue) NoShow(ctx context.Context, bookingID int64, sequence int, slug string, at time.Time) error {
	p := NoShowPayload{BookingID: bookingID, Sequence: sequence, Slug: slug}
	_, err := q.enqueue(ctx, TypeNoShowSend, p, noShowTaskID(bookingID, sequence, slug), at)
	return err
}

// NoShowPlanner queues the follow-up of missed calls each reconciler round;
// the drip Engine implements it.
type NoShowPlanner interface {
	PlanNoShows(ctx context.Context) error
}

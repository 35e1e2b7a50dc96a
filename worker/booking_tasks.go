package worker

import (
	"context"
	"time"

	"github.com/dripbook/dripbook/booking"
	"github.com/dripbook/dripbook/models"
)

// Booking task types.
const (
	TypeBookingNotify = "booking:notify"
	TypeBookingRemind = "booking:remind"
)

// BookingPayload names one version of a booking: the sequence changes with
// every reschedule or cancellation.
type BookingPayload struct {
	BookingID int64 `json:"booking_id"`
	Sequence  int   `json:"sequence"`
}

// ReminderPayload asks for one reminder of a booking: lead before Start,
// queued by the version Sequence.
type ReminderPayload struct {
	BookingID int64         `json:"booking_id"`
	Sequence  int           `json:"sequence"`
	Lead      time.Duration `json:"lead"`
	Start     time.Time     `json:"start,omitzero"` // zero in tasks queued before reminders named their start
}

// BookingChanged queues the emails for a booking's new state and, for a
// confirmed booking, its reminders. It implements booking.Notifier.
func (q *Queue) BookingChanged(ctx context.Context, b models.Booking, _ booking.Event) error {
	_, err := q.bookingNotice(ctx, b)
	return err
}

func (q *Queue) bookingNotice(ctx context.Context, b models.Booking) (bool, error) {
	p := BookingPayload{BookingID: b.ID, Sequence: b.Sequence}
	return q.enqueue(ctx, TypeBookingNotify, p, noticeTaskID(b.ID, b.Sequence), time.Time{})
}

// overdueReminder is the reminder of b whose time came last before now,
// if one did after the booking was made or moved: the one that is still
// worth sending when a lost task or an outage kept it back.
func overdueReminder(b models.Booking, leads []time.Duration, now time.Time) (time.Duration, bool) {
	var last time.Duration
	found := false
	for _, lead := range leads {
		at := b.Start.Add(-lead)
		if at.After(b.UpdatedAt) && !at.After(now) && b.Start.After(now) && (!found || lead < last) {
			last, found = lead, true
		}
	}
	return last, found
}

// reminderNow queues b's reminder lead to go at once.
func (q *Queue) reminderNow(ctx context.Context, b models.Booking, lead time.Duration) (bool, error) {
	p := ReminderPayload{BookingID: b.ID, Sequence: b.Sequence, Lead: lead, Start: b.Start}
	return q.enqueue(ctx, TypeBookingRemind, p, reminderTaskID(b.ID, b.Sequence, lead), time.Time{})
}

// Reminders queues the reminders of a confirmed booking that fall after it
// was made or moved (a call booked five hours ahead gets no 24-hour reminder)
// and after since: the reconciler passes the current time, and queues a
// reminder whose time has passed unsent with overdueReminder.
func (q *Queue) Reminders(ctx context.Context, b models.Booking, leads []time.Duration, since time.Time) (int, error) {
	if b.Status != models.BookingConfirmed {
		return 0, nil
	}
	n := 0
	for _, lead := range leads {
		at := b.Start.Add(-lead)
		if !at.After(b.UpdatedAt) || !at.After(since) {
			continue
		}
		p := ReminderPayload{BookingID: b.ID, Sequence: b.Sequence, Lead: lead, Start: b.Start}
		added, err := q.enqueue(ctx, TypeBookingRemind, p, reminderTaskID(b.ID, b.Sequence, lead), at)
		if err != nil {
			return n, err
		}
		if added {
			n++
		}
	}
	return n, nil
}

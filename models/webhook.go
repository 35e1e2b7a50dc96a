package models

import "time"

// Webhook event types: the contract of "Events out".
const (
	EventSubscriberConfirmed    = "subscriber.confirmed"
	EventSubscriberUnsubscribed = "subscriber.unsubscribed"
	EventSubscriberBounced      = "subscriber.bounced"
	EventLessonSent             = "lesson.sent"
	EventLinkClicked            = "link.clicked"
	EventBookingCreated         = "booking.created"
	EventBookingRescheduled     = "booking.rescheduled"
	EventBookingCancelled       = "booking.cancelled"
	EventBookingAttended        = "booking.attended"
	EventBookingNoShow          = "booking.no_show"
)

// WebhookMaxAttempts bounds the deliveries of one event: with the queue's
// doubling delays capped at two hours, about a day of trying.
const WebhookMaxAttempts = 21

// WebhookEvent is one event in the outbox, written in the transaction of
// the change it reports. ID is the webhook-id every delivery sends.
type WebhookEvent struct {
	ID           string `gorm:"primaryKey"`
	Type         string
	SubscriberID int64  // whom the event is about: erasing them deletes it
	Payload      string // the JSON body, exactly as signed and sent
	CreatedAt    time.Time
	DeliveredAt  *time.Time
	Attempts     int
	LastError    string
}

// WebhookSubscriber is a subscriber as events describe them.
type WebhookSubscriber struct {
	ID    int64  `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
}

// WebhookBooking is a booking as events describe it.
type WebhookBooking struct {
	ID         int64             `json:"id"`
	Start      time.Time         `json:"start"`
	End        time.Time         `json:"end"`
	Status     string            `json:"status"`
	Scheduler  string            `json:"scheduler,omitempty"` // SchedulerCalcom or SchedulerCalendly, for a call booked there
	Subscriber WebhookSubscriber `json:"subscriber"`
}

// WebhookLesson is a lesson sent, or a lesson's link clicked, by a
// subscriber.
type WebhookLesson struct {
	Lesson     string            `json:"lesson"`
	Subscriber WebhookSubscriber `json:"subscriber"`
}

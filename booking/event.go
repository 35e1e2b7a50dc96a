package booking

import (
	"time"

	"github.com/dripbook/dripbook/locale"
	"github.com/dripbook/dripbook/scorecard"
)

// Event is what happened to a booking.
type Event string

// The events a booking goes through, as told to the Notifier and in the
// coach's brief.
const (
	EventBooked      Event = "booked"
	EventRescheduled Event = "rescheduled"
	EventCancelled   Event = "cancelled"
)

// Notice is what the emails about one version of a booking show, to the
// subscriber and to the coach.
type Notice struct {
	CoachName       string
	SubscriberName  string
	SubscriberEmail string
	Start, End      time.Time
	SubscriberTZ    *time.Location // times shown to the subscriber
	CoachTZ         *time.Location // times shown to the coach
	// SubscriberLocale and CoachLocale are how each writes dates and
	// clocks; the zero Locale is locale.Default.
	SubscriberLocale, CoachLocale locale.Locale
	ManageURL                     string // page with the booking (GET changes nothing)
	CancelURL                     string // page whose button cancels (GET changes nothing)
	RescheduleURL                 string // page to pick a new time
	BookAgainURL                  string // personal booking link, for cancellation emails
	InviteURL                     string // the call's .ics file
	GoogleURL                     string // adds the call in Google Calendar
	OutlookURL                    string // adds the call in Outlook on the web
	Place                         Place  // where the call happens
	Answers                       []QA
	SubscribedAt                  time.Time
	LessonsSent                   []string // subjects of lessons received, in order
	LessonsClicked                []string // lessons whose booking link they clicked
	SourceLesson                  string   // lesson that led to the booking, "" if unknown
	Rescheduled                   bool     // the time changed from an earlier one

	// Scorecard is their gap scorecard; zero if not filled in.
	Scorecard scorecard.Answers
}

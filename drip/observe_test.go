package drip_test

import (
	"testing"

	"github.com/dripbook/dripbook/drip"
	"github.com/dripbook/dripbook/models"
)

func TestDescribeReadsTheEnginesMessageIDs(t *testing.T) {
	t.Parallel()
	for id, want := range map[string]drip.About{
		"confirm.7.2@example.com":            {Kind: models.KindConfirm, SubscriberID: 7},
		"<lesson.12.day-1.gaps@example.com>": {Kind: models.KindLesson, SubscriberID: 12, Lesson: "day-1.gaps"},
		"booking.3.0.booked@example.com":     {Kind: models.KindBooking, BookingID: 3},
		"brief.3.1.rescheduled@example.com":  {Kind: models.KindBrief, BookingID: 3},
		"reminder.4.0.3600@example.com":      {Kind: models.KindReminder, BookingID: 4},
		"no_show.5.1.new-time@example.com":   {Kind: models.KindNoShow, BookingID: 5},
		"test.1@example.com":                 {Kind: "other"},
		"lesson.x.day-1@example.com":         {Kind: "other"},
		"":                                   {Kind: "other"},
	} {
		if got := drip.Describe(id); got != want {
			t.Errorf("Describe(%q) = %+v, want %+v", id, got, want)
		}
	}
}

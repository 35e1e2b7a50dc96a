package worker

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/models"
)

// Of the reminders whose time has passed, only the last one is worth
// sending, and none from before the call was booked, nor after it began.
func TestOverdueReminderIsTheLastOneDue(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	leads := []time.Duration{24 * time.Hour, time.Hour}
	booked := now.Add(-48 * time.Hour)
	for _, tc := range []struct {
		name     string
		start    time.Time
		updated  time.Time
		lead     time.Duration
		wantLate bool
	}{
		{"none due yet", now.Add(25 * time.Hour), booked, 0, false},
		{"the day before", now.Add(23 * time.Hour), booked, 24 * time.Hour, true},
		{"both due: the hour before only", now.Add(30 * time.Minute), booked, time.Hour, true},
		{"booked after the day before", now.Add(30 * time.Minute), now.Add(-2 * time.Hour), time.Hour, true},
		{"booked after both", now.Add(30 * time.Minute), now.Add(-10 * time.Minute), 0, false},
		{"started", now.Add(-time.Minute), booked, 0, false},
	} {
		lead, late := overdueReminder(models.Booking{Start: tc.start, UpdatedAt: tc.updated}, leads, now)
		require.Equal(t, tc.wantLate, late, tc.name)
		require.Equal(t, tc.lead, lead, tc.name)
	}
}

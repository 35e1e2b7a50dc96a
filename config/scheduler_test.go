package config

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSchedulerSettings(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		env  map[string]string
		want Scheduler
	}{
		{"Cal.com", map[string]string{"BOOKING_URL": "https://cal.com/coach/discovery"},
			Scheduler{NameParam: "name", EmailParam: "email", RefParam: "metadata[dripbook_ref]"}},
		{"Calendly", map[string]string{"BOOKING_URL": "https://calendly.com/coach/30min", "CALENDLY_WEBHOOK_SECRET": "k"},
			Scheduler{NameParam: "name", EmailParam: "email", RefParam: "utm_content", CalendlySecret: "k"}},
		{"self-hosted Cal.com", map[string]string{"BOOKING_URL": "https://book.example.com/coach", "CALCOM_WEBHOOK_SECRET": "s"},
			Scheduler{NameParam: "name", EmailParam: "email", RefParam: "metadata[dripbook_ref]", CalcomSecret: "s"}},
		{"another scheduler", map[string]string{
			"BOOKING_URL": "https://meet.example.com/coach", "BOOKING_URL_NAME_PARAM": "full_name",
			"BOOKING_URL_EMAIL_PARAM": "mail", "BOOKING_URL_REF_PARAM": "ref",
		}, Scheduler{NameParam: "full_name", EmailParam: "mail", RefParam: "ref"}},
		{"nothing set", map[string]string{},
			Scheduler{NameParam: "name", EmailParam: "email", RefParam: "dripbook_ref"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := Load(getenv(tc.env))
			require.NoError(t, err)
			require.Equal(t, tc.want, c.Scheduler)
		})
	}
}

package booking_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/booking"
	"github.com/dripbook/dripbook/models"
)

func TestParsePlace(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]booking.Place{
		"":                             {},
		"  https://meet.example/you  ": {URL: "https://meet.example/you"},
		"http://localhost:8080/room":   {URL: "http://localhost:8080/room"},
		"Call me on +1 555 0100":       {Text: "Call me on +1 555 0100"},
		"Room 4, 1 Test Street":        {Text: "Room 4, 1 Test Street"},
		strings.Repeat("x", booking.MaxPlaceText): {Text: strings.Repeat("x", booking.MaxPlaceText)},
	} {
		got, err := booking.ParsePlace(raw)
		require.NoError(t, err, raw)
		require.Equal(t, want, got, raw)
	}
	for raw, want := range map[string]error{
		"ftp://files.example/call": booking.ErrPlaceLink,
		"https://":                 booking.ErrPlaceLink,
		"see meet://x":             booking.ErrPlaceLink,
		strings.Repeat("x", booking.MaxPlaceText+1):                      booking.ErrPlaceTooLong,
		"https://m.example/" + strings.Repeat("x", booking.MaxPlaceText): booking.ErrPlaceTooLong,
	} {
		_, err := booking.ParsePlace(raw)
		require.ErrorIs(t, err, want, raw)
	}
}

func TestCallPlaceFallsBackToTheConfiguredOne(t *testing.T) {
	t.Parallel()
	def := booking.Place{URL: "https://meet.example/coach", Text: "Dial-in +1 555 0100"}
	require.Equal(t, def, booking.CallPlace(models.Booking{}, def))
	require.Equal(t, booking.Place{Text: "Room 4"}, booking.CallPlace(models.Booking{PlaceText: "Room 4"}, def))
	require.Equal(t, booking.Place{URL: "https://x.example/r"}, booking.CallPlace(models.Booking{PlaceURL: "https://x.example/r"}, def))
}

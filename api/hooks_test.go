package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/booking"
	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/token"
)

// A Cal.com booking, move and cancellation, recorded from the
// documentation's example, do to the right subscriber what the same changes
// made here do; forged, stale and replayed deliveries change nothing.
func TestCalcomHook(t *testing.T) {
	t.Parallel()
	env := newHookEnv(t)
	ann := mustSubscriberIn(t, env, "ann@example.com", "Ann", "")
	bob := mustSubscriberIn(t, env, "bob@example.com", "Bob", "")

	// Ann books with another address: the reference finds her.
	created := calcomBody(t, "calcom_booking_created.json", testNow, "ann.at.work@example.org", env.schedulerRef(ann))
	ans := env.mustCalcom(t, created)
	require.Equal(t, "recorded", ans.Status)
	bs := env.bookingsOf(t, ann)
	require.Len(t, bs, 1)
	b := bs[0]
	require.Equal(t, models.BookingConfirmed, b.Status)
	require.Equal(t, models.SchedulerCalcom, b.Scheduler)
	require.Equal(t, "bFJeNb2uX8ANpT3JL5EfXw", *b.ExternalID)
	require.Equal(t, time.Date(2023, 5, 25, 9, 30, 0, 0, time.UTC), b.Start.UTC())
	require.Equal(t, time.Date(2023, 5, 25, 10, 30, 0, 0, time.UTC), b.End.UTC())
	require.Equal(t, "Asia/Kolkata", b.Timezone)
	require.Empty(t, env.bookingsOf(t, bob))
	require.Equal(t, []notice{{b.ID, booking.EventBooked}}, env.notifier.Notices(), "the coach is briefed")
	require.Equal(t, []int64{ann}, env.replanner.IDs(), "her course is re-planned: the sales lessons stop")
	require.Equal(t, []string{models.EventBookingCreated}, env.bookingEvents(t))
	ids, err := env.store.UndeliveredWebhookEvents(context.Background(), 100)
	require.NoError(t, err)
	for _, id := range ids {
		ev, err := env.store.WebhookEvent(context.Background(), id)
		require.NoError(t, err)
		if ev.Type == models.EventBookingCreated {
			require.Contains(t, ev.Payload, `"scheduler":"calcom"`, "the event names where the call was booked")
		}
	}

	before := env.hookState(t, ann, bob)
	t.Run("refused", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			body []byte
			sig  string
		}{
			{"replayed", created, calcomSignature(created)},
			{"replayed in capitals", created, strings.ToUpper(calcomSignature(created))},
			{"unsigned", created, ""},
			{"forged", created, hexHMAC("another secret", string(created))},
			{"tampered", calcomBody(t, "calcom_booking_created.json", testNow, "bob@example.com", ""), calcomSignature(created)},
			{"not hex", created, "zz" + calcomSignature(created)[2:]},
		} {
			rec := env.postCalcom(tc.body, tc.sig)
			require.Equal(t, http.StatusUnauthorized, rec.Code, "%s: %s", tc.name, rec.Body.String())
		}
		for _, sent := range []time.Time{testNow.Add(-hookMaxAge - time.Second), testNow.Add(hookMaxAge + time.Second)} {
			stale := calcomBody(t, "calcom_booking_cancelled.json", sent, "ann@example.com", env.schedulerRef(ann))
			rec := env.postCalcom(stale, calcomSignature(stale))
			require.Equal(t, http.StatusUnauthorized, rec.Code, "sent at %v: %s", sent, rec.Body.String())
		}
		require.Equal(t, before, env.hookState(t, ann, bob), "a refused delivery changes nothing")
	})

	// Cal.com sending the same booking again (a new delivery, a new
	// signature) changes nothing either, and says so.
	again := calcomBody(t, "calcom_booking_created.json", testNow.Add(time.Second), "ann.at.work@example.org", env.schedulerRef(ann))
	ans = env.mustCalcom(t, again)
	require.Equal(t, hookAnswer{Status: "unchanged", BookingID: b.ID}, ans)
	require.Equal(t, before, env.hookState(t, ann, bob))

	// The move gives the call a new uid: the same booking moves.
	moved := calcomBody(t, "calcom_booking_rescheduled.json", testNow, "ann.at.work@example.org", env.schedulerRef(ann))
	env.mustCalcom(t, moved)
	m := env.mustBooking(t, b.ID)
	require.Equal(t, models.BookingConfirmed, m.Status)
	require.Equal(t, "k2Qh7uVtZ3mTnX9cYr4WbA", *m.ExternalID)
	require.Equal(t, time.Date(2023, 5, 26, 11, 0, 0, 0, time.UTC), m.Start.UTC())
	require.Equal(t, 1, m.Sequence)
	require.Len(t, env.bookingsOf(t, ann), 1)

	// The cancellation frees her course again.
	cancelled := calcomBody(t, "calcom_booking_cancelled.json", testNow, "ann.at.work@example.org", env.schedulerRef(ann))
	env.mustCalcom(t, cancelled)
	require.Equal(t, models.BookingCancelled, env.mustBooking(t, b.ID).Status)
	require.Equal(t, []notice{{b.ID, booking.EventBooked}, {b.ID, booking.EventRescheduled}, {b.ID, booking.EventCancelled}}, env.notifier.Notices())
	require.Equal(t, []int64{ann, ann, ann}, env.replanner.IDs())
	require.ElementsMatch(t, []string{models.EventBookingCreated, models.EventBookingRescheduled, models.EventBookingCancelled}, env.bookingEvents(t))
	_, err = env.store.ActiveBooking(context.Background(), ann)
	require.ErrorIs(t, err, models.ErrNotFound)
}

// Without the reference (a link shared on, the scheduler's page reached
// directly) the attendee's address finds the subscriber; an address no
// subscriber has is acknowledged, so Cal.com stops retrying, and recorded
// nowhere.
func TestCalcomHookByAddress(t *testing.T) {
	t.Parallel()
	env := newHookEnv(t)
	bob := mustSubscriberIn(t, env, "bob@example.com", "Bob", "")

	body := calcomBody(t, "calcom_booking_created.json", testNow, "Bob@Example.com", "")
	env.mustCalcom(t, body)
	require.Len(t, env.bookingsOf(t, bob), 1)
	require.Equal(t, []int64{bob}, env.replanner.IDs())

	// A reference for someone else that is not signed by us is ignored.
	stranger := calcomBody(t, "calcom_booking_created.json", testNow, "stranger@example.org", token.NewSigner([]byte("other key")).Sign(token.SchedulerRef, bob, testNow))
	stranger = []byte(strings.Replace(string(stranger), "bFJeNb2uX8ANpT3JL5EfXw", "strangersOwnCallUid000", 1)) // a call of their own
	before := env.hookState(t, bob)
	ans := env.mustCalcom(t, stranger)
	require.Equal(t, "unknown_attendee", ans.Status)
	require.Equal(t, before, env.hookState(t, bob))
	require.Equal(t, http.StatusUnauthorized, env.postCalcom(stranger, calcomSignature(stranger)).Code, "a replay is refused all the same")
}

// A Calendly booking, its move (a cancellation marked rescheduled, then a
// new invitee naming the old one) and its cancellation, each signed with
// a timestamp.
func TestCalendlyHook(t *testing.T) {
	t.Parallel()
	env := newHookEnv(t)
	ann := mustSubscriberIn(t, env, "ann@example.com", "Ann", "")

	created := calendlyBody(t, "calendly_invitee_created.json", "ann.at.work@example.org", env.schedulerRef(ann))
	sig := calendlySignatureAt(created, testNow.Add(-time.Minute))
	mustAccepted(t, env.postCalendly(created, sig))
	bs := env.bookingsOf(t, ann)
	require.Len(t, bs, 1)
	b := bs[0]
	require.Equal(t, models.SchedulerCalendly, b.Scheduler)
	require.Equal(t, "https://api.calendly.com/scheduled_events/GBGBDCAADAEDCRZ2/invitees/AAAAAAAAAAAAAAAA", *b.ExternalID)
	require.Equal(t, time.Date(2020, 11, 26, 15, 0, 0, 0, time.UTC), b.Start.UTC())
	require.Equal(t, "America/New_York", b.Timezone)
	require.JSONEq(t, `{"What topics would you like to discuss?":"Project planning and timelines"}`, b.Answers,
		"the scheduler's own questions and answers, for the coach's brief")
	require.Equal(t, []int64{ann}, env.replanner.IDs())
	require.Equal(t, []string{models.EventBookingCreated}, env.bookingEvents(t))

	before := env.hookState(t, ann)
	cancelled := calendlyBody(t, "calendly_invitee_canceled.json", "ann.at.work@example.org", env.schedulerRef(ann))
	for name, sig := range map[string]string{
		"replayed":        sig,
		"stale":           calendlySignatureAt(cancelled, testNow.Add(-hookMaxAge-time.Second)),
		"from the future": calendlySignatureAt(cancelled, testNow.Add(hookMaxAge+time.Second)),
		"forged":          "t=" + itoa(testNow.Unix()) + ",v1=" + hexHMAC("another key", itoa(testNow.Unix())+"."+string(cancelled)),
		"no timestamp":    "v1=" + hexHMAC(testCalendlySecret, "."+string(cancelled)),
		"other time":      "t=" + itoa(testNow.Unix()) + ",v1=" + hexHMAC(testCalendlySecret, itoa(testNow.Unix()-1)+"."+string(cancelled)),
		"unsigned":        "",
	} {
		body := cancelled
		if name == "replayed" {
			body = created
		}
		rec := env.postCalendly(body, sig)
		require.Equal(t, http.StatusUnauthorized, rec.Code, "%s: %s", name, rec.Body.String())
	}
	require.Equal(t, before, env.hookState(t, ann), "a refused delivery changes nothing")

	// The cancellation half of a move changes nothing; the new invitee
	// moves the call.
	half := calendlyBody(t, "calendly_invitee_canceled_rescheduled.json", "ann.at.work@example.org", env.schedulerRef(ann))
	ans := env.mustCalendly(t, half, testNow)
	require.Equal(t, "ignored", ans.Status)
	require.Equal(t, before, env.hookState(t, ann))
	moved := calendlyBody(t, "calendly_invitee_created_rescheduled.json", "ann.at.work@example.org", env.schedulerRef(ann))
	env.mustCalendly(t, moved, testNow)
	m := env.mustBooking(t, b.ID)
	require.Equal(t, time.Date(2020, 11, 27, 16, 0, 0, 0, time.UTC), m.Start.UTC())
	require.Equal(t, models.BookingConfirmed, m.Status)

	env.mustCalendly(t, cancelled, testNow)
	require.Equal(t, models.BookingCancelled, env.mustBooking(t, b.ID).Status)
	require.Len(t, env.bookingsOf(t, ann), 1)
	require.ElementsMatch(t, []string{models.EventBookingCreated, models.EventBookingRescheduled, models.EventBookingCancelled}, env.bookingEvents(t))
	require.Equal(t, []int64{ann, ann, ann}, env.replanner.IDs())
}

// Without its secret a route answers 404, and the log says which variable
// to set.
func TestSchedulerHooksOff(t *testing.T) {
	t.Parallel()
	env := newBookingEnv(t, nil)
	body := calcomBody(t, "calcom_booking_created.json", testNow, "ann@example.com", "")
	require.Equal(t, http.StatusNotFound, env.postCalcom(body, calcomSignature(body)).Code)
	rec := env.postCalendly(body, calendlySignatureAt(body, testNow))
	require.Equal(t, http.StatusNotFound, rec.Code)
	require.Contains(t, rec.Body.String(), "CALENDLY_WEBHOOK_SECRET is not set")
}

// The personal link prefills the scheduler's form and hands it the signed
// reference its webhooks bring back.
func TestBookPageHandsTheSchedulerWhoIsBooking(t *testing.T) {
	t.Parallel()
	env := newBookingEnv(t, func(d *Deps) {
		d.BookingURL = "https://cal.com/dana/discovery?month=2026-11"
		d.Scheduler = Scheduler{NameParam: "name", EmailParam: "email", RefParam: "metadata[dripbook_ref]"}
	})
	ann := mustSubscriberIn(t, env, "ann+course@example.com", "Ann Lee", "")

	rec := env.get("/book/" + env.bookToken(ann) + "?from=identify-your-gaps")
	require.Equal(t, http.StatusFound, rec.Code)
	loc, err := url.Parse(rec.Header().Get("Location"))
	require.NoError(t, err)
	require.Equal(t, "https://cal.com/dana/discovery", loc.Scheme+"://"+loc.Host+loc.Path)
	q := loc.Query()
	require.Equal(t, "2026-11", q.Get("month"), "the scheduler's own parameters stay")
	require.Equal(t, "Ann Lee", q.Get("name"))
	require.Equal(t, "ann+course@example.com", q.Get("email"))
	id, err := env.signer.Verify(q.Get("metadata[dripbook_ref]"), token.SchedulerRef, 0, testNow)
	require.NoError(t, err)
	require.Equal(t, ann, id)
	_, err = env.signer.Verify(q.Get("metadata[dripbook_ref]"), token.Book, 0, testNow)
	require.Error(t, err, "the reference opens no page")
}

// Deliveries about calls dripbook never heard of: a move records the call
// as new (and its booking, come late, books nothing), and a trigger
// dripbook does not use is acknowledged. TestLateSchedulerDeliveriesUndoNothing
// has the cancellation of such a call.
func TestSchedulerHooksOnCallsNeverSeen(t *testing.T) {
	t.Parallel()
	env := newHookEnv(t)
	ann := mustSubscriberIn(t, env, "ann@example.com", "Ann", "")

	ended := fixture(t, "calcom_booking_created.json",
		`"BOOKING_CREATED"`, `"MEETING_ENDED"`,
		`"createdAt": "2023-05-24T09:30:00.538Z"`, `"createdAt": "`+testNow.Format(time.RFC3339)+`"`)
	ans := env.mustCalcom(t, ended)
	require.Equal(t, "ignored", ans.Status)
	require.Empty(t, env.bookingsOf(t, ann))

	moved := calendlyBody(t, "calendly_invitee_created_rescheduled.json", "ann@example.com", "")
	ans = env.mustCalendly(t, moved, testNow)
	require.Equal(t, "recorded", ans.Status)
	bs := env.bookingsOf(t, ann)
	require.Len(t, bs, 1)
	require.Equal(t, "https://api.calendly.com/scheduled_events/HCHCEDBBEBFEDSA3/invitees/BBBBBBBBBBBBBBBB", *bs[0].ExternalID)
	require.Equal(t, []notice{{bs[0].ID, booking.EventBooked}}, env.notifier.Notices())
	require.Equal(t, []string{models.EventBookingCreated}, env.bookingEvents(t))

	// The booking of the invitee it replaced comes late: it is this call.
	first := calendlyBody(t, "calendly_invitee_created.json", "ann@example.com", "")
	ans = env.mustCalendly(t, first, testNow)
	require.Equal(t, hookAnswer{Status: "unchanged", BookingID: bs[0].ID}, ans)
	require.Equal(t, bs, env.bookingsOf(t, ann), "the late booking books nothing")
}

// Schedulers retry, so their deliveries can come in any order: whatever
// the order, a late delivery never undoes a later change, and the call
// ends as the scheduler left it.
func TestLateSchedulerDeliveriesUndoNothing(t *testing.T) {
	t.Parallel()
	created := func(t *testing.T) []byte {
		return calcomBody(t, "calcom_booking_created.json", testNow, "ann@example.com", "")
	}
	moved := func(t *testing.T) []byte {
		return calcomBody(t, "calcom_booking_rescheduled.json", testNow, "ann@example.com", "")
	}
	cancelled := func(t *testing.T) []byte {
		return calcomBody(t, "calcom_booking_cancelled.json", testNow, "ann@example.com", "")
	}
	// The call's second move, from the id the first gave it to a third.
	movedAgain := func(t *testing.T) []byte {
		b := strings.ReplaceAll(string(moved(t)), "k2Qh7uVtZ3mTnX9cYr4WbA", "tHiRdCaLlUiD0000000000")
		return []byte(strings.ReplaceAll(b, "bFJeNb2uX8ANpT3JL5EfXw", "k2Qh7uVtZ3mTnX9cYr4WbA"))
	}
	// A cancellation of the id the call had before it moved.
	cancelledFirst := func(t *testing.T) []byte {
		return []byte(strings.Replace(string(cancelled(t)), "k2Qh7uVtZ3mTnX9cYr4WbA", "bFJeNb2uX8ANpT3JL5EfXw", 1))
	}
	// Cal.com's retry of the booking: sent later, so signed anew.
	retried := func(t *testing.T) []byte {
		return calcomBody(t, "calcom_booking_created.json", testNow.Add(time.Second), "ann@example.com", "")
	}
	for _, tc := range []struct {
		name   string
		order  []func(*testing.T) []byte
		status []string // of each delivery's answer
		ends   string   // the status of every call recorded; "" for the case that says its own
		calls  int      // bookings recorded in all
		events []string // the webhook events made, sorted
	}{
		{"in order", []func(*testing.T) []byte{created, moved, cancelled},
			[]string{"recorded", "recorded", "recorded"}, models.BookingCancelled, 1,
			[]string{models.EventBookingCancelled, models.EventBookingCreated, models.EventBookingRescheduled}},
		{"the booking after the move", []func(*testing.T) []byte{moved, created},
			[]string{"recorded", "unchanged"}, models.BookingConfirmed, 1,
			[]string{models.EventBookingCreated}},
		{"the booking after the move and the cancellation", []func(*testing.T) []byte{moved, cancelled, created},
			[]string{"recorded", "recorded", "unchanged"}, models.BookingCancelled, 1,
			[]string{models.EventBookingCancelled, models.EventBookingCreated}},
		{"the cancellation first", []func(*testing.T) []byte{cancelled, moved, created},
			[]string{"recorded", "unchanged", "unchanged"}, models.BookingCancelled, 1,
			[]string{models.EventBookingCancelled}},
		{"the cancellation before the move", []func(*testing.T) []byte{created, cancelled, moved},
			[]string{"recorded", "recorded", "recorded"}, models.BookingCancelled, 2,
			[]string{models.EventBookingCancelled, models.EventBookingCancelled, models.EventBookingCreated}},
		{"the first move after the second", []func(*testing.T) []byte{created, movedAgain, moved},
			[]string{"recorded", "recorded", "recorded"}, "", 2,
			[]string{models.EventBookingCancelled, models.EventBookingCreated, models.EventBookingCreated}},
		{"a cancellation of the id before the move", []func(*testing.T) []byte{created, moved, cancelledFirst},
			[]string{"recorded", "recorded", "unchanged"}, models.BookingConfirmed, 1,
			[]string{models.EventBookingCreated, models.EventBookingRescheduled}},
		{"the booking again after the move", []func(*testing.T) []byte{created, moved, retried},
			[]string{"recorded", "recorded", "unchanged"}, models.BookingConfirmed, 1,
			[]string{models.EventBookingCreated, models.EventBookingRescheduled}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := newHookEnv(t)
			ann := mustSubscriberIn(t, env, "ann@example.com", "Ann", "")
			for i, body := range tc.order {
				ans := env.mustCalcom(t, body(t))
				require.Equal(t, tc.status[i], ans.Status, "delivery %d", i+1)
			}
			bs := env.bookingsOf(t, ann)
			require.Len(t, bs, tc.calls)
			require.Equal(t, tc.events, env.bookingEvents(t), "a call cancelled before its booking came was never booked here")
			if tc.ends == "" {
				// The call stands where its last move put it; the record
				// of its first id, come late, is cancelled.
				var confirmed []models.Booking
				for _, b := range bs {
					if b.Status == models.BookingConfirmed {
						confirmed = append(confirmed, b)
					}
				}
				require.Len(t, confirmed, 1, "one call")
				require.Equal(t, "tHiRdCaLlUiD0000000000", *confirmed[0].ExternalID)
				return
			}
			for _, b := range bs {
				require.Equal(t, tc.ends, b.Status, "call %d", b.ID)
			}
			if tc.ends == models.BookingConfirmed {
				require.Equal(t, "k2Qh7uVtZ3mTnX9cYr4WbA", *bs[0].ExternalID, "the call is where it moved")
				require.Equal(t, time.Date(2023, 5, 26, 11, 0, 0, 0, time.UTC), bs[0].Start.UTC())
			} else {
				_, err := env.store.ActiveBooking(context.Background(), ann)
				require.ErrorIs(t, err, models.ErrNotFound, "her sales lessons are free to resume")
			}
		})
	}
}

// Cal.com's responses are the attendee's answers to the booking form's own
// questions: the fields that say who and where are not answers, a list is
// joined, and nothing unbounded is kept.
func TestCalcomAnswers(t *testing.T) {
	t.Parallel()
	var in calcomDelivery
	require.NoError(t, json.Unmarshal([]byte(`{"payload":{"responses":{
		"name":{"label":"your_name","value":"John Doe"},
		"email":{"label":"email_address","value":"john@example.com"},
		"location":{"label":"location","value":{"value":"inPerson"}},
		"notes":{"label":"Additional notes","value":"  Tuesdays are best\u0007 "},
		"goals":{"label":"What do you want from the call?","value":["A plan","A second opinion"]},
		"seniority":{"value":"Senior PM"},
		"empty":{"label":"Nothing here"},
		"essay":{"label":"Essay","value":"`+strings.Repeat("x", booking.AnswerLimit+10)+`"}
	}}}`), &in))
	got := calcomAnswers(in)
	require.Equal(t, "Tuesdays are best", got["Additional notes"])
	require.Equal(t, "A plan, A second opinion", got["What do you want from the call?"])
	require.Equal(t, "Senior PM", got["seniority"], "a field without a label is named by its field name")
	require.Len(t, []rune(got["Essay"]), booking.AnswerLimit)
	require.Len(t, got, 4, "who and where are not answers, nor is a blank field: %v", got)
}

// A move and a cancellation find the call already recorded, although the
// scheduler sends them without the signed reference and from the address
// the attendee booked with, which is not the subscriber's.
func TestSchedulerMovesAndCancelsFindTheRecordedCall(t *testing.T) {
	t.Parallel()
	env := newHookEnv(t)
	ann := mustSubscriberIn(t, env, "ann@example.com", "Ann", "")
	work := "ann.at.work@example.org"
	require.Equal(t, "recorded", env.mustCalcom(t, calcomBody(t, "calcom_booking_created.json", testNow, work, env.schedulerRef(ann))).Status)

	moved := env.mustCalcom(t, calcomBody(t, "calcom_booking_rescheduled.json", testNow, work, ""))
	require.Equal(t, "recorded", moved.Status, "the move is not an unknown attendee")
	bs := env.bookingsOf(t, ann)
	require.Len(t, bs, 1)
	require.Equal(t, "k2Qh7uVtZ3mTnX9cYr4WbA", *bs[0].ExternalID, "the same call, moved")

	cancelled := env.mustCalcom(t, calcomBody(t, "calcom_booking_cancelled.json", testNow, work, ""))
	require.Equal(t, "recorded", cancelled.Status)
	bs = env.bookingsOf(t, ann)
	require.Len(t, bs, 1)
	require.Equal(t, models.BookingCancelled, bs[0].Status)
	require.ElementsMatch(t, []string{models.EventBookingCreated, models.EventBookingRescheduled, models.EventBookingCancelled}, env.bookingEvents(t))
}

// A genuine delivery dripbook cannot read is 400, not 401, and changes
// nothing: not JSON, or a booking without its id.
func TestSchedulerHooksRefuseAnUnreadableDeliveryAs400(t *testing.T) {
	t.Parallel()
	env := newHookEnv(t)
	ann := mustSubscriberIn(t, env, "ann@example.com", "Ann", "")
	before := env.hookState(t, ann)
	noID := calcomBody(t, "calcom_booking_created.json", testNow, "ann@example.com", env.schedulerRef(ann))
	noID = []byte(strings.Replace(string(noID), `"uid": "bFJeNb2uX8ANpT3JL5EfXw"`, `"uid": ""`, 1))
	for name, body := range map[string][]byte{"not JSON": []byte("{not json"), "no uid": noID} {
		rec := env.postCalcom(body, calcomSignature(body))
		require.Equal(t, http.StatusBadRequest, rec.Code, name)
		require.Contains(t, rec.Body.String(), "malformed body", name)
	}
	notJSON := []byte("{not json")
	rec := env.postCalendly(notJSON, calendlySignatureAt(notJSON, testNow))
	require.Equal(t, http.StatusBadRequest, rec.Code)
	require.Equal(t, before, env.hookState(t, ann), "nothing changed")
}

// Every answer of the schedulers' webhooks is JSON, as openapi.yaml says,
// the ones that middleware gives before the handler runs too.
func TestSchedulerHooksAnswerJSONWhenTheBodyIsTooLarge(t *testing.T) {
	t.Parallel()
	env := newHookEnv(t)
	huge := []byte(`{"pad":"` + strings.Repeat("x", 2<<20) + `"}`)
	for _, rec := range []*httptest.ResponseRecorder{env.postCalcom(huge, calcomSignature(huge)), env.postCalendly(huge, "")} {
		require.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
		require.Contains(t, rec.Header().Get("Content-Type"), "application/json")
		var body struct {
			Error struct{ Code, Message string }
		}
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body), rec.Body.String())
		require.NotEmpty(t, body.Error.Message)
	}
}

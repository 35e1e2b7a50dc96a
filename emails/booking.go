package emails

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dripbook/dripbook/booking"
	"github.com/dripbook/dripbook/course"
	"github.com/dripbook/dripbook/message"
	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/weblink"
)

// BookingConfirmation tells the subscriber their call is booked, or moved
// when v.Rescheduled, and how to change it. The caller attaches the invite.
func (r *Renderer) BookingConfirmation(v booking.Notice) (message.Content, error) {
	e, err := r.bookingConfirmation(v)
	if err != nil {
		return message.Content{}, fmt.Errorf("booking confirmation: %w", err)
	}
	return e, nil
}

func (r *Renderer) bookingConfirmation(v booking.Notice) (message.Content, error) {
	links, err := noticeLinks(v, true)
	if err != nil {
		return message.Content{}, err
	}
	rd := subscriberReads(v)
	subject := "Booked: our call on " + rd.short(v.Start)
	opening := "Thanks for booking a discovery call. I'm looking forward to it."
	if v.Rescheduled {
		subject = "Moved: our call is now " + rd.short(v.Start)
		opening = "Thanks for letting me know. Our call has moved to the time below."
	}
	var b mdBody
	b.para(greeting(v.SubscriberName))
	b.para(opening)
	b.para(callFields(v, rd)...)
	links.addToCalendar(&b)
	b.para("To get the most out of our time, think about two things before we talk:")
	b.para("- the role you want next, and why now", "- the one gap you most want to close to get there")
	links.changes(&b, false)
	b.signOff("Talk soon,", r.coach(v))
	preheader := rd.call(v.Start, v.End) + ". The calendar invite is attached."
	return r.Markdown(subject, preheader, b.String(), course.Vars{}, FooterTransactional)
}

// BookingPlaceChanged tells the subscriber where their call now happens:
// the same time, a new place. The caller attaches the updated invite.
func (r *Renderer) BookingPlaceChanged(v booking.Notice) (message.Content, error) {
	links, err := noticeLinks(v, true)
	if err != nil {
		return message.Content{}, fmt.Errorf("booking place changed: %w", err)
	}
	rd := subscriberReads(v)
	var b mdBody
	b.para(greeting(v.SubscriberName))
	if v.Place.Known() {
		b.para("A quick update on where we'll meet. Our call is at the same time; here's the new place.")
	} else {
		b.para("A quick update: our call is at the same time, and I'll send you where we'll meet before we talk.")
	}
	b.para(callFields(v, rd)...)
	links.addToCalendar(&b)
	links.changes(&b, false)
	b.signOff("Talk soon,", r.coach(v))
	subject := "Where we'll meet: " + rd.short(v.Start)
	e, err := r.Markdown(subject, "Same time, new place. The updated calendar invite is attached.", b.String(),
		course.Vars{}, FooterTransactional)
	if err != nil {
		return message.Content{}, fmt.Errorf("booking place changed: %w", err)
	}
	return e, nil
}

// BookingCancelled confirms to the subscriber that their call is cancelled,
// with their personal booking link when there is one.
func (r *Renderer) BookingCancelled(v booking.Notice) (message.Content, error) {
	links, err := noticeLinks(v, false)
	if err != nil {
		return message.Content{}, fmt.Errorf("booking cancelled: %w", err)
	}
	rd := subscriberReads(v)
	var b mdBody
	b.para(greeting(v.SubscriberName))
	b.para("Our discovery call is canceled, and this email takes it off your calendar. There's nothing else you need to do.")
	b.para(field("Was", mdLine(rd.call(v.Start, v.End))))
	if links.bookAgain != "" {
		b.para("If you'd like to talk another time, pick whichever time suits you:")
		b.para(button("Book a new time", links.bookAgain))
	} else {
		b.para("If you'd like to talk another time, just reply to this email.")
	}
	b.signOff("All the best,", r.coach(v))
	subject := "Canceled: our call on " + rd.short(v.Start)
	e, err := r.Markdown(subject, "Our call is canceled; the calendar event is removed.", b.String(),
		course.Vars{}, FooterTransactional)
	if err != nil {
		return message.Content{}, fmt.Errorf("booking cancelled: %w", err)
	}
	return e, nil
}

// BookingReminder reminds the subscriber of their call lead before it starts.
func (r *Renderer) BookingReminder(v booking.Notice, lead time.Duration) (message.Content, error) {
	if lead < time.Second {
		return message.Content{}, fmt.Errorf("booking reminder: lead %s is less than a second", lead)
	}
	links, err := noticeLinks(v, true)
	if err != nil {
		return message.Content{}, fmt.Errorf("booking reminder: %w", err)
	}
	rd := subscriberReads(v)
	in := naturalDuration(lead)
	var b mdBody
	b.para(greeting(v.SubscriberName))
	b.para("A quick reminder: our discovery call is in " + mdLine(in) + ".")
	b.para(callFields(v, rd)...)
	b.para("Bring the role you want next and the gap you most want to close. That's all you need.")
	links.changes(&b, true)
	b.signOff("See you soon,", r.coach(v))
	subject := "Reminder: our call is in " + in + ", at " + rd.clock(v.Start)
	e, err := r.Markdown(subject, rd.call(v.Start, v.End)+".", b.String(), course.Vars{}, FooterTransactional)
	if err != nil {
		return message.Content{}, fmt.Errorf("booking reminder: %w", err)
	}
	return e, nil
}

// CoachBrief tells the coach a call was booked, rescheduled, cancelled or
// given a new place (event is booking.EventBooked, booking.EventRescheduled,
// booking.EventCancelled or booking.EventPlaceChanged) and briefs them on
// who is coming: their answers and how they came through the course.
func (r *Renderer) CoachBrief(v booking.Notice, event booking.Event) (message.Content, error) {
	e, err := r.coachBrief(v, event)
	if err != nil {
		return message.Content{}, fmt.Errorf("coach brief (%s): %w", event, err)
	}
	return e, nil
}

func (r *Renderer) coachBrief(v booking.Notice, event booking.Event) (message.Content, error) {
	if err := checkTimes(v); err != nil {
		return message.Content{}, err
	}
	who := message.OneLine(v.SubscriberName)
	if who == "" {
		who = message.OneLine(v.SubscriberEmail)
	}
	if who == "" {
		who = "A subscriber"
	}
	rd := coachReads(v)
	var prefix, did string
	switch event {
	case booking.EventBooked:
		prefix, did = "New call: ", " booked a discovery call."
	case booking.EventRescheduled:
		prefix, did = "Moved: ", " moved their discovery call to a new time."
	case booking.EventCancelled:
		prefix, did = "Canceled: ", " canceled their discovery call."
	case booking.EventPlaceChanged:
		prefix, did = "New place: ", "'s call has a new place; the time stays the same."
	default:
		return message.Content{}, fmt.Errorf("unknown event %q", event)
	}
	when := rd.call(v.Start, v.End)
	var b mdBody
	b.para("**" + mdLine(who) + "**" + did)
	lines := []string{field("When", mdLine(when))}
	if sub := subscriberReads(v); sub.loc.String() != rd.loc.String() {
		lines = append(lines, field("Their time", mdLine(sub.call(v.Start, v.End))))
	}
	if w := where(v.Place); w != "" {
		lines = append(lines, field("Where", w))
	}
	lines = append(lines, field("Email", orNone(mdLine(v.SubscriberEmail), "not given")))
	b.para(lines...)
	b.brief(v, rd)
	at := ", " + rd.short(v.Start)
	subject := prefix + nameSlot + at
	name := clip(who, maxSubject-utf8.RuneCountInString(prefix+at))
	return r.Markdown(subject, when+". Their answers and course history are inside.", b.String(),
		course.Vars{FirstName: name}, FooterTransactional)
}

// brief writes the pre-call brief: the intake answers, then the subscriber's
// way through the course.
func (b *mdBody) brief(v booking.Notice, rd reader) {
	b.para("## Their answers")
	if len(v.Answers) == 0 {
		b.para("They were not asked any questions.")
	}
	for i, qa := range v.Answers {
		q := mdLine(qa.Question)
		if q == "" {
			q = fmt.Sprintf("Question %d", i+1)
		}
		b.para("**" + q + "**")
		b.para(orNone(mdBlock(qa.Answer), "(no answer)"))
	}
	b.scorecard(v.Scorecard)
	b.para("## How they got here")
	subscribed := "not known"
	if !v.SubscribedAt.IsZero() {
		subscribed = mdLine(rd.moment(v.SubscribedAt))
	}
	b.para(field("Subscribed", subscribed), field("Booked from", orNone(mdLine(v.SourceLesson), "not known")))
	b.para("**Lessons received**")
	b.list("1. ", v.LessonsSent, "None yet.")
	b.para("**Booking links clicked**")
	b.list("- ", v.LessonsClicked, "None recorded.")
}

// bookingLinks are a view's links, checked and ready for Markdown.
type bookingLinks struct {
	manage, cancel, reschedule, bookAgain string
	invite, google, outlook               string
}

// checkTimes refuses a call with no start or no length, which would be sent
// as a date in year 1 or a call of "0 minutes".
func checkTimes(v booking.Notice) error {
	if v.Start.IsZero() || !v.End.After(v.Start) {
		return fmt.Errorf("call from %s to %s is not a time span", v.Start, v.End)
	}
	return nil
}

// noticeLinks checks the notice's times and every link it has; changes says the
// email offers to reschedule and cancel, so those two must be there.
func noticeLinks(v booking.Notice, changes bool) (bookingLinks, error) {
	if err := checkTimes(v); err != nil {
		return bookingLinks{}, err
	}
	var l bookingLinks
	for _, f := range []struct {
		name, raw string
		dst       *string
		required  bool
	}{
		{"manage", v.ManageURL, &l.manage, false},
		{"cancel", v.CancelURL, &l.cancel, changes},
		{"reschedule", v.RescheduleURL, &l.reschedule, changes},
		{"book again", v.BookAgainURL, &l.bookAgain, false},
		{"invite", v.InviteURL, &l.invite, false},
		{"Google Calendar", v.GoogleURL, &l.google, false},
		{"Outlook", v.OutlookURL, &l.outlook, false},
	} {
		if f.raw == "" {
			if f.required {
				return bookingLinks{}, fmt.Errorf("no %s URL", f.name)
			}
			continue
		}
		u, err := linkURL(f.raw)
		if err != nil {
			return bookingLinks{}, fmt.Errorf("%s URL: %w", f.name, err)
		}
		*f.dst = u
	}
	return l, nil
}

// changes offers to reschedule or cancel, and the booking page if there is
// one. asButton makes Reschedule the email's button; otherwise it is a link.
func (l bookingLinks) changes(b *mdBody, asButton bool) {
	if asButton {
		b.para(button("Reschedule", l.reschedule))
	} else {
		b.para("Need another time? [Reschedule](<" + l.reschedule + ">)")
	}
	b.para("Can't make it at all? [Cancel the call](<" + l.cancel + ">).")
	if l.manage != "" {
		b.para("Your booking is always at [your booking page](<" + l.manage + ">).")
	}
}

// addToCalendar makes adding the call the email's button: the .ics file,
// then Google Calendar and Outlook on the web for those whose mail client
// does not offer the attached invite.
func (l bookingLinks) addToCalendar(b *mdBody) {
	if l.invite == "" {
		b.para("The calendar invite is attached: open it to add the call to your calendar.")
		return
	}
	b.para(button("Add to calendar", l.invite))
	web := []string{"Or add it in your web calendar:"}
	if l.google != "" {
		web = append(web, "[Google Calendar](<"+l.google+">)")
	}
	if l.outlook != "" {
		web = append(web, "[Outlook](<"+l.outlook+">)")
	}
	if len(web) > 1 {
		b.para(web...)
	}
	b.para("The calendar invite is also attached.")
}

// callFields are when the call is, how long and, when known, where.
func callFields(v booking.Notice, rd reader) []string {
	lines := []string{field("When", mdLine(rd.call(v.Start, v.End))), field("How long", mdLine(naturalDuration(v.End.Sub(v.Start))))}
	if w := where(v.Place); w != "" {
		lines = append(lines, field("Where", w))
	}
	return lines
}

// where is the place of the call in Markdown: the link, the text, or both;
// "" when neither is known or the link is not one.
func where(p booking.Place) string {
	var parts []string
	if u, err := linkURL(p.URL); p.URL != "" && err == nil {
		parts = append(parts, "["+mdLine(p.URL)+"](<"+u+">)")
	}
	if t := mdLine(p.Text); t != "" {
		parts = append(parts, t)
	}
	return strings.Join(parts, " · ")
}

// linkURL accepts only absolute http(s) links, since a relative one means
// nothing in an inbox, and percent-encodes the characters that would end a
// Markdown link or start a {{ variable }}.
func linkURL(raw string) (string, error) {
	u, err := weblink.Absolute(raw)
	if err != nil {
		return "", err
	}
	return urlEscaper.Replace(u.String()), nil
}

var urlEscaper = strings.NewReplacer("<", "%3C", ">", "%3E", "{", "%7B", "}", "%7D", " ", "%20")

// signOff closes an email to the subscriber in the coach's name, as the
// lessons do.
func (b *mdBody) signOff(closing, coach string) {
	b.para(closing, mdLine(coach))
}

func button(label, href string) string { return "[[" + label + "]](" + href + ")" }

func field(label, value string) string { return "**" + label + ":** " + value }

// greeting addresses the subscriber by first name, as the lessons do.
func greeting(name string) string {
	return "Hi " + orNone(mdLine(models.FirstName(name)), "there") + ","
}

// coach is who the call is with: the booking's host, else the site's coach.
func (r *Renderer) coach(v booking.Notice) string {
	for _, name := range []string{v.CoachName, r.site.CoachName} {
		if n := message.OneLine(name); n != "" {
			return n
		}
	}
	return "your coach"
}

// maxSubject is the longest subject a booking email has: a phone shows
// about this much of it.
const maxSubject = 59

// clip shortens s to at most n characters, ending it with "…" if cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:max(n-1, 0)])) + "…"
}

// nameSlot carries the one name a booking subject shows. A value in a
// variable is shown as typed; a name written into the subject itself would
// be scanned for {{ variables }}, and one with braces would break it.
const nameSlot = "{{ first_name }}"

func orNone(s, none string) string {
	if s == "" {
		return none
	}
	return s
}

func orUTC(loc *time.Location) *time.Location {
	if loc == nil {
		return time.UTC
	}
	return loc
}

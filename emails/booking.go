package emails

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// QA is one intake question and its answer.
type QA struct{ Question, Answer string }

// BookingView is what a booking email shows.
type BookingView struct {
	CoachName       string
	SubscriberName  string
	SubscriberEmail string
	Start, End      time.Time
	SubscriberTZ    *time.Location // times shown to the subscriber
	CoachTZ         *time.Location // times shown to the coach
	ManageURL       string         // page with the booking (GET changes nothing)
	CancelURL       string         // page whose button cancels (GET changes nothing)
	RescheduleURL   string         // page to pick a new time
	BookAgainURL    string         // personal booking link, for cancellation emails
	Answers         []QA
	SubscribedAt    time.Time
	LessonsSent     []string // subjects of lessons received, in order
	LessonsClicked  []string // lessons whose booking link they clicked
	SourceLesson    string   // lesson that led to the booking, "" if unknown
	Rescheduled     bool     // the time changed from an earlier one
}

// The events a CoachBrief is sent for.
const (
	CallBooked      = "booked"
	CallRescheduled = "rescheduled"
	CallCancelled   = "cancelled"
)

// BookingConfirmation tells the subscriber their call is booked, or moved
// when v.Rescheduled, and how to change it. The caller attaches the invite.
func (r *Renderer) BookingConfirmation(v BookingView) (Email, error) {
	e, err := r.bookingConfirmation(v)
	if err != nil {
		return Email{}, fmt.Errorf("booking confirmation: %w", err)
	}
	return e, nil
}

func (r *Renderer) bookingConfirmation(v BookingView) (Email, error) {
	links, err := v.links(true)
	if err != nil {
		return Email{}, err
	}
	loc := orUTC(v.SubscriberTZ)
	subject := "Your call with " + nameSlot + " is booked: " + shortWhen(v.Start, loc)
	headline := "Your discovery call with " + mdLine(r.coach(v)) + " is booked."
	if v.Rescheduled {
		subject = "Your call with " + nameSlot + " is moved to " + shortWhen(v.Start, loc)
		headline = "Your discovery call with " + mdLine(r.coach(v)) + " has moved to a new time."
	}
	var b mdBody
	b.para(greeting(v.SubscriberName))
	b.para(headline)
	b.para(field("When", mdLine(longWhen(v.Start, v.End, loc))), field("How long", mdLine(naturalDuration(v.End.Sub(v.Start)))))
	b.para("The calendar invite is attached: open it to add the call to your calendar.")
	b.para("Before the call, think about:")
	b.para("- the role you want next, and why now", "- the one gap you most want to close to get there")
	links.changes(&b)
	preheader := longWhen(v.Start, v.End, loc) + ". The calendar invite is attached."
	return r.Markdown(subject, preheader, b.String(), Vars{FirstName: r.coach(v)}, FooterTransactional)
}

// BookingCancelled confirms to the subscriber that their call is cancelled,
// with their personal booking link when there is one.
func (r *Renderer) BookingCancelled(v BookingView) (Email, error) {
	links, err := v.links(false)
	if err != nil {
		return Email{}, fmt.Errorf("booking cancelled: %w", err)
	}
	loc := orUTC(v.SubscriberTZ)
	var b mdBody
	b.para(greeting(v.SubscriberName))
	b.para("Your discovery call with " + mdLine(r.coach(v)) + " is cancelled. There is nothing else you need to do.")
	b.para(field("Was", mdLine(longWhen(v.Start, v.End, loc))))
	if links.bookAgain != "" {
		b.para("If you'd like to talk another time, pick whichever slot suits you:")
		b.para(button("Book a new time", links.bookAgain))
	} else {
		b.para("If you'd like to talk another time, reply to this email.")
	}
	subject := "Cancelled: your call with " + nameSlot + ", " + shortWhen(v.Start, loc)
	e, err := r.Markdown(subject, "Your call is cancelled; the calendar event is removed.", b.String(),
		Vars{FirstName: r.coach(v)}, FooterTransactional)
	if err != nil {
		return Email{}, fmt.Errorf("booking cancelled: %w", err)
	}
	return e, nil
}

// BookingReminder reminds the subscriber of their call lead before it starts.
func (r *Renderer) BookingReminder(v BookingView, lead time.Duration) (Email, error) {
	if lead < time.Second {
		return Email{}, fmt.Errorf("booking reminder: lead %s is less than a second", lead)
	}
	links, err := v.links(true)
	if err != nil {
		return Email{}, fmt.Errorf("booking reminder: %w", err)
	}
	loc := orUTC(v.SubscriberTZ)
	in := naturalDuration(lead)
	var b mdBody
	b.para(greeting(v.SubscriberName))
	b.para("A reminder: your discovery call with " + mdLine(r.coach(v)) + " is in " + mdLine(in) + ".")
	b.para(field("When", mdLine(longWhen(v.Start, v.End, loc))), field("How long", mdLine(naturalDuration(v.End.Sub(v.Start)))))
	b.para("Bring the role you want next and the gap you most want to close. That is all you need.")
	links.changes(&b)
	e, err := r.Markdown("Reminder: your call with "+nameSlot+" is in "+in, longWhen(v.Start, v.End, loc)+".", b.String(),
		Vars{FirstName: r.coach(v)}, FooterTransactional)
	if err != nil {
		return Email{}, fmt.Errorf("booking reminder: %w", err)
	}
	return e, nil
}

// CoachBrief tells the coach a call was booked, rescheduled or cancelled
// (event is CallBooked, CallRescheduled or CallCancelled) and briefs them on
// who is coming: their answers and how they came through the course.
func (r *Renderer) CoachBrief(v BookingView, event string) (Email, error) {
	e, err := r.coachBrief(v, event)
	if err != nil {
		return Email{}, fmt.Errorf("coach brief (%s): %w", event, err)
	}
	return e, nil
}

func (r *Renderer) coachBrief(v BookingView, event string) (Email, error) {
	if err := v.checkTimes(); err != nil {
		return Email{}, err
	}
	who := oneLine(v.SubscriberName)
	if who == "" {
		who = oneLine(v.SubscriberEmail)
	}
	if who == "" {
		who = "A subscriber"
	}
	loc := orUTC(v.CoachTZ)
	var prefix, did string
	switch event {
	case CallBooked:
		prefix, did = "New discovery call: ", " booked a discovery call."
	case CallRescheduled:
		prefix, did = "Moved: ", " moved their discovery call to a new time."
	case CallCancelled:
		prefix, did = "Cancelled: ", " cancelled their discovery call."
	default:
		return Email{}, fmt.Errorf("unknown event %q", event)
	}
	when := longWhen(v.Start, v.End, loc)
	var b mdBody
	b.para("**" + mdLine(who) + "**" + did)
	lines := []string{field("When", mdLine(when))}
	if sub := orUTC(v.SubscriberTZ); sub.String() != loc.String() {
		lines = append(lines, field("Their time", mdLine(longWhen(v.Start, v.End, sub))))
	}
	lines = append(lines, field("Email", orNone(mdLine(v.SubscriberEmail), "not given")))
	b.para(lines...)
	b.brief(v, loc)
	subject := prefix + nameSlot + ", " + v.Start.In(loc).Format("Mon 2 Jan 15:04")
	return r.Markdown(subject, when+". Their answers and course history are inside.", b.String(),
		Vars{FirstName: who}, FooterTransactional)
}

// brief writes the pre-call brief: the intake answers, then the subscriber's
// way through the course.
func (b *mdBody) brief(v BookingView, loc *time.Location) {
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
	b.para("## How they got here")
	subscribed := "not known"
	if !v.SubscribedAt.IsZero() {
		subscribed = mdLine(v.SubscribedAt.In(loc).Format("Monday 2 January 2006, 15:04") + " (" + loc.String() + ")")
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
}

// checkTimes refuses a call with no start or no length, which would be sent
// as a date in year 1 or a call of "0 minutes".
func (v BookingView) checkTimes() error {
	if v.Start.IsZero() || !v.End.After(v.Start) {
		return fmt.Errorf("call from %s to %s is not a time span", v.Start, v.End)
	}
	return nil
}

// links checks the view's times and every link it has; changes says the
// email offers to reschedule and cancel, so those two must be there.
func (v BookingView) links(changes bool) (bookingLinks, error) {
	if err := v.checkTimes(); err != nil {
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

// changes offers to reschedule or cancel, and the booking page if there is one.
func (l bookingLinks) changes(b *mdBody) {
	b.para(button("Reschedule", l.reschedule))
	b.para("Can't make it at all? [Cancel the call](<" + l.cancel + ">).")
	if l.manage != "" {
		b.para("Your booking is always at [your booking page](<" + l.manage + ">).")
	}
}

// linkURL accepts only absolute http(s) links, since a relative one means
// nothing in an inbox, and percent-encodes the characters that would end a
// Markdown link or start a {{ variable }}.
func linkURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", errors.New("must be an absolute http(s) URL")
	}
	return urlEscaper.Replace(u.String()), nil
}

var urlEscaper = strings.NewReplacer("<", "%3C", ">", "%3E", "{", "%7B", "}", "%7D", " ", "%20")

func button(label, href string) string { return "[[" + label + "]](" + href + ")" }

func field(label, value string) string { return "**" + label + ":** " + value }

// greeting addresses the subscriber by first name, as the lessons do.
func greeting(name string) string {
	first, _, _ := strings.Cut(strings.TrimSpace(name), " ")
	return "Hi " + orNone(mdLine(first), "there") + ","
}

// coach is who the call is with: the booking's host, else the site's coach.
func (r *Renderer) coach(v BookingView) string {
	for _, name := range []string{v.CoachName, r.site.CoachName} {
		if n := oneLine(name); n != "" {
			return n
		}
	}
	return "your coach"
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

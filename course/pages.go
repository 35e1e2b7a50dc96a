package course

import (
	"github.com/dripbook/dripbook/booking"
)

// Landing is the landing page, as landing.md writes it. Every text may use
// {{ coach_name }} and {{ course_title }}.
type Landing struct {
	// Headline is the page's title; the course title when not given.
	Headline string
	// Audience says who the course is for, in a line above the headline.
	Audience string
	// Lead is the paragraph below the headline.
	Lead string
	// Body is the Markdown below the front matter: what the course teaches.
	Body string
	// Bio is a few sentences about the coach, shown with Photo.
	Bio string
	// Photo is the absolute URL of the coach's photo; may be empty.
	Photo string
	// FormHeading is the heading of the signup form.
	FormHeading string
	// Button is the label of the signup button.
	Button string
	// Consent is the line below the button that says what the visitor
	// agrees to; see ConsentVersion.
	Consent string
}

// Page is the copy of a short page: its heading, a paragraph or two of
// Markdown, and a quieter note below them.
type Page struct {
	Heading string
	Text    string
	Note    string
}

// Booking is what the booking page asks.
type Booking struct {
	// Heading is the booking page's title, Button the label that books.
	Heading, Button string
	// Intro is the line below the heading; it may use {{ coach_name }} and
	// {{ call_minutes }}.
	Intro string
	// Questions are the intake questions, in the order the form asks them
	// and the coach's brief shows the answers.
	Questions []booking.Question
}

// The booking page's title and booking button when course.yaml gives none.
const (
	DefaultBookingHeading = "Book your discovery call"
	DefaultBookingButton  = "Confirm booking"
)

// pageVariables are the variables each part of the site may use.
var pageVariables = map[string][]string{
	"landing":     {"coach_name", "course_title"},
	"booking":     {"coach_name", "call_minutes"},
	"question":    nil, // labels are stored and shown to the coach as written
	"check_inbox": {"coach_name", "email"},
	"confirmed":   {"coach_name"},
}

// PageVariables lists the variables a part of the site may use: "landing",
// "booking", "question", "check_inbox" or "confirmed".
func PageVariables(part string) []string { return pageVariables[part] }

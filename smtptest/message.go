package smtptest

import (
	"fmt"

	"github.com/dripbook/dripbook/message"
)

// Message is a course email to sam<n>@example.test with both parts, a
// non-ASCII name and subject, and a course email's list headers.
func Message(n int) *message.Message {
	return &message.Message{
		From:      "Alex Rivera <coach@example.test>",
		To:        fmt.Sprintf("sam%d@example.test", n),
		ToName:    "Sam Ünal",
		Subject:   fmt.Sprintf("Lesson %d: the canyon — für alle", n),
		Text:      "Hi Sam,\n\nBook here: https://example.test/book/x\n",
		HTML:      `<!DOCTYPE html><html><body><p style="margin:0">Hi Sam, <a href="https://example.test/book/x">book</a></p></body></html>`,
		MessageID: fmt.Sprintf("lesson.%d.welcome@example.test", n),
		Headers:   message.CourseHeaders("The Canyon", "example.test", "https://example.test/unsubscribe/tok"),
	}
}

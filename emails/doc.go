// Package emails decides what each email says and looks like: course
// lessons and the confirmation rendered from Markdown into HTML and plain
// text in one layout, and the booking emails and the coach's brief.
package emails

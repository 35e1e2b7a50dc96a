package api

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/storage"
)

// exportFlushRows is how many rows go out between flushes: the client sees
// a large export arrive as it is read, and nothing piles up in memory.
const exportFlushRows = 1000

// exportWriteWindow is how long each batch of an export may take to write.
// The server's WriteTimeout bounds a whole response, which a large export
// outlasts; each flush moves the deadline on instead.
const exportWriteWindow = 30 * time.Second

var subscriberColumns = []string{"id", "email", "name", "timezone", "status", "created_at", "confirmed_at", "unsubscribed_at"}

var bookingColumns = []string{"id", "subscriber_id", "email", "name", "starts_at", "ends_at", "status", "timezone",
	"source_lesson", "answers", "created_at", "cancelled_at"}

// exportSubscribers streams every subscriber as CSV.
func (s *server) exportSubscribers(c echo.Context) error {
	w := s.startCSV(c, "subscribers.csv", subscriberColumns)
	row := make([]string, len(subscriberColumns))
	err := s.Store.EachSubscriber(c.Request().Context(), func(sub models.Subscriber) error {
		row[0], row[1], row[2], row[3], row[4] = strconv.FormatInt(sub.ID, 10), sub.Email, sub.Name, sub.Timezone, sub.Status
		row[5], row[6], row[7] = csvTime(sub.CreatedAt), csvTimePtr(sub.ConfirmedAt), csvTimePtr(sub.UnsubscribedAt)
		return w.write(row)
	})
	return s.finishCSV(w, err)
}

// exportBookings streams every booking, with its subscriber, as CSV.
func (s *server) exportBookings(c echo.Context) error {
	w := s.startCSV(c, "bookings.csv", bookingColumns)
	row := make([]string, len(bookingColumns))
	err := s.Store.EachBooking(c.Request().Context(), func(b storage.BookingExport) error {
		row[0], row[1], row[2], row[3] = strconv.FormatInt(b.ID, 10), strconv.FormatInt(b.SubscriberID, 10), b.Email, b.Name
		row[4], row[5], row[6], row[7] = csvTime(b.Start), csvTime(b.End), b.Status, b.Timezone
		row[8], row[9], row[10], row[11] = b.SourceLesson, b.Answers, csvTime(b.CreatedAt), csvTimePtr(b.CancelledAt)
		return w.write(row)
	})
	return s.finishCSV(w, err)
}

// csvStream writes an export: RFC 4180 (CRLF, quoted where needed), every
// cell safe to open in a spreadsheet, flushed every exportFlushRows rows.
type csvStream struct {
	c    echo.Context
	w    *csv.Writer
	rc   *http.ResponseController
	rows int
	err  error
}

// startCSV sends the headers and the header row. Once it has, the status is
// sent: an error later can only cut the download short.
func (s *server) startCSV(c echo.Context, filename string, columns []string) *csvStream {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, fmt.Sprintf("attachment; filename=%q", filename))
	h.Set("Cache-Control", "no-store")
	c.Response().WriteHeader(http.StatusOK)
	st := &csvStream{c: c, w: csv.NewWriter(c.Response()), rc: http.NewResponseController(c.Response())}
	st.w.UseCRLF = true
	st.extendDeadline()
	st.err = st.w.Write(columns)
	return st
}

func (st *csvStream) write(row []string) error {
	if st.err != nil {
		return st.err
	}
	for i, cell := range row {
		row[i] = neutralise(cell)
	}
	if err := st.w.Write(row); err != nil {
		st.err = fmt.Errorf("write export: %w", err)
		return st.err
	}
	st.rows++
	if st.rows%exportFlushRows == 0 {
		st.flush()
		st.extendDeadline()
	}
	return st.err
}

func (st *csvStream) flush() {
	st.w.Flush()
	if err := st.w.Error(); err != nil && st.err == nil {
		st.err = fmt.Errorf("write export: %w", err)
	}
	st.c.Response().Flush()
}

// extendDeadline gives the next batch its own write window. A writer that
// cannot (a test recorder) has no deadline to move.
func (st *csvStream) extendDeadline() {
	_ = st.rc.SetWriteDeadline(time.Now().Add(exportWriteWindow))
}

// finishCSV flushes what is left of an export. An export that failed
// once its status was sent (the database went away) is logged and broken
// off, so the download fails where it stopped: a file ending cleanly
// after the rows read so far would pass for the whole list.
func (s *server) finishCSV(st *csvStream, err error) error {
	if err == nil {
		st.flush()
		err = st.err
	}
	if err == nil {
		return nil
	}
	s.requestLog(st.c).ErrorContext(st.c.Request().Context(), "export failed after it began: the download is broken off", "error", err, "rows", st.rows)
	panic(http.ErrAbortHandler)
}

// neutralise keeps a spreadsheet from running a cell as a formula: one that
// starts with =, +, -, @, a tab or a carriage return gets a leading quote
// (the OWASP advice for CSV injection). So does each part after a
// semicolon, which a spreadsheet whose list separator is ";" (German,
// French, Dutch) reads as a cell of its own: "Ann;=cmd()" becomes
// "Ann;'=cmd()".
func neutralise(cell string) string {
	var b strings.Builder
	atStart := true // of the cell, or of a part after a semicolon
	for i := 0; i < len(cell); i++ {
		c := cell[i]
		switch {
		case atStart && strings.IndexByte("=+-@\t\r", c) >= 0:
			b.WriteByte('\'')
			atStart = false
		case c == ';':
			atStart = true
		case c != ' ':
			atStart = false
		}
		b.WriteByte(c)
	}
	return b.String()
}

func csvTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func csvTimePtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return csvTime(*t)
}

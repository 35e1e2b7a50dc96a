package smtptest

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/stretchr/testify/require"
)

func send(t *testing.T, c *smtp.Client, to string) error {
	t.Helper()
	return c.SendMail("coach@example.test", []string{to}, strings.NewReader("Subject: hi\r\n\r\nhello\r\n"))
}

func TestServer(t *testing.T) {
	t.Parallel()
	s := Start(t)
	require.Equal(t, "smtp://"+s.Addr()+"?tls=none", s.URL())

	c, err := smtp.Dial(s.Addr())
	require.NoError(t, err)
	defer func() { _ = c.Close() }()
	require.NoError(t, send(t, c, "a@example.test"))
	require.NoError(t, send(t, c, "b@example.test"))
	got := s.WaitFor(t, 2, 5*time.Second)
	require.Equal(t, "coach@example.test", got[0].From)
	require.Equal(t, []string{"a@example.test"}, got[0].To)
	require.Contains(t, string(got[1].Data), "hello")
	require.Equal(t, 1, s.Connections(), "both messages went over one connection")

	s.FailNext(1, 451, "busy")
	err = send(t, c, "c@example.test")
	var se *smtp.SMTPError
	require.ErrorAs(t, err, &se)
	require.Equal(t, 451, se.Code)
	require.NoError(t, send(t, c, "c@example.test"), "only the next DATA fails")

	s.RejectRecipient("D@example.test", 550)
	require.ErrorAs(t, send(t, c, "d@example.test"), &se)
	require.Equal(t, 550, se.Code)
	require.Len(t, s.Messages(), 3)

	s.DropIdle()
	require.Error(t, c.Noop(), "the connection was closed by the server")
	c2, err := smtp.Dial(s.Addr())
	require.NoError(t, err)
	defer func() { _ = c2.Close() }()
	require.NoError(t, send(t, c2, "e@example.test"))
	require.Equal(t, 2, s.Connections())
}

func TestWaitForFailsWithCount(t *testing.T) {
	t.Parallel()
	s := Start(t)
	ft := &fakeTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.WaitFor(ft, 1, 50*time.Millisecond)
	}()
	<-done
	require.True(t, ft.failed)
	require.Contains(t, ft.msg, "0 arrived")
}

func TestWaitToCountsOneAddress(t *testing.T) {
	t.Parallel()
	s := Start(t)
	c, err := smtp.Dial(s.Addr())
	require.NoError(t, err)
	defer func() { _ = c.Close() }()
	require.NoError(t, send(t, c, "a@example.test"))
	sent := make(chan error, 1)
	go func() {
		// Arrives while WaitTo waits: it must wake up for it.
		time.Sleep(20 * time.Millisecond)
		sent <- c.SendMail("coach@example.test", []string{"b@example.test"}, strings.NewReader("Subject: =?utf-8?q?f=C3=BCr_b?=\r\n\r\nhello\r\n"))
	}()
	got := s.WaitTo(t, "b@example.test", 1, 5*time.Second)
	require.NoError(t, <-sent)
	require.Len(t, got, 1)
	require.Equal(t, []string{"b@example.test"}, got[0].To)
	require.Equal(t, []string{"für b"}, Subjects(got))
	require.Len(t, s.MessagesTo("A@example.test"), 1, "addresses match whatever their case")

	ft := &fakeTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.WaitTo(ft, "a@example.test", 2, 50*time.Millisecond)
	}()
	<-done
	require.True(t, ft.failed)
	require.Contains(t, ft.msg, "1 arrived")
	require.Contains(t, ft.msg, `["hi"]`, "the failure names what did arrive")
}

// fakeTB records a fatal failure instead of ending the real test.
type fakeTB struct {
	testing.TB
	failed bool
	msg    string
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Fatalf(format string, args ...any) {
	f.failed = true
	f.msg = strings.TrimSpace(fmt.Sprintf(format, args...))
	runtime.Goexit() // as t.Fatalf does
}

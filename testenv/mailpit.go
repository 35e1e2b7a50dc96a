package testenv

import (
	"encoding/json"
	"errors"
	"fmt"
	"go/build"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// MailpitVersion is the mailpit that .ci/run installs and the tests expect.
const MailpitVersion = "v1.27.11"

// Mailpit is a mailpit server of the test's own, on free loopback ports, its
// messages in the test's temporary directory.
type Mailpit struct {
	// SMTP is the address it accepts mail on, host:port, without TLS.
	SMTP string
	// API is the base URL of its HTTP API.
	API string
}

// MailpitMessage is what mailpit tells of one message.
type MailpitMessage struct {
	ID        string
	MessageID string
	Subject   string
	Text      string
	HTML      string
}

// HTMLCheck is mailpit's verdict on a message's HTML against the caniemail
// data: Total.Supported is the percentage of clients that support it.
type HTMLCheck struct {
	Total struct {
		Nodes       int
		Supported   float64
		Partial     float64
		Unsupported float64
	}
	Warnings []struct {
		Slug  string
		Title string
		Score struct {
			Found       int
			Supported   float64
			Partial     float64
			Unsupported float64
		}
	}
}

// StartMailpit runs mailpit for the test and stops it at the end. Without
// the binary the test is skipped, except in CI (CI=true), where it fails:
// .ci/run installs it.
func StartMailpit(tb testing.TB) *Mailpit {
	tb.Helper()
	bin, err := mailpitBinary()
	if err != nil {
		msg := fmt.Sprintf("mailpit is not installed (go install github.com/axllent/mailpit@%s): %v", MailpitVersion, err)
		if os.Getenv("CI") == "true" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	smtpAddr, apiAddr := FreeAddr(tb), FreeAddr(tb)
	dir := tb.TempDir()
	cmd := exec.Command(bin, "--smtp", smtpAddr, "--listen", apiAddr,
		"--disable-version-check", "--smtp-disable-rdns", "--quiet")
	// With no --database, mailpit keeps its messages in a temporary file
	// that it removes when it stops; TMPDIR puts that file in dir.
	cmd.Env = append(os.Environ(), "TMPDIR="+dir)
	logf, err := os.Create(filepath.Join(dir, "mailpit.log"))
	if err != nil {
		tb.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start mailpit: %v", err)
	}
	exited := make(chan struct{})
	var exitErr error
	go func() {
		exitErr = cmd.Wait()
		close(exited)
	}()
	tb.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		_ = logf.Close()
	})
	m := &Mailpit{SMTP: smtpAddr, API: "http://" + apiAddr}
	Wait(tb, 30*time.Second, "mailpit to answer", func() error {
		select {
		case <-exited:
			log, _ := os.ReadFile(filepath.Join(dir, "mailpit.log"))
			return fmt.Errorf("mailpit exited (%v): %s", exitErr, log)
		default:
		}
		resp, err := http.Get(m.API + "/readyz")
		if err != nil {
			return err
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("readyz: %s", resp.Status)
		}
		return nil
	})
	return m
}

// mailpitBinary finds mailpit on PATH, else where go install puts it.
func mailpitBinary() (string, error) {
	if p, err := exec.LookPath("mailpit"); err == nil {
		return p, nil
	}
	dirs := []string{os.Getenv("GOBIN")}
	for _, gopath := range filepath.SplitList(build.Default.GOPATH) {
		dirs = append(dirs, filepath.Join(gopath, "bin"))
	}
	for _, d := range dirs {
		if d == "" {
			continue
		}
		p := filepath.Join(d, "mailpit")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", errors.New("not on PATH, in GOBIN or in GOPATH/bin")
}

// FreeAddr is a loopback address with a port nothing listens on just now.
func FreeAddr(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// Messages lists the messages mailpit holds, newest first.
func (m *Mailpit) Messages(tb testing.TB) []MailpitMessage {
	tb.Helper()
	var list struct{ Messages []MailpitMessage }
	m.get(tb, "/api/v1/messages?limit=1000", &list)
	return list.Messages
}

// Message returns one message, with its text and HTML parts.
func (m *Mailpit) Message(tb testing.TB, id string) MailpitMessage {
	tb.Helper()
	var msg MailpitMessage
	m.get(tb, "/api/v1/message/"+id, &msg)
	return msg
}

// Headers returns a message's header fields.
func (m *Mailpit) Headers(tb testing.TB, id string) http.Header {
	tb.Helper()
	var h map[string][]string
	m.get(tb, "/api/v1/message/"+id+"/headers", &h)
	out := http.Header{}
	for k, vs := range h {
		for _, v := range vs {
			out.Add(k, v)
		}
	}
	return out
}

// HTMLCheck runs mailpit's HTML check on a message.
func (m *Mailpit) HTMLCheck(tb testing.TB, id string) HTMLCheck {
	tb.Helper()
	var c HTMLCheck
	m.get(tb, "/api/v1/message/"+id+"/html-check", &c)
	return c
}

func (m *Mailpit) get(tb testing.TB, path string, v any) {
	tb.Helper()
	resp, err := http.Get(m.API + path)
	if err != nil {
		tb.Fatalf("mailpit GET %s: %v", path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("mailpit GET %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		tb.Fatalf("mailpit GET %s: %v", path, err)
	}
}

package testenv

import (
	"fmt"
	"testing"
	"time"
)

// pollEvery is how often Wait looks again.
const pollEvery = 20 * time.Millisecond

// Wait polls check, in the test's goroutine, until it returns nil. When
// timeout passes first it fails the test with what and check's last error,
// which should say what state the test found instead.
func Wait(tb testing.TB, timeout time.Duration, what string, check func() error) {
	tb.Helper()
	if err := poll(timeout, what, check); err != nil {
		tb.Fatal(err)
	}
}

func poll(timeout time.Duration, what string, check func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := check()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("waited %s for %s: %w", timeout, what, err)
		}
		time.Sleep(pollEvery)
	}
}

package worker

import (
	"testing"
	"time"
)

func TestPausedTasksWaitForThePauseAndSpreadOut(t *testing.T) {
	until := time.Now().Add(time.Minute)
	seen := map[time.Duration]bool{}
	for range 50 {
		d := pausedDelay(until)
		if d < 59*time.Second || d > 76*time.Second {
			t.Fatalf("pausedDelay = %s, want a minute plus at most a quarter", d)
		}
		seen[d.Truncate(time.Second)] = true
	}
	if len(seen) < 3 {
		t.Errorf("50 tasks come back at %d different seconds; they should spread out", len(seen))
	}
	if d := pausedDelay(time.Now().Add(-time.Second)); d < 0 || d > time.Millisecond {
		t.Errorf("a pause that has ended: wait %s, want next to none", d)
	}
}

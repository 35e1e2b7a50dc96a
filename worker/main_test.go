package worker_test

import (
	"flag"
	"os"
	"testing"
)

// waitingParallel is how many tests run at once unless -parallel says
// otherwise. These tests spend their time waiting for the clock (course
// days, reminder leads, Asynq's polls), not computing, so more of them run
// at once than GOMAXPROCS, Go's default, would allow on a small machine.
const waitingParallel = "4"

func TestMain(m *testing.M) {
	flag.Parse()
	explicit := false
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "test.parallel" })
	if !explicit {
		if err := flag.Set("test.parallel", waitingParallel); err != nil {
			panic(err)
		}
	}
	os.Exit(m.Run())
}

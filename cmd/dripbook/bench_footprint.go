package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// footprint is what the course wave costs in memory: the Redis its
// enrolled subscribers hold, and the process's resident memory.
type footprint struct {
	// redisPerSubscriber is bytes of Redis per enrolled subscriber, or -1
	// with the in-process Redis, whose memory is the process's own.
	redisPerSubscriber float64
	idleRSS, peakRSS   int64 // bytes
}

// processCPU is the CPU time the process has used so far, user and system,
// from /proc/self/stat; false where there is no such file.
func processCPU() (time.Duration, bool) {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0, false
	}
	// The fields after the command, which is in parentheses and may hold
	// spaces: utime and stime are the 12th and 13th, in clock ticks, which
	// Linux counts at 100 a second for every program.
	end := bytes.LastIndexByte(b, ')')
	if end < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[end+1:]))
	if len(f) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond, true
}

// procStatus reads one of /proc/self/status's kB fields (VmRSS, VmHWM) in
// bytes.
func procStatus(field string) (int64, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		name, rest, ok := bytes.Cut(sc.Bytes(), []byte(":"))
		if !ok || string(name) != field {
			continue
		}
		kb, err := strconv.ParseInt(string(bytes.TrimSuffix(bytes.TrimSpace(rest), []byte(" kB"))), 10, 64)
		return kb << 10, err
	}
	return 0, fmt.Errorf("/proc/self/status has no %s", field)
}

// peakRSS follows the process's resident memory from start until stop is
// called, which returns the highest it reached. It resets the kernel's
// high-water mark (VmHWM) to now and reads it at the end; where that
// cannot be reset, it samples VmRSS.
func peakRSS() (stop func() int64) {
	if os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil {
		return func() int64 { hwm, _ := procStatus("VmHWM"); return hwm }
	}
	done, peak := make(chan struct{}), make(chan int64)
	go func() {
		var top int64
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			if rss, err := procStatus("VmRSS"); err == nil {
				top = max(top, rss)
			}
			select {
			case <-done:
				peak <- top
				return
			case <-t.C:
			}
		}
	}()
	return func() int64 { close(done); return <-peak }
}

// queueMemory is the bytes Redis holds under the queue's keys, as MEMORY
// USAGE counts them: key, value and their overhead. Counting keys, not the
// server's used_memory, leaves out whatever else shares the server.
func queueMemory(ctx context.Context, rdb redis.UniversalClient) (int64, error) {
	var keys []string
	iter := rdb.Scan(ctx, 0, "asynq:{"+queueName+"}:*", 1000).Iterator()
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		return 0, err
	}
	pipe := rdb.Pipeline()
	sizes := make([]*redis.IntCmd, len(keys))
	for i, k := range keys {
		sizes[i] = pipe.MemoryUsage(ctx, k, 0)
	}
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return 0, err
	}
	var total int64
	for _, c := range sizes {
		total += c.Val() // a key gone meanwhile counts 0
	}
	return total, nil
}

// megabytes formats bytes as MB.
func megabytes(b int64) string { return fmt.Sprintf("%.1f MB", float64(b)/(1<<20)) }

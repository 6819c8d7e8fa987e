package main

import (
	"context"
	"io"
	"runtime/metrics"
	"strings"
	"testing"
	"time"
)

// garbage keeps the test's allocations from being optimised away.
var garbage [][]byte

// TestIdleServerCollectsItsGarbage: after a burst of allocation, a quiet
// process collects it (a forced cycle) without being asked.
func TestIdleServerCollectsItsGarbage(t *testing.T) {
	sample := []metrics.Sample{{Name: "/gc/cycles/forced:gc-cycles"}}
	forced := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	before := forced()
	for range 2 * idleGarbageBytes / (64 << 10) {
		garbage = append(garbage, make([]byte, 64<<10))
	}
	garbage = nil
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		collectWhenIdle(ctx, 10*time.Millisecond)
		close(done)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for forced() == before {
		if time.Now().After(deadline) {
			t.Fatal("a quiet process with its burst's garbage was never collected")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
}

// TestCollectorFlags: -memory-limit takes MiB and refuses a negative
// limit; the idle collection is on unless turned off.
func TestCollectorFlags(t *testing.T) {
	c, err := parse([]string{"-memory-limit", "512", "-gc-percent", "200"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.memLimit != 512 || c.gc != 200 || !c.idleGC {
		t.Errorf("-memory-limit 512 -gc-percent 200: limit %d, gc %d, idle collection %v", c.memLimit, c.gc, c.idleGC)
	}
	if c, _ := parse([]string{"-collect-when-idle=false"}, io.Discard); c.idleGC || c.gc != defaultGCPercent {
		t.Errorf("-collect-when-idle=false: idle collection %v, gc %d", c.idleGC, c.gc)
	}
	if _, err := parse([]string{"-memory-limit", "-1"}, io.Discard); err == nil || !strings.Contains(err.Error(), "-memory-limit") {
		t.Errorf("a negative limit: error %v, want one naming the flag", err)
	}
}

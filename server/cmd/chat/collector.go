package main

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// The collector's settings. Under load the server collects at Go's usual
// 100% growth (a low target made the collector up to half of the CPU in
// rooms of ten: docs/BENCHMARKS.md, "Small rooms"); when the load stops,
// collectWhenIdle collects at once and gives the freed memory back, so an
// idle server keeps little more than its live heap whatever the target.
const (
	defaultGCPercent = 100
	// idleCheck is how often collectWhenIdle looks at the allocation rate.
	idleCheck = time.Second
	// idleAllocBytes is what the heap may allocate in one check and the
	// server still count as quiet (pings, presence, a message now and then).
	idleAllocBytes = 2 << 20
	// idleGarbageBytes is how much must have been allocated since the last
	// idle collection for another to be worth its CPU, and at least a
	// quarter of the live heap: a quiet server that still allocates a
	// little collects no more often than the old 25% target made it.
	idleGarbageBytes = 16 << 20
)

// collectWhenIdle runs until ctx ends, looking every interval (idleCheck
// in the server): whenever the heap allocated less than idleAllocBytes in
// the last interval, after more than idleGarbageBytes (or a quarter of the
// live heap) since its last collection, it collects and returns the freed
// memory to the system (debug.FreeOSMemory). A busy server is left to its
// collector's target; a quiet one does not sit on the garbage of its last
// burst (10,000 users connecting, a busy hour).
func collectWhenIdle(ctx context.Context, every time.Duration) {
	sample := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}, {Name: "/gc/heap/live:bytes"}}
	allocated := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	worthIt := func() uint64 { return max(idleGarbageBytes, sample[1].Value.Uint64()/4) }
	t := time.NewTicker(every)
	defer t.Stop()
	last := allocated()
	var collected uint64 // what the heap had allocated at the last idle collection: none yet
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := allocated()
		if now-last < idleAllocBytes && now-collected > worthIt() {
			debug.FreeOSMemory()
			now = allocated()
			collected = now
		}
		last = now
	}
}

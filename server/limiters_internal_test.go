package server

import (
	"strconv"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

func TestLimiterSetDropsFullLimiters(t *testing.T) {
	const burst = 3
	s := newLimiterSet(rate.Every(time.Second), burst) // full again 3s after its last use
	start := time.Unix(1_000_000, 0)
	const keys = 5000
	for i := range keys {
		if !s.allow("user"+strconv.Itoa(i), start) {
			t.Fatalf("key %d limited on its first use", i)
		}
	}
	if n := s.size(); n < keys {
		t.Fatalf("%d limiters for %d keys in use", n, keys)
	}
	// A minute later one key was just used up, and a newcomer arrives: the
	// limiters of everyone else are full again and go.
	later := start.Add(pruneEvery)
	for range burst {
		s.allow("busy", later.Add(-time.Second))
	}
	if s.allow("busy", later.Add(-time.Second)) {
		t.Fatal("a key past its burst was allowed")
	}
	s.allow("newcomer", later)
	if n := s.size(); n != 2 {
		t.Errorf("%d limiters after a minute with two keys in use, want 2: the full ones stay", n)
	}
	// Dropping changes nothing a key sees: a limited key stays limited.
	for range burst {
		s.allow("newcomer", later)
	}
	if s.allow("newcomer", later) {
		t.Error("a key past its burst was allowed after a prune")
	}
}

func TestLimiterSetPrunesBySize(t *testing.T) {
	s := newLimiterSet(rate.Every(time.Millisecond), 1)
	now := time.Unix(1_000_000, 0)
	for i := range 10 * minPruneSize {
		// Each key is full again a millisecond after its use; keys come at
		// a microsecond apart, so most are full by the time the set grows.
		s.allow("addr"+strconv.Itoa(i), now.Add(time.Duration(i)*time.Microsecond))
	}
	if n := s.size(); n > 2*minPruneSize {
		t.Errorf("%d limiters held after %d keys; the set should stay under %d when keys refill", n, 10*minPruneSize, 2*minPruneSize)
	}
}

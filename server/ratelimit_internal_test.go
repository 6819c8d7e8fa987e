package server

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"
)

// fakeShared is a SharedRate that answers what it is told and counts the
// times it is asked.
type fakeShared struct {
	ok    bool
	wait  time.Duration
	err   error
	asked int
}

func (f *fakeShared) Take(context.Context, string) (bool, time.Duration, error) {
	f.asked++
	return f.ok, f.wait, f.err
}

// TestKeyRateSharedWindow: the shared window's refusal is kept in memory
// until its wait is over (no round trip meanwhile) and gives the local
// token back; a shared window that fails leaves the node's own bucket to
// decide (fail open to the per-node limit).
func TestKeyRateSharedWindow(t *testing.T) {
	f := &fakeShared{wait: 2 * time.Second}
	k := newKeyRate("test", 1, 2, func(string, int, time.Duration) SharedRate { return f }, slog.New(slog.DiscardHandler))
	now := time.Now()
	if ok, wait := k.take(context.Background(), "tok", now); ok || wait != 2*time.Second {
		t.Fatalf("refused by the window: %v %v", ok, wait)
	}
	if ok, wait := k.take(context.Background(), "tok", now.Add(time.Second)); ok || wait != time.Second || f.asked != 1 {
		t.Fatalf("within the refusal: %v %v, asked %d times", ok, wait, f.asked)
	}
	if got := k.local.size(); got != 1 {
		t.Fatalf("local keys %d", got)
	}
	// The window frees a place: asked again, and the local bucket still
	// holds its whole burst (the refusals gave their tokens back).
	f.ok = true
	for i := range 2 {
		if ok, _ := k.take(context.Background(), "tok", now.Add(2*time.Second)); !ok {
			t.Fatalf("request %d after the wait refused", i)
		}
	}
	// NATS away: the node's own bucket decides (now empty).
	f.ok, f.err = false, errors.New("no responders")
	if ok, wait := k.take(context.Background(), "tok", now.Add(2*time.Second)); ok || wait <= 0 {
		t.Fatalf("over the local burst with the window away: %v %v", ok, wait)
	}
	if ok, _ := k.take(context.Background(), "other", now.Add(2*time.Second)); !ok {
		t.Fatal("a fresh key with the window away was refused: the limit should fail open to the node's own")
	}
}

package server

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestReadinessChecksOnceForManyProbes: probes that come while a check
// runs wait for it and share its answer, and probes after it get the kept
// answer, so a crowd of probes makes one request on the storage.
func TestReadinessChecksOnceForManyProbes(t *testing.T) {
	var calls atomic.Int32
	started, release := make(chan struct{}), make(chan struct{})
	down := errors.New("NATS is reconnecting")
	r := readiness{every: time.Hour, probe: func(context.Context) error {
		if calls.Add(1) == 1 {
			close(started)
		}
		<-release
		return down
	}}
	const probes = 20
	answers := make(chan error, probes)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); answers <- r.check(context.Background()) }()
	<-started
	for range probes - 1 {
		wg.Add(1)
		go func() { defer wg.Done(); answers <- r.check(context.Background()) }()
	}
	close(release)
	wg.Wait()
	close(answers)
	for err := range answers {
		if !errors.Is(err, down) {
			t.Errorf("a probe answered %v, want %v", err, down)
		}
	}
	if err := r.check(context.Background()); !errors.Is(err, down) {
		t.Errorf("a later probe answered %v, want the kept %v", err, down)
	}
	// A probe comes while the check runs (it waits) or after its answer
	// was kept (it reads it): the answer is kept before the check is
	// marked done, in one step.
	if n := calls.Load(); n != 1 {
		t.Errorf("%d checks for %d probes, want 1", n, probes+1)
	}
}

// TestReadinessWaitsNoLongerThanItsProbe: a probe whose context ends
// while another probe's check runs answers with its context's error.
func TestReadinessWaitsNoLongerThanItsProbe(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	r := readiness{every: time.Hour, probe: func(context.Context) error {
		close(started)
		<-release
		return nil
	}}
	done := make(chan error, 1)
	go func() { done <- r.check(context.Background()) }()
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := r.check(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("a probe given up answered %v, want %v", err, context.Canceled)
	}
	close(release)
	if err := <-done; err != nil {
		t.Errorf("the first probe answered %v", err)
	}
}

package auth

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// fakeClock is a time source the test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestGuardSlowsTheGuesserNotTheOwner(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	g := newGuard(clock.now)
	const ann = "ann"
	// A guesser at one address exhausts its (name, address) budget.
	for i := range pairBurst {
		if w := g.check(ann, "127.0.0.2", false); w != 0 {
			t.Fatalf("try %d refused after %v", i, w)
		}
		g.wrong(ann, "127.0.0.2", false)
	}
	if w := g.check(ann, "127.0.0.2", false); w <= 0 {
		t.Fatal("the guesser's address was not slowed down")
	}
	// Asking again and again does not lengthen the wait.
	first := g.check(ann, "127.0.0.2", false)
	for range 50 {
		g.check(ann, "127.0.0.2", false)
	}
	if again := g.check(ann, "127.0.0.2", false); again > first {
		t.Errorf("looking lengthened the wait: %v then %v", first, again)
	}
	// The owner elsewhere is not slowed down.
	if w := g.check(ann, "127.0.0.9", true); w != 0 {
		t.Errorf("the owner's known address must wait %v", w)
	}
	if w := g.check(ann, "127.0.0.10", false); w != 0 {
		t.Errorf("a new address must wait %v after one address guessed", w)
	}
}

func TestGuardNameBudgetBindsOnlyUnknownAddresses(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	g := newGuard(clock.now)
	// Many addresses, two wrong tries each: a distributed guess.
	for i := range nameBurst / 2 {
		addr := fmt.Sprintf("127.0.1.%d", i)
		g.wrong("ann", addr, false)
		g.wrong("ann", addr, false)
	}
	if w := g.check("ann", "127.0.2.1", false); w <= 0 {
		t.Error("a distributed guess from unknown addresses was not slowed down")
	}
	if w := g.check("ann", "127.0.0.1", true); w != 0 {
		t.Errorf("the owner's known address must wait %v", w)
	}
	if w := g.check("bob", "127.0.2.1", false); w != 0 {
		t.Errorf("another name must wait %v", w)
	}
	// Time heals: one more try after nameEvery.
	clock.add(nameEvery)
	if w := g.check("ann", "127.0.2.1", false); w != 0 {
		t.Errorf("after %v a new address must still wait %v", nameEvery, w)
	}
}

func TestGuardAddressBudgetSpansNames(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	g := newGuard(clock.now)
	for i := range addrBurst {
		g.wrong(fmt.Sprintf("user%d", i), "127.0.0.3", false)
	}
	if w := g.check("someone-else", "127.0.0.3", true); w <= 0 {
		t.Error("an address that guessed many names is not slowed down")
	}
}

func TestGuardStaysBounded(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	g := newGuard(clock.now)
	for i := range guardEntries + 10 {
		g.wrong("ann", fmt.Sprintf("a%d", i), true)
	}
	if n := len(g.addr.m); n > guardEntries {
		t.Errorf("%d address budgets kept, want at most %d", n, guardEntries)
	}
}

package server

import (
	"context"
	"strconv"
	"testing"
	"time"
)

// TestCostsServeUntilInDebtThenSayWhen spends a budget: a request is
// served while the budget is not in debt, whatever it costs, and the next
// one is told how long to wait.
func TestCostsServeUntilInDebtThenSayWhen(t *testing.T) {
	cs := newCosts(CostLimits{LookupRate: 100, LookupBurst: 1000, ReplyByteRate: 1 << 20, ReplyByteBurst: 4 << 20})
	ctx := context.Background()
	end, retry, err := cs.begin(ctx, "ann")
	if err != nil || retry != 0 {
		t.Fatalf("first request: retry %v, err %v", retry, err)
	}
	end(1500, 10) // more than the burst: served, and the budget owes 500
	_, retry, err = cs.begin(ctx, "ann")
	if err != nil || retry < 4*time.Second || retry > 6*time.Second {
		t.Fatalf("a request in debt of 500 lookups at 100/s: retry %v, err %v; want about 5s", retry, err)
	}
	end, retry, _ = cs.begin(ctx, "bob") // another user's budget is their own
	if retry != 0 {
		t.Fatalf("bob was limited by ann's requests: retry %v", retry)
	}
	end(1, 8<<20)
	if _, retry, _ = cs.begin(ctx, "bob"); retry < 3*time.Second {
		t.Fatalf("bob owes 4 MiB at 1 MiB/s: retry %v", retry)
	}
}

// TestCostsRunOneRequestOfAUserAtATime holds a user's turn: the user's
// next request waits for it, another user's does not.
func TestCostsRunOneRequestOfAUserAtATime(t *testing.T) {
	cs := newCosts(CostLimits{LookupRate: 100, LookupBurst: 1000, ReplyByteRate: 1 << 20, ReplyByteBurst: 4 << 20})
	end, _, _ := cs.begin(context.Background(), "ann")
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, _, err := cs.begin(ctx, "ann"); err == nil {
		t.Fatal("a second request of ann's ran while the first held the turn")
	}
	endBob, retry, err := cs.begin(context.Background(), "bob")
	if err != nil || retry != 0 {
		t.Fatalf("bob waited for ann's turn: %v %v", retry, err)
	}
	endBob(1, 1)
	end(1, 1)
	if end, _, err := cs.begin(context.Background(), "ann"); err != nil {
		t.Fatalf("ann's turn did not come back: %v", err)
	} else {
		end(0, 0)
	}
}

// TestCostsForgetUsersPaidBack: the set holds only the users who spent
// lately.
func TestCostsForgetUsersPaidBack(t *testing.T) {
	cs := newCosts(CostLimits{LookupRate: 1e6, LookupBurst: 10, ReplyByteRate: 1e9, ReplyByteBurst: 10})
	for i := range 3 * minPruneSize {
		end, _, _ := cs.begin(context.Background(), "user"+strconv.Itoa(i))
		end(1, 1)
	}
	if n := cs.size(); n > 2*minPruneSize {
		t.Fatalf("%d budgets kept for users who paid back long ago", n)
	}
}

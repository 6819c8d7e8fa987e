package server

import (
	"context"
	"math"
	"sync"
	"time"
)

// A frame can be cheap to send and dear to serve: a resume naming 1000
// conversations, a history page of 200 entries. So the requests that read
// storage are limited by what they cost, per user across all the user's
// connections, and not only by the count of frames:
//
//   - lookups: one per conversation a resume names, one per history page;
//   - reply bytes: the encoded size of the pages queued in answer.
//
// A request is served while the user's budget is not in debt, and is then
// charged what it actually cost, which may take the budget below zero: a
// large answer is never refused for being large, it makes the next ones
// wait. A request that finds the budget in debt is answered rate_limited
// with the time until it is paid back. And a user's costly requests run one
// at a time (costs.begin), so one user with many connections occupies at
// most one core and holds at most one answer being built.

// bucket is a token bucket that may go into debt: rate tokens a second up
// to burst, spent after the fact. Callers hold the lock of its costs.
type bucket struct {
	tokens float64
	at     time.Time
}

// refill brings b up to now.
func (b *bucket) refill(now time.Time, rate, burst float64) {
	if b.at.IsZero() {
		b.tokens, b.at = burst, now
		return
	}
	if d := now.Sub(b.at).Seconds(); d > 0 {
		b.tokens = math.Min(burst, b.tokens+d*rate)
		b.at = now
	}
}

// due returns how long until b is out of debt at rate, 0 if it is not.
func (b *bucket) due(rate float64) time.Duration {
	if b.tokens > 0 {
		return 0
	}
	return time.Duration((-b.tokens + 1) / rate * float64(time.Second))
}

// userCost is one user's budget, and the turn of their costly requests.
type userCost struct {
	lookups, bytes bucket
	turn           chan struct{} // holds a value while a costly request runs
	users          int           // requests holding or waiting for the turn
}

// CostLimits bound the storage work and the reply bytes of one user.
type CostLimits struct {
	// LookupRate and LookupBurst bound the conversations a user's resumes
	// and history requests look up per second.
	LookupRate  float64
	LookupBurst int
	// ReplyByteRate and ReplyByteBurst bound the bytes of history and
	// resume pages sent to a user per second.
	ReplyByteRate  float64
	ReplyByteBurst int
}

// costs holds the budgets of the users who spent some lately. A budget
// back at its full burst with no request running is the same as a new one,
// so it is dropped: the set holds only users active lately. All methods may
// be called concurrently.
type costs struct {
	limits CostLimits

	mu        sync.Mutex
	users     map[string]*userCost
	pruneAt   int
	lastPrune time.Time
}

func newCosts(l CostLimits) *costs {
	return &costs{limits: l, users: make(map[string]*userCost), pruneAt: minPruneSize}
}

// begin waits for the user's turn to run a costly request and checks the
// budget. It returns the function that charges what the request cost and
// ends the turn; or, when the budget is in debt, how long until it is paid
// back; or ctx's error.
func (cs *costs) begin(ctx context.Context, key string) (end func(lookups, bytes int), retry time.Duration, err error) {
	cs.mu.Lock()
	uc := cs.user(key, time.Now())
	uc.users++
	cs.mu.Unlock()
	select {
	case uc.turn <- struct{}{}:
	case <-ctx.Done():
		cs.leave(uc)
		return nil, 0, ctx.Err()
	}
	cs.mu.Lock()
	now := time.Now()
	l := cs.limits
	uc.lookups.refill(now, l.LookupRate, float64(l.LookupBurst))
	uc.bytes.refill(now, l.ReplyByteRate, float64(l.ReplyByteBurst))
	retry = max(uc.lookups.due(l.LookupRate), uc.bytes.due(l.ReplyByteRate))
	cs.mu.Unlock()
	if retry > 0 {
		<-uc.turn
		cs.leave(uc)
		return nil, retry, nil
	}
	return func(lookups, bytes int) {
		cs.mu.Lock()
		uc.lookups.tokens -= float64(lookups)
		uc.bytes.tokens -= float64(bytes)
		cs.mu.Unlock()
		<-uc.turn
		cs.leave(uc)
	}, 0, nil
}

func (cs *costs) leave(uc *userCost) {
	cs.mu.Lock()
	uc.users--
	cs.mu.Unlock()
}

// user returns key's budget, made on first use. Callers hold cs.mu.
func (cs *costs) user(key string, now time.Time) *userCost {
	if len(cs.users) >= cs.pruneAt || now.Sub(cs.lastPrune) >= pruneEvery {
		cs.prune(now)
	}
	uc := cs.users[key]
	if uc == nil {
		uc = &userCost{turn: make(chan struct{}, 1)}
		cs.users[key] = uc
	}
	return uc
}

// prune drops the budgets that are full again and not in use. Callers hold
// cs.mu.
func (cs *costs) prune(now time.Time) {
	l := cs.limits
	for key, uc := range cs.users {
		uc.lookups.refill(now, l.LookupRate, float64(l.LookupBurst))
		uc.bytes.refill(now, l.ReplyByteRate, float64(l.ReplyByteBurst))
		if uc.users == 0 && uc.lookups.tokens >= float64(l.LookupBurst) && uc.bytes.tokens >= float64(l.ReplyByteBurst) {
			delete(cs.users, key)
		}
	}
	cs.lastPrune = now
	cs.pruneAt = max(2*len(cs.users), minPruneSize)
}

// size returns how many users the set holds.
func (cs *costs) size() int {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return len(cs.users)
}

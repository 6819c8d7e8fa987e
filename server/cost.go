package server

import (
	"context"
	"time"

	"golang.org/x/time/rate"
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

// userCost is one user's budget, and the turn of their costly requests.
// Its buckets may go into debt (spend); the users count is guarded by the
// costs' lock.
type userCost struct {
	lookups, bytes *rate.Limiter
	turn           chan struct{} // holds a value while a costly request runs
	users          int           // requests holding or waiting for the turn
}

// spend takes n tokens from l at now, however deep into debt that takes it
// (a reservation takes at most the burst).
func spend(l *rate.Limiter, now time.Time, n int) {
	for burst := l.Burst(); n > 0 && burst > 0; n -= burst {
		l.ReserveN(now, min(n, burst))
	}
}

// due returns how long until l is out of debt at now, 0 if it is not.
func due(l *rate.Limiter, now time.Time) time.Duration {
	tokens := l.TokensAt(now)
	if tokens > 0 {
		return 0
	}
	return time.Duration((-tokens + 1) / float64(l.Limit()) * float64(time.Second))
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
// so it is dropped (bucketSet): the set holds only users active lately. All
// methods may be called concurrently.
type costs struct {
	bucketSet[*userCost]
}

func newCosts(l CostLimits) *costs {
	return &costs{newBucketSet(func() *userCost {
		return &userCost{
			lookups: rate.NewLimiter(rate.Limit(l.LookupRate), l.LookupBurst),
			bytes:   rate.NewLimiter(rate.Limit(l.ReplyByteRate), l.ReplyByteBurst),
			turn:    make(chan struct{}, 1),
		}
	}, func(uc *userCost, now time.Time) bool {
		return uc.users == 0 && full(uc.lookups, now) && full(uc.bytes, now)
	})}
}

// begin waits for the user's turn to run a costly request and checks the
// budget. It returns the function that charges what the request cost and
// ends the turn; or, when the budget is in debt, how long until it is paid
// back; or ctx's error.
func (cs *costs) begin(ctx context.Context, key string) (end func(lookups, bytes int), retry time.Duration, err error) {
	cs.mu.Lock()
	uc := cs.get(key, time.Now())
	uc.users++
	cs.mu.Unlock()
	select {
	case uc.turn <- struct{}{}:
	case <-ctx.Done():
		cs.leave(uc)
		return nil, 0, ctx.Err()
	}
	// The turn is the user's: nobody else spends from these buckets until
	// end, which charges at the time the request was let in.
	now := time.Now()
	if retry = max(due(uc.lookups, now), due(uc.bytes, now)); retry > 0 {
		<-uc.turn
		cs.leave(uc)
		return nil, retry, nil
	}
	return func(lookups, bytes int) {
		spend(uc.lookups, now, lookups)
		spend(uc.bytes, now, bytes)
		<-uc.turn
		cs.leave(uc)
	}, 0, nil
}

func (cs *costs) leave(uc *userCost) {
	cs.mu.Lock()
	uc.users--
	cs.mu.Unlock()
}

package server

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiterSet holds a rate limiter per key (a user, a sign-in address),
// made on first use. A limiter back to its full burst is the same as a new
// one, so the set drops those as it goes: it holds only the keys limited
// lately, however many users and addresses come and go. All methods may be
// called concurrently.
type limiterSet struct {
	limit rate.Limit
	burst int

	mu        sync.Mutex
	limiters  map[string]*rate.Limiter
	pruneAt   int       // prune when the set reaches this size...
	lastPrune time.Time // ...or pruneEvery after the last prune
}

// pruneEvery is how often a limiterSet drops its full limiters at least;
// minPruneSize the size under which it does not bother otherwise.
const (
	pruneEvery   = time.Minute
	minPruneSize = 1024
)

func newLimiterSet(limit rate.Limit, burst int) *limiterSet {
	return &limiterSet{limit: limit, burst: burst, limiters: make(map[string]*rate.Limiter), pruneAt: minPruneSize}
}

// limiter returns key's limiter, made on first use, pruning the set first
// when it is due. s.mu must be held.
func (s *limiterSet) limiter(key string, now time.Time) *rate.Limiter {
	if len(s.limiters) >= s.pruneAt || now.Sub(s.lastPrune) >= pruneEvery {
		s.prune(now)
	}
	l := s.limiters[key]
	if l == nil {
		l = rate.NewLimiter(s.limit, s.burst)
		s.limiters[key] = l
	}
	return l
}

// allow reports whether key may act at now, and counts it.
func (s *limiterSet) allow(key string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.limiter(key, now)
	return l.AllowN(now, 1)
}

// take is allow that can be undone: it reports whether key may act at now
// and counts it, and returns undo, which gives the token back (when a
// later check refuses the act after all), or else how long until key may
// act.
func (s *limiterSet) take(key string, now time.Time) (ok bool, undo func(), wait time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.limiter(key, now)
	r := l.ReserveN(now, 1)
	if !r.OK() {
		return false, nil, rate.InfDuration
	}
	if wait = r.DelayFrom(now); wait > 0 {
		r.CancelAt(now)
		return false, nil, wait
	}
	return true, func() { r.CancelAt(now) }, 0
}

// prune drops the limiters that are full again at now. The next prune by
// size waits until the set has doubled, so pruning costs O(1) per allow
// over time.
func (s *limiterSet) prune(now time.Time) {
	for key, l := range s.limiters {
		if l.TokensAt(now) >= float64(s.burst) {
			delete(s.limiters, key)
		}
	}
	s.lastPrune = now
	s.pruneAt = max(2*len(s.limiters), minPruneSize)
}

// size returns how many keys the set holds.
func (s *limiterSet) size() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.limiters)
}

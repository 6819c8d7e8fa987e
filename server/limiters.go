package server

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// bucketSet holds token buckets per key (a user, an address), made on
// first use: the one set behind limiterSet and costs. A value idle again
// (its buckets full, nothing using it) is the same as a new one, so the
// set drops those as it goes: it holds only the keys active lately,
// however many users and addresses come and go. Callers hold mu around get
// and what they do with the value.
type bucketSet[V any] struct {
	fresh func() V                      // a new key's value
	idle  func(v V, now time.Time) bool // whether v may be dropped at now

	mu        sync.Mutex
	values    map[string]V
	pruneAt   int       // prune when the set reaches this size...
	lastPrune time.Time // ...or pruneEvery after the last prune
}

// pruneEvery is how often a bucketSet drops its idle values at least;
// minPruneSize the size under which it does not bother otherwise.
const (
	pruneEvery   = time.Minute
	minPruneSize = 1024
)

func newBucketSet[V any](fresh func() V, idle func(V, time.Time) bool) bucketSet[V] {
	return bucketSet[V]{fresh: fresh, idle: idle, values: make(map[string]V), pruneAt: minPruneSize}
}

// get returns key's value, made on first use, pruning the set first when
// it is due. s.mu must be held.
func (s *bucketSet[V]) get(key string, now time.Time) V {
	if len(s.values) >= s.pruneAt || now.Sub(s.lastPrune) >= pruneEvery {
		s.prune(now)
	}
	v, ok := s.values[key]
	if !ok {
		v = s.fresh()
		s.values[key] = v
	}
	return v
}

// prune drops the values idle at now. The next prune by size waits until
// the set has doubled, so pruning costs O(1) per get over time. s.mu must
// be held.
func (s *bucketSet[V]) prune(now time.Time) {
	for key, v := range s.values {
		if s.idle(v, now) {
			delete(s.values, key)
		}
	}
	s.lastPrune = now
	s.pruneAt = max(2*len(s.values), minPruneSize)
}

// size returns how many keys the set holds.
func (s *bucketSet[V]) size() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.values)
}

// full reports whether l has its whole burst at now: a limiter in that
// state is the same as a new one.
func full(l *rate.Limiter, now time.Time) bool { return l.TokensAt(now) >= float64(l.Burst()) }

// limiterSet holds a rate limiter per key (a user, a sign-in address),
// made on first use and dropped once full again (bucketSet). All methods
// may be called concurrently.
type limiterSet struct {
	bucketSet[*rate.Limiter]
}

func newLimiterSet(limit rate.Limit, burst int) *limiterSet {
	return &limiterSet{newBucketSet(func() *rate.Limiter { return rate.NewLimiter(limit, burst) }, full)}
}

// allow reports whether key may act at now, and counts it.
func (s *limiterSet) allow(key string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.get(key, now).AllowN(now, 1)
}

// take is allow that can be undone: it reports whether key may act at now
// and counts it, and returns undo, which gives the token back (when a
// later check refuses the act after all), or else how long until key may
// act.
func (s *limiterSet) take(key string, now time.Time) (ok bool, undo func(), wait time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.get(key, now).ReserveN(now, 1)
	if !r.OK() {
		return false, nil, rate.InfDuration
	}
	if wait = r.DelayFrom(now); wait > 0 {
		r.CancelAt(now)
		return false, nil, wait
	}
	return true, func() { r.CancelAt(now) }, 0
}

package server

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// SharedRate is a rate limit every node on the same NATS shares
// (jetstream.RateWindow): Take counts an act of key and reports whether it
// is within the limit, else how long until it is; an error means the
// limit could not be asked.
type SharedRate interface {
	Take(ctx context.Context, key string) (ok bool, wait time.Duration, err error)
}

// keyRate bounds the requests of a key (a personal access token, an
// incoming webhook) to a rate and a burst, the same whichever node they
// reach. A request passes two checks:
//
//   - the node's own token bucket (limiterSet), in memory: a key over its
//     rate on this node alone is refused without asking anyone;
//   - on a cluster, the window every node shares (SharedRate): burst
//     requests per burst/rate seconds, one publish to JetStream, which
//     admits or refuses atomically. A key refused there is refused here,
//     in memory, until the window frees a place (the wait the refusal
//     gave), so a client that hammers costs no round trip after its first
//     refusal.
//
// Fail open, deliberately: when the shared window cannot be asked (NATS
// away or slow past sharedRatePatience), the node's own bucket alone
// decides, so the limit is per node for that while (as on one node) rather
// than the API refusing everyone; the failure is logged at most once a
// minute. A node without NATS (memory storage) has only its own bucket,
// which is then the whole limit.
type keyRate struct {
	local  *limiterSet
	shared SharedRate // nil alone
	log    *slog.Logger

	mu      sync.Mutex
	refused map[string]time.Time // keys the shared window refused, until when
	warned  time.Time            // the last failure logged
}

// sharedRatePatience bounds the wait for the shared window.
const sharedRatePatience = time.Second

// newKeyRate returns the limit of r per second with burst; name names its
// shared window, made by shared (nil alone).
func newKeyRate(name string, r float64, burst int, shared func(name string, limit int, window time.Duration) SharedRate, log *slog.Logger) *keyRate {
	k := &keyRate{local: newLimiterSet(rate.Limit(r), burst), log: log, refused: make(map[string]time.Time)}
	if shared != nil && r > 0 {
		k.shared = shared(name, burst, time.Duration(float64(burst)/r*float64(time.Second)))
	}
	return k
}

// take counts a request of key at now and reports whether it may be
// served, else how long until it may.
func (k *keyRate) take(ctx context.Context, key string, now time.Time) (bool, time.Duration) {
	k.mu.Lock()
	until, refused := k.refused[key]
	k.mu.Unlock()
	if refused && now.Before(until) {
		return false, until.Sub(now)
	}
	ok, undo, wait := k.local.take(key, now)
	if !ok || k.shared == nil {
		return ok, wait
	}
	ctx, cancel := context.WithTimeout(ctx, sharedRatePatience)
	defer cancel()
	ok, wait, err := k.shared.Take(ctx, key)
	k.mu.Lock()
	defer k.mu.Unlock()
	switch {
	case err != nil:
		if now.Sub(k.warned) >= time.Minute {
			k.warned = now
			k.log.Warn("the shared rate limit did not answer: each node limits on its own meanwhile", "err", err)
		}
		return true, 0
	case !ok:
		undo()
		if len(k.refused) >= minPruneSize {
			for key, until := range k.refused {
				if !now.Before(until) {
					delete(k.refused, key)
				}
			}
		}
		k.refused[key] = now.Add(wait)
		return false, wait
	}
	delete(k.refused, key)
	return true, 0
}

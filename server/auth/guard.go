package auth

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Budgets of wrong passwords. The guesser is slowed down, not the owner:
// wrong passwords are counted where they come from (an address, a name
// from an address), and a name's own budget, shared by every address,
// binds only addresses that never signed in as that name. A right
// password is never counted, and from a known address or device it is
// never refused, however many wrong ones others sent.
const (
	// addrBurst wrong passwords from one address, then one every addrEvery.
	addrBurst = 20
	addrEvery = 30 * time.Second
	// pairBurst wrong passwords for one name from one address, then one
	// every pairEvery.
	pairBurst = 5
	pairEvery = 20 * time.Second
	// nameBurst wrong passwords for one name from addresses it does not
	// know, then one every nameEvery: a distributed guess is slowed to
	// about 1,400 tries a day, while the owner's known places go on.
	nameBurst = 10
	nameEvery = time.Minute
	// guardEntries bounds each table; past it the fullest budgets (those
	// that forgot their tries) are dropped first.
	guardEntries = 100_000
)

// guard counts wrong passwords per address, per (name, address) and per
// name. Its methods are safe for concurrent use.
type guard struct {
	now func() time.Time

	mu    sync.Mutex
	addr  budgets
	pair  budgets
	names budgets
}

func newGuard(now func() time.Time) *guard {
	return &guard{
		now:   now,
		addr:  budgets{every: addrEvery, burst: addrBurst, m: map[string]*rate.Limiter{}},
		pair:  budgets{every: pairEvery, burst: pairBurst, m: map[string]*rate.Limiter{}},
		names: budgets{every: nameEvery, burst: nameBurst, m: map[string]*rate.Limiter{}},
	}
}

// check returns how long a sign-in for key from addr must wait before its
// password is even looked at, or 0 when it may go ahead. known says that
// addr or the browser's device signed in as key before: the name's own
// budget does not bind it.
func (g *guard) check(key, addr string, known bool) time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	wait := max(g.addr.wait(addr, now), g.pair.wait(key+"\x00"+addr, now))
	if !known {
		wait = max(wait, g.names.wait(key, now))
	}
	return wait
}

// wrong counts a wrong password for key from addr.
func (g *guard) wrong(key, addr string, known bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	g.addr.spend(addr, now)
	g.pair.spend(key+"\x00"+addr, now)
	if !known {
		g.names.spend(key, now)
	}
}

// budgets is one table of token buckets.
type budgets struct {
	every time.Duration
	burst int
	m     map[string]*rate.Limiter
}

// wait returns how long until key may spend a try, without spending it.
func (b *budgets) wait(key string, now time.Time) time.Duration {
	l := b.m[key]
	if l == nil || l.TokensAt(now) >= 1 {
		return 0
	}
	r := l.ReserveN(now, 1)
	defer r.CancelAt(now) // only look: a refused try costs nothing more
	return r.DelayFrom(now)
}

// spend takes one try from key's budget.
func (b *budgets) spend(key string, now time.Time) {
	l := b.m[key]
	if l == nil {
		if len(b.m) >= guardEntries {
			b.prune(now)
		}
		l = rate.NewLimiter(rate.Every(b.every), b.burst)
		b.m[key] = l
	}
	l.AllowN(now, 1)
}

// prune drops the budgets that are full again (they remember nothing), and
// if that is not enough, every other one: memory stays bounded under a
// flood of addresses, at the price of forgetting some tries.
func (b *budgets) prune(now time.Time) {
	for k, l := range b.m {
		if l.TokensAt(now) >= float64(b.burst) {
			delete(b.m, k)
		}
	}
	if len(b.m) < guardEntries {
		return
	}
	i := 0
	for k := range b.m {
		if i++; i%2 == 0 {
			delete(b.m, k)
		}
	}
}

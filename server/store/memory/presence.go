package memory

import (
	"context"
	"fmt"
	"sync"

	"github.com/founding/chat/server/hub"
)

var _ hub.Presence = (*Presence)(nil)

// Presence is an in-process hub.Presence: the hubs of one process that
// share it, with one Log and one Directory, are the nodes of one chat (for
// tests and tools; a real cluster uses server/cluster on NATS). It
// delivers every note at once, to every watcher, in the order published.
// It is safe for concurrent use.
type Presence struct {
	watchers watchers[hub.PresenceNote]
	mu       sync.Mutex // guards states
	states   map[string]func() []hub.PresenceUser
}

// NewPresence returns a Presence with no node yet.
func NewPresence() *Presence {
	return &Presence{states: make(map[string]func() []hub.PresenceUser)}
}

// Publish hands n to every watcher.
func (p *Presence) Publish(_ context.Context, n hub.PresenceNote) error {
	p.watchers.send(n)
	return nil
}

// Watch calls fn with every note published from now on.
func (p *Presence) Watch(_ context.Context, fn func(hub.PresenceNote)) (func(), error) {
	return p.watchers.add(fn), nil
}

// Serve answers Fetch for node with state().
func (p *Presence) Serve(node string, state func() []hub.PresenceUser) (func(), error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.states[node] = state
	return func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		delete(p.states, node)
	}, nil
}

// Fetch returns the state node serves.
func (p *Presence) Fetch(_ context.Context, node string) ([]hub.PresenceUser, error) {
	p.mu.Lock()
	state := p.states[node]
	p.mu.Unlock()
	if state == nil {
		return nil, fmt.Errorf("memory: no node %q", node)
	}
	return state(), nil
}

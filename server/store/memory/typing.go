package memory

import (
	"context"
	"sync"

	"github.com/founding/chat/server/hub"
)

var _ hub.Typing = (*Typing)(nil)

// Typing is an in-process hub.Typing: the hubs of one process that share
// it are nodes of one chat (for tests and tools; a real cluster uses
// server/cluster on NATS). It hands every note at once to every watcher,
// in the order published. It is safe for concurrent use.
type Typing struct {
	mu       sync.Mutex
	watchers map[int]func(hub.TypingNote)
	next     int
}

// NewTyping returns a Typing with no watcher yet.
func NewTyping() *Typing { return &Typing{watchers: make(map[int]func(hub.TypingNote))} }

// Publish hands n to every watcher.
func (t *Typing) Publish(_ context.Context, n hub.TypingNote) error {
	t.mu.Lock()
	fns := make([]func(hub.TypingNote), 0, len(t.watchers))
	for _, fn := range t.watchers {
		fns = append(fns, fn)
	}
	t.mu.Unlock()
	for _, fn := range fns {
		fn(n)
	}
	return nil
}

// Watch calls fn with every note published from now on.
func (t *Typing) Watch(_ context.Context, fn func(hub.TypingNote)) (func(), error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	id := t.next
	t.next++
	t.watchers[id] = fn
	return func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		delete(t.watchers, id)
	}, nil
}

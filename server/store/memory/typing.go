package memory

import (
	"context"

	"github.com/founding/chat/server/hub"
)

var _ hub.Typing = (*Typing)(nil)

// Typing is an in-process hub.Typing: the hubs of one process that share
// it are nodes of one chat (for tests and tools; a real cluster uses
// server/cluster on NATS). It hands every note at once to every watcher,
// in the order published. It is safe for concurrent use.
type Typing struct {
	watchers watchers[hub.TypingNote]
}

// NewTyping returns a Typing with no watcher yet.
func NewTyping() *Typing { return &Typing{} }

// Publish hands n to every watcher.
func (t *Typing) Publish(_ context.Context, n hub.TypingNote) error {
	t.watchers.send(n)
	return nil
}

// Watch calls fn with every note published from now on.
func (t *Typing) Watch(_ context.Context, fn func(hub.TypingNote)) (func(), error) {
	return t.watchers.add(fn), nil
}

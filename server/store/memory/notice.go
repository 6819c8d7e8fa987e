package memory

import (
	"context"

	"github.com/founding/chat/server/hub"
)

var _ hub.Notices = (*Notices)(nil)

// Notices is an in-process hub.Notices: the hubs of one process that
// share it are nodes of one chat (for tests and tools). It hands every
// note at once to every watcher. It is safe for concurrent use.
type Notices struct {
	watchers watchers[hub.NoticeNote]
}

// NewNotices returns a Notices with no watcher yet.
func NewNotices() *Notices { return &Notices{} }

// Publish hands n to every watcher.
func (t *Notices) Publish(_ context.Context, n hub.NoticeNote) error {
	t.watchers.send(n)
	return nil
}

// Watch calls fn with every note published from now on.
func (t *Notices) Watch(_ context.Context, fn func(hub.NoticeNote)) (func(), error) {
	return t.watchers.add(fn), nil
}

package cluster

import (
	"context"
	"encoding/json"

	"github.com/nats-io/nats.go"

	"github.com/founding/chat/server/hub"
)

// typingSubject carries every typing note, on core NATS: nothing of it is
// kept, and a note lost only ends a "typing…" line early.
const typingSubject = "chat.cluster.typing"

// Typing is hub.Typing on a NATS connection.
type Typing struct {
	nc *nats.Conn
}

// NewTyping returns the typing signals of the nodes on nc.
func NewTyping(nc *nats.Conn) *Typing { return &Typing{nc: nc} }

var _ hub.Typing = (*Typing)(nil)

// Publish sends n to every node. It does not wait for the server: the
// connection's buffer takes it.
func (t *Typing) Publish(_ context.Context, n hub.TypingNote) error {
	data, err := json.Marshal(n)
	if err != nil {
		return err
	}
	return t.nc.Publish(typingSubject, data)
}

// Watch calls fn with every note, in the order each node sent them.
func (t *Typing) Watch(_ context.Context, fn func(hub.TypingNote)) (func(), error) {
	return subscribe(t.nc, typingSubject, func(m *nats.Msg) {
		var n hub.TypingNote
		if json.Unmarshal(m.Data, &n) == nil {
			fn(n)
		}
	})
}

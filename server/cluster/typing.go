package cluster

import (
	"github.com/nats-io/nats.go"

	"github.com/founding/chat/server/hub"
)

// typingSubject carries every typing note, on core NATS: nothing of it is
// kept, and a note lost only ends a "typing…" line early.
const typingSubject = "chat.cluster.typing"

// Typing is hub.Typing on a NATS connection: Publish and Watch (topic)
// carry its notes.
type Typing struct {
	topic[hub.TypingNote]
}

// NewTyping returns the typing signals of the nodes on nc.
func NewTyping(nc *nats.Conn) *Typing { return &Typing{topic[hub.TypingNote]{nc, typingSubject}} }

var _ hub.Typing = (*Typing)(nil)

// Package cluster carries what the chat's nodes tell each other over core
// NATS (not JetStream: nothing of it is kept): who is online on each node
// (Presence, the hub's seam), who is typing (Typing, another seam of the
// hub), and which browser sessions ended (Sessions).
// Subjects start with "chat.cluster.".
package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"

	"github.com/founding/chat/server/hub"
)

// Subjects of presence: every note on notesSubject; a node's state on
// stateSubject + its id.
const (
	notesSubject = "chat.cluster.presence"
	stateSubject = "chat.cluster.presence.state."
)

// Presence is hub.Presence on a NATS connection: Publish and Watch carry
// the notes (topic), Serve and Fetch a node's whole state.
type Presence struct {
	topic[hub.PresenceNote]
	nc *nats.Conn
}

// NewPresence returns the presence of the nodes on nc.
func NewPresence(nc *nats.Conn) *Presence {
	return &Presence{topic: topic[hub.PresenceNote]{nc, notesSubject}, nc: nc}
}

var _ hub.Presence = (*Presence)(nil)

// Serve answers Fetch for node with state().
func (p *Presence) Serve(node string, state func() []hub.PresenceUser) (func(), error) {
	return subscribe(p.nc, stateSubject+node, func(m *nats.Msg) {
		data, err := json.Marshal(state())
		if err == nil {
			m.Respond(data)
		}
	})
}

// Fetch asks node for its state.
func (p *Presence) Fetch(ctx context.Context, node string) ([]hub.PresenceUser, error) {
	if node == "" {
		return nil, errors.New("cluster: no node to fetch")
	}
	m, err := p.nc.RequestWithContext(ctx, stateSubject+node, nil)
	if err != nil {
		return nil, fmt.Errorf("cluster: presence of node %s: %w", node, err)
	}
	var users []hub.PresenceUser
	if err := json.Unmarshal(m.Data, &users); err != nil {
		return nil, fmt.Errorf("cluster: presence of node %s: %w", node, err)
	}
	return users, nil
}

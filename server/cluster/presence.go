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

// Presence is hub.Presence on a NATS connection.
type Presence struct {
	nc *nats.Conn
}

// NewPresence returns the presence of the nodes on nc.
func NewPresence(nc *nats.Conn) *Presence { return &Presence{nc: nc} }

var _ hub.Presence = (*Presence)(nil)

// Publish sends n to every node.
func (p *Presence) Publish(_ context.Context, n hub.PresenceNote) error {
	data, err := json.Marshal(n)
	if err != nil {
		return err
	}
	return p.nc.Publish(notesSubject, data)
}

// Watch calls fn with every note, in the order each node sent them (one
// subscription delivers in order, one message at a time).
func (p *Presence) Watch(_ context.Context, fn func(hub.PresenceNote)) (func(), error) {
	return subscribe(p.nc, notesSubject, func(m *nats.Msg) {
		var n hub.PresenceNote
		if json.Unmarshal(m.Data, &n) == nil {
			fn(n)
		}
	})
}

// Serve answers Fetch for node with state().
func (p *Presence) Serve(node string, state func() []hub.PresenceUser) (func(), error) {
	return subscribe(p.nc, stateSubject+node, func(m *nats.Msg) {
		data, err := json.Marshal(state())
		if err == nil {
			m.Respond(data)
		}
	})
}

// subscribe calls handle with every message on subject, and returns once
// the subscription is in place on the server (a note published after it
// is seen), with the function that ends it.
func subscribe(nc *nats.Conn, subject string, handle nats.MsgHandler) (func(), error) {
	sub, err := nc.Subscribe(subject, handle)
	if err != nil {
		return nil, err
	}
	if err := nc.Flush(); err != nil {
		sub.Unsubscribe()
		return nil, err
	}
	return func() { sub.Unsubscribe() }, nil
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

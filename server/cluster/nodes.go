package cluster

import (
	"context"
	"encoding/json"
	"time"

	"github.com/nats-io/nats.go"
)

// nodesSubject carries the admin console's question to every node: how
// are you? Each answers on the reply subject.
const nodesSubject = "chat.cluster.nodes.info"

// NodeInfo is what a node says of itself to the admin console.
type NodeInfo struct {
	Node        string `json:"node"`
	Version     string `json:"version"`
	Healthy     bool   `json:"healthy"`            // it answers at all
	Ready       bool   `json:"ready"`              // its /readyz would answer 200
	NotReady    string `json:"notReady,omitempty"` // why not
	Connections int    `json:"connections"`        // websockets open
	Started     int64  `json:"started"`            // Unix ms
	Uptime      int64  `json:"uptimeSeconds"`
}

// Nodes asks every node on a NATS connection for its NodeInfo
// (request and replies).
type Nodes struct {
	nc *nats.Conn
}

// NewNodes returns the nodes on nc.
func NewNodes(nc *nats.Conn) *Nodes { return &Nodes{nc: nc} }

// Answer answers every node's question with info, until stop.
func (n *Nodes) Answer(info func() NodeInfo) (stop func(), err error) {
	return subscribe(n.nc, nodesSubject, func(m *nats.Msg) {
		if m.Reply == "" {
			return
		}
		if data, err := json.Marshal(info()); err == nil {
			n.nc.Publish(m.Reply, data)
		}
	})
}

// Gather asks every node and returns the answers that came within wait,
// or once want came (0: wait the whole time).
func (n *Nodes) Gather(ctx context.Context, wait time.Duration, want int) ([]NodeInfo, error) {
	inbox := n.nc.NewRespInbox()
	ch := make(chan *nats.Msg, 64)
	sub, err := n.nc.ChanSubscribe(inbox, ch)
	if err != nil {
		return nil, err
	}
	defer sub.Unsubscribe()
	if err := n.nc.PublishRequest(nodesSubject, inbox, nil); err != nil {
		return nil, err
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	var out []NodeInfo
	for want <= 0 || len(out) < want {
		select {
		case m := <-ch:
			var info NodeInfo
			if json.Unmarshal(m.Data, &info) == nil {
				out = append(out, info)
			}
		case <-timer.C:
			return out, nil
		case <-ctx.Done():
			return out, ctx.Err()
		}
	}
	return out, nil
}

// roomsSubject carries the ids of rooms the admin console archived,
// unarchived or deleted, for every node to read them again.
const roomsSubject = "chat.cluster.rooms.changed"

// RoomChanged tells every node, this one too, that the admin console
// archived, unarchived or deleted room id. A node that misses it (not
// connected then) reads the archived and deleted rooms within a second
// anyway. (A room's new owner is in its record, which every node follows
// from the Directory's watch.)
func (n *Nodes) RoomChanged(ctx context.Context, id string) error {
	return topic[string]{n.nc, roomsSubject}.Publish(ctx, id)
}

// WatchRooms calls fn with the id of every room any node says changed.
func (n *Nodes) WatchRooms(ctx context.Context, fn func(id string)) (stop func(), err error) {
	return topic[string]{n.nc, roomsSubject}.Watch(ctx, fn)
}

// adminsSubject says that the admin console changed who is an admin, for
// every node to read the admins again.
const adminsSubject = "chat.cluster.admins.changed"

// AdminsChanged tells every node, this one too, that the admin console
// changed who is an admin. A node that misses it reads the admins again
// within a second anyway (server/admin_follow.go).
func (n *Nodes) AdminsChanged(ctx context.Context) error {
	return topic[struct{}]{n.nc, adminsSubject}.Publish(ctx, struct{}{})
}

// WatchAdmins calls fn whenever any node says the admins changed.
func (n *Nodes) WatchAdmins(ctx context.Context, fn func()) (stop func(), err error) {
	return topic[struct{}]{n.nc, adminsSubject}.Watch(ctx, func(struct{}) { fn() })
}

package cluster

import (
	"github.com/nats-io/nats.go"
)

// endedSubject carries the browser sessions that ended on some node.
const endedSubject = "chat.cluster.sessions.ended"

// Ended says that browser sessions ended (a sign-out, a password change, a
// device signed out): every node closes their connections with the close
// code and reason, Tell first sending the signed_out error frame.
type Ended struct {
	Node   string   `json:"node"` // the node that ended them, which closed its own
	Groups []string `json:"groups"`
	Code   int      `json:"code"`
	Reason string   `json:"reason,omitempty"`
	Tell   bool     `json:"tell,omitempty"`
}

// Sessions carries Ended between the nodes on a NATS connection: Publish
// tells every node that sessions ended, and Watch hears every node's,
// this one's too (topic).
type Sessions struct {
	topic[Ended]
}

// NewSessions returns the session ends of the nodes on nc.
func NewSessions(nc *nats.Conn) *Sessions { return &Sessions{topic[Ended]{nc, endedSubject}} }

package cluster

import (
	"context"
	"encoding/json"

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

// Sessions carries Ended between the nodes on a NATS connection.
type Sessions struct {
	nc *nats.Conn
}

// NewSessions returns the session ends of the nodes on nc.
func NewSessions(nc *nats.Conn) *Sessions { return &Sessions{nc: nc} }

// Publish tells every node that e's sessions ended.
func (s *Sessions) Publish(_ context.Context, e Ended) error {
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return s.nc.Publish(endedSubject, data)
}

// Watch calls fn with every Ended any node publishes, this one's too. It
// returns once the subscription is in place.
func (s *Sessions) Watch(_ context.Context, fn func(Ended)) (func(), error) {
	return subscribe(s.nc, endedSubject, func(m *nats.Msg) {
		var e Ended
		if json.Unmarshal(m.Data, &e) == nil {
			fn(e)
		}
	})
}

package cluster

import (
	"github.com/nats-io/nats.go"
)

// hooksSubject carries the rooms whose outgoing hooks changed.
const hooksSubject = "chat.cluster.hooks.changed"

// HooksChanged says that the outgoing hooks of room Conv were made or
// revoked: every node reads them again before its next message there.
type HooksChanged struct {
	Conv string `json:"conv"`
}

// Hooks carries HooksChanged between the nodes on a NATS connection
// (topic).
type Hooks struct {
	topic[HooksChanged]
}

// NewHooks returns the hook changes of the nodes on nc.
func NewHooks(nc *nats.Conn) *Hooks { return &Hooks{topic[HooksChanged]{nc, hooksSubject}} }

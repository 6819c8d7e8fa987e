package cluster

import (
	"github.com/nats-io/nats.go"

	"github.com/founding/chat/server/hub"
)

// noticeSubject carries every notice for one user, on core NATS: nothing
// of it is kept.
const noticeSubject = "chat.cluster.notice"

// Notices is hub.Notices on a NATS connection: Publish and Watch (topic)
// carry its notes.
type Notices struct {
	topic[hub.NoticeNote]
}

// NewNotices returns the notices of the nodes on nc.
func NewNotices(nc *nats.Conn) *Notices {
	return &Notices{topic[hub.NoticeNote]{nc, noticeSubject}}
}

var _ hub.Notices = (*Notices)(nil)

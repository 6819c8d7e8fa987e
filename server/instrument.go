package server

import (
	"context"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/hub"
	"github.com/founding/chat/server/metrics"
)

// timedLog is the storage's Log, timed: every append's latency (a
// JetStream publish and its ack on NATS storage) goes to
// chat_log_append_seconds. The rest of the Log passes through.
type timedLog struct {
	hub.Log
	metrics *metrics.Metrics
}

var _ hub.Log = timedLog{}

// Append stores e and records how long it took.
func (l timedLog) Append(ctx context.Context, e chat.Entry) (chat.Entry, error) {
	start := time.Now()
	e, err := l.Log.Append(ctx, e)
	l.metrics.Appended(time.Since(start), err)
	return e, err
}

// AppendMessage stores a client's message once and records how long it
// took; a duplicate, which stores nothing, is not timed.
func (l timedLog) AppendMessage(ctx context.Context, e chat.Entry, o hub.Origin) (chat.Ack, bool, error) {
	start := time.Now()
	ack, dup, err := l.Log.AppendMessage(ctx, e, o)
	if !dup {
		l.metrics.Appended(time.Since(start), err)
	}
	return ack, dup, err
}

package server

import (
	"context"
	"errors"
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

var _ hub.Dropper = timedLog{}

// Convs passes through to the storage's Log, which every backend lets drop
// entries (hub.Dropper).
func (l timedLog) Convs(ctx context.Context, fn func(conv string) error) error {
	d, ok := l.Log.(hub.Dropper)
	if !ok {
		return errors.New("server: the storage's log cannot drop entries")
	}
	return d.Convs(ctx, fn)
}

// Drop passes through to the storage's Log (hub.Dropper).
func (l timedLog) Drop(ctx context.Context, conv string, below uint64) (int, error) {
	d, ok := l.Log.(hub.Dropper)
	if !ok {
		return 0, errors.New("server: the storage's log cannot drop entries")
	}
	return d.Drop(ctx, conv, below)
}

package cluster

import (
	"context"
	"encoding/json"

	"github.com/nats-io/nats.go"
)

// topic is a subject of core NATS that carries values of T, as JSON, to
// every node: the publish and subscribe that Presence, Typing and Sessions
// embed. A value lost (no node listening, a slow subscriber) is gone, and
// one that does not decode is passed over.
type topic[T any] struct {
	nc      *nats.Conn
	subject string
}

// Publish sends v to every node, this one too. It does not wait for the
// server: the connection's buffer takes it.
func (t topic[T]) Publish(_ context.Context, v T) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return t.nc.Publish(t.subject, data)
}

// Watch calls fn with every value any node publishes, this one's too, in
// the order each node sent them (one subscription delivers in order, one
// message at a time). It returns once the subscription is in place, with
// the function that ends it.
func (t topic[T]) Watch(_ context.Context, fn func(T)) (func(), error) {
	return subscribe(t.nc, t.subject, func(m *nats.Msg) {
		var v T
		if json.Unmarshal(m.Data, &v) == nil {
			fn(v)
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

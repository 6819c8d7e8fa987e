package jetstream

import (
	"context"
	"errors"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/founding/chat/server/push"
)

var _ push.Store = (*PushRecords)(nil)

// PushRecords is a push.Store in the key-value bucket chat_push: the VAPID
// keys, subscriptions and settings, shared by every node. It is safe for
// concurrent use, also by several processes.
type PushRecords struct {
	kv jetstream.KeyValue
}

// OpenPushRecords creates or updates the bucket chat_push with replicas
// copies (at least 1).
func OpenPushRecords(ctx context.Context, js jetstream.JetStream, replicas int) (*PushRecords, error) {
	kv, err := openBucket(ctx, js, "push", "web push keys, subscriptions and settings", replicas)
	if err != nil {
		return nil, err
	}
	return &PushRecords{kv: kv}, nil
}

// Get returns a value and its revision, or push.ErrNotFound.
func (r *PushRecords) Get(ctx context.Context, key string) ([]byte, uint64, error) {
	e, err := r.kv.Get(ctx, token(key))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, 0, push.ErrNotFound
	}
	if err != nil {
		return nil, 0, err
	}
	return e.Value(), e.Revision(), nil
}

// Create sets a value that must not exist yet, else push.ErrExists.
func (r *PushRecords) Create(ctx context.Context, key string, value []byte) (uint64, error) {
	rev, err := r.kv.Create(ctx, token(key), value)
	if errors.Is(err, jetstream.ErrKeyExists) {
		return 0, push.ErrExists
	}
	return rev, err
}

// Update sets a value whose revision is still rev, else push.ErrConflict.
func (r *PushRecords) Update(ctx context.Context, key string, value []byte, rev uint64) (uint64, error) {
	next, err := r.kv.Update(ctx, token(key), value, rev)
	if errors.Is(err, jetstream.ErrKeyRevisionMismatch) || errors.Is(err, jetstream.ErrKeyExists) {
		return 0, push.ErrConflict
	}
	return next, err
}

// Delete removes a value; removing a missing one is not an error.
func (r *PushRecords) Delete(ctx context.Context, key string) error {
	err := r.kv.Delete(ctx, token(key))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil
	}
	return err
}

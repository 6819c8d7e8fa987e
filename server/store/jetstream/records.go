package jetstream

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/founding/chat/server/auth"
)

var (
	_ auth.Records     = (*Records)(nil)
	_ auth.FreshReader = (*Records)(nil)
)

// Records is an auth.Records in key-value buckets chat_<bucket>, one per
// bucket auth.Accounts use. It is safe for concurrent use, also by several
// processes.
type Records struct {
	buckets map[string]jetstream.KeyValue
}

// OpenRecords creates or updates the buckets auth.Accounts use, with
// replicas copies each (at least 1), and returns records over them.
func OpenRecords(ctx context.Context, js jetstream.JetStream, replicas int) (*Records, error) {
	r := &Records{buckets: make(map[string]jetstream.KeyValue)}
	for _, b := range auth.Buckets {
		kv, err := openAgedBucket(ctx, js, b, b, replicas, auth.BucketAge[b])
		if err != nil {
			return nil, err
		}
		r.buckets[b] = kv
	}
	return r, nil
}

func (r *Records) bucket(name string) (jetstream.KeyValue, error) {
	kv, ok := r.buckets[name]
	if !ok {
		return nil, fmt.Errorf("jetstream: no bucket %q", name)
	}
	return kv, nil
}

// Get returns a value and its revision, or auth.ErrNotFound.
func (r *Records) Get(ctx context.Context, bucket, key string) ([]byte, uint64, error) {
	kv, err := r.bucket(bucket)
	if err != nil {
		return nil, 0, err
	}
	e, err := kv.Get(ctx, token(key))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, 0, auth.ErrNotFound
	}
	if err != nil {
		return nil, 0, err
	}
	return e.Value(), e.Revision(), nil
}

// GetFresh is Get as the last acknowledged write left the value: read
// from the bucket's leader, never from a replica that may lag (a
// revocation must be seen on every node at once). auth.FreshReader.
func (r *Records) GetFresh(ctx context.Context, bucket, key string) ([]byte, uint64, error) {
	kv, err := r.bucket(bucket)
	if err != nil {
		return nil, 0, err
	}
	c, ok := kv.(*consistentKV)
	if !ok {
		return r.Get(ctx, bucket, key)
	}
	e, err := c.leaderGet(ctx, token(key))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, 0, auth.ErrNotFound
	}
	if err != nil {
		return nil, 0, err
	}
	return e.Value(), e.Revision(), nil
}

// Put sets a value.
func (r *Records) Put(ctx context.Context, bucket, key string, value []byte) error {
	kv, err := r.bucket(bucket)
	if err != nil {
		return err
	}
	_, err = kv.Put(ctx, token(key), value)
	return err
}

// Create sets a value that must not exist yet, else auth.ErrExists.
func (r *Records) Create(ctx context.Context, bucket, key string, value []byte) (uint64, error) {
	kv, err := r.bucket(bucket)
	if err != nil {
		return 0, err
	}
	rev, err := kv.Create(ctx, token(key), value)
	if errors.Is(err, jetstream.ErrKeyExists) {
		return 0, auth.ErrExists
	}
	return rev, err
}

// Update sets a value whose revision is still rev, else auth.ErrConflict.
func (r *Records) Update(ctx context.Context, bucket, key string, value []byte, rev uint64) (uint64, error) {
	kv, err := r.bucket(bucket)
	if err != nil {
		return 0, err
	}
	next, err := kv.Update(ctx, token(key), value, rev)
	if errors.Is(err, jetstream.ErrKeyRevisionMismatch) || errors.Is(err, jetstream.ErrKeyExists) {
		return 0, auth.ErrConflict
	}
	return next, err
}

// Delete removes a value; removing a missing one is not an error.
func (r *Records) Delete(ctx context.Context, bucket, key string) error {
	kv, err := r.bucket(bucket)
	if err != nil {
		return err
	}
	err = kv.Delete(ctx, token(key))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil
	}
	return err
}

// Keys lists the keys of bucket (auth.KeyLister), in no order.
func (r *Records) Keys(ctx context.Context, bucket string) ([]string, error) {
	kv, err := r.bucket(bucket)
	if err != nil {
		return nil, err
	}
	lister, err := kv.ListKeys(ctx)
	if errors.Is(err, jetstream.ErrNoKeysFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer lister.Stop()
	var keys []string
	for k := range lister.Keys() {
		if key, ok := untoken(k); ok {
			keys = append(keys, key)
		}
	}
	return keys, ctx.Err()
}

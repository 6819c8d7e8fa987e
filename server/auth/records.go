package auth

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"sync"

	"github.com/nats-io/nats.go/jetstream"
)

// Errors of Records.
var (
	ErrNotFound = errors.New("auth: record not found")
	ErrExists   = errors.New("auth: record exists")
	ErrConflict = errors.New("auth: record changed meanwhile")
)

// Records is where Accounts keep their data: buckets of values by key, each
// with a revision for compare-and-set.
type Records interface {
	Get(ctx context.Context, bucket, key string) ([]byte, uint64, error)
	Put(ctx context.Context, bucket, key string, value []byte) error
	Create(ctx context.Context, bucket, key string, value []byte) (uint64, error)
	Update(ctx context.Context, bucket, key string, value []byte, rev uint64) (uint64, error)
	Delete(ctx context.Context, bucket, key string) error
}

// MemoryRecords keeps records in the process, for tests and tools.
type MemoryRecords struct {
	mu   sync.Mutex
	data map[string]memoryRecord
	rev  uint64
}

type memoryRecord struct {
	value []byte
	rev   uint64
}

// NewMemoryRecords returns empty records.
func NewMemoryRecords() *MemoryRecords { return &MemoryRecords{data: make(map[string]memoryRecord)} }

var (
	_ Records = (*MemoryRecords)(nil)
	_ Records = (*KVRecords)(nil)
)

// Get returns a value and its revision, or ErrNotFound.
func (m *MemoryRecords) Get(_ context.Context, bucket, key string) ([]byte, uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.data[bucket+"/"+key]
	if !ok {
		return nil, 0, ErrNotFound
	}
	return r.value, r.rev, nil
}

// Put sets a value.
func (m *MemoryRecords) Put(_ context.Context, bucket, key string, value []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rev++
	m.data[bucket+"/"+key] = memoryRecord{value, m.rev}
	return nil
}

// Create sets a value that must not exist yet, else ErrExists.
func (m *MemoryRecords) Create(_ context.Context, bucket, key string, value []byte) (uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.data[bucket+"/"+key]; ok {
		return 0, ErrExists
	}
	m.rev++
	m.data[bucket+"/"+key] = memoryRecord{value, m.rev}
	return m.rev, nil
}

// Update sets a value whose revision is still rev, else ErrConflict.
func (m *MemoryRecords) Update(_ context.Context, bucket, key string, value []byte, rev uint64) (uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if r, ok := m.data[bucket+"/"+key]; !ok || r.rev != rev {
		return 0, ErrConflict
	}
	m.rev++
	m.data[bucket+"/"+key] = memoryRecord{value, m.rev}
	return m.rev, nil
}

// Delete removes a value; removing a missing one is not an error.
func (m *MemoryRecords) Delete(_ context.Context, bucket, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.data, bucket+"/"+key)
	return nil
}

// KVRecords keeps records in JetStream key-value buckets named chat_<bucket>.
type KVRecords struct {
	buckets map[string]jetstream.KeyValue
}

// OpenKVRecords creates or updates the buckets Accounts use.
func OpenKVRecords(ctx context.Context, js jetstream.JetStream, replicas int) (*KVRecords, error) {
	if replicas <= 0 {
		replicas = 1
	}
	r := &KVRecords{buckets: make(map[string]jetstream.KeyValue)}
	for _, b := range []string{accountsBucket, sessionsBucket} {
		kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket: "chat_" + b, Description: "chat: " + b, Storage: jetstream.FileStorage, Replicas: replicas, History: 1,
		})
		if err != nil {
			return nil, fmt.Errorf("auth: bucket chat_%s: %w", b, err)
		}
		r.buckets[b] = kv
	}
	return r, nil
}

// kvKey makes any key valid for a KV bucket.
func kvKey(key string) string { return base64.RawURLEncoding.EncodeToString([]byte(key)) }

func (r *KVRecords) bucket(name string) (jetstream.KeyValue, error) {
	kv, ok := r.buckets[name]
	if !ok {
		return nil, fmt.Errorf("auth: no bucket %q", name)
	}
	return kv, nil
}

// Get returns a value and its revision, or ErrNotFound.
func (r *KVRecords) Get(ctx context.Context, bucket, key string) ([]byte, uint64, error) {
	kv, err := r.bucket(bucket)
	if err != nil {
		return nil, 0, err
	}
	e, err := kv.Get(ctx, kvKey(key))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, 0, ErrNotFound
	}
	if err != nil {
		return nil, 0, err
	}
	return e.Value(), e.Revision(), nil
}

// Put sets a value.
func (r *KVRecords) Put(ctx context.Context, bucket, key string, value []byte) error {
	kv, err := r.bucket(bucket)
	if err != nil {
		return err
	}
	_, err = kv.Put(ctx, kvKey(key), value)
	return err
}

// Create sets a value that must not exist yet, else ErrExists.
func (r *KVRecords) Create(ctx context.Context, bucket, key string, value []byte) (uint64, error) {
	kv, err := r.bucket(bucket)
	if err != nil {
		return 0, err
	}
	rev, err := kv.Create(ctx, kvKey(key), value)
	if errors.Is(err, jetstream.ErrKeyExists) {
		return 0, ErrExists
	}
	return rev, err
}

// Update sets a value whose revision is still rev, else ErrConflict.
func (r *KVRecords) Update(ctx context.Context, bucket, key string, value []byte, rev uint64) (uint64, error) {
	kv, err := r.bucket(bucket)
	if err != nil {
		return 0, err
	}
	next, err := kv.Update(ctx, kvKey(key), value, rev)
	if errors.Is(err, jetstream.ErrKeyRevisionMismatch) || errors.Is(err, jetstream.ErrKeyExists) {
		return 0, ErrConflict
	}
	return next, err
}

// Delete removes a value; removing a missing one is not an error.
func (r *KVRecords) Delete(ctx context.Context, bucket, key string) error {
	kv, err := r.bucket(bucket)
	if err != nil {
		return err
	}
	err = kv.Delete(ctx, kvKey(key))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil
	}
	return err
}

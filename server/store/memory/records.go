package memory

import (
	"context"
	"strings"
	"sync"

	"github.com/founding/chat/server/auth"
)

var _ auth.Records = (*Records)(nil)

// Records is an in-process auth.Records: values by bucket and key, each
// with a revision from one counter for compare-and-set. It is safe for
// concurrent use.
type Records struct {
	mu   sync.Mutex
	data map[string]record // by bucket + "/" + key
	rev  uint64
}

type record struct {
	value []byte
	rev   uint64
}

// NewRecords returns empty records.
func NewRecords() *Records { return &Records{data: make(map[string]record)} }

// Get returns a value and its revision, or auth.ErrNotFound.
func (m *Records) Get(_ context.Context, bucket, key string) ([]byte, uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.data[bucket+"/"+key]
	if !ok {
		return nil, 0, auth.ErrNotFound
	}
	return r.value, r.rev, nil
}

// Put sets a value.
func (m *Records) Put(_ context.Context, bucket, key string, value []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rev++
	m.data[bucket+"/"+key] = record{value, m.rev}
	return nil
}

// Create sets a value that must not exist yet, else auth.ErrExists.
func (m *Records) Create(_ context.Context, bucket, key string, value []byte) (uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.data[bucket+"/"+key]; ok {
		return 0, auth.ErrExists
	}
	m.rev++
	m.data[bucket+"/"+key] = record{value, m.rev}
	return m.rev, nil
}

// Update sets a value whose revision is still rev, else auth.ErrConflict.
func (m *Records) Update(_ context.Context, bucket, key string, value []byte, rev uint64) (uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if r, ok := m.data[bucket+"/"+key]; !ok || r.rev != rev {
		return 0, auth.ErrConflict
	}
	m.rev++
	m.data[bucket+"/"+key] = record{value, m.rev}
	return m.rev, nil
}

// Delete removes a value; removing a missing one is not an error.
func (m *Records) Delete(_ context.Context, bucket, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.data, bucket+"/"+key)
	return nil
}

// Keys lists the keys of bucket (auth.KeyLister), in no order.
func (m *Records) Keys(_ context.Context, bucket string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var keys []string
	for k := range m.data {
		if key, ok := strings.CutPrefix(k, bucket+"/"); ok {
			keys = append(keys, key)
		}
	}
	return keys, nil
}

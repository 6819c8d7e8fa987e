package memory

import (
	"context"
	"sync"

	"github.com/founding/chat/server/push"
)

var _ push.Store = (*PushRecords)(nil)

// PushRecords is an in-process push.Store: values by key, each with a
// revision from one counter for compare-and-set. It is safe for concurrent
// use.
type PushRecords struct {
	mu   sync.Mutex
	data map[string]record
	rev  uint64
}

// NewPushRecords returns empty records.
func NewPushRecords() *PushRecords { return &PushRecords{data: make(map[string]record)} }

// Get returns a value and its revision, or push.ErrNotFound.
func (m *PushRecords) Get(_ context.Context, key string) ([]byte, uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.data[key]
	if !ok {
		return nil, 0, push.ErrNotFound
	}
	return r.value, r.rev, nil
}

// Create sets a value that must not exist yet, else push.ErrExists.
func (m *PushRecords) Create(_ context.Context, key string, value []byte) (uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.data[key]; ok {
		return 0, push.ErrExists
	}
	m.rev++
	m.data[key] = record{value, m.rev}
	return m.rev, nil
}

// Update sets a value whose revision is still rev, else push.ErrConflict.
func (m *PushRecords) Update(_ context.Context, key string, value []byte, rev uint64) (uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if r, ok := m.data[key]; !ok || r.rev != rev {
		return 0, push.ErrConflict
	}
	m.rev++
	m.data[key] = record{value, m.rev}
	return m.rev, nil
}

// Delete removes a value; removing a missing one is not an error.
func (m *PushRecords) Delete(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.data, key)
	return nil
}

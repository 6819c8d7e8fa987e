package memory

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/founding/chat/server/hub"
)

var _ hub.Files = (*Files)(nil)

// Files is an in-process hub.Files: blobs, records and usage in maps. It
// is safe for concurrent use.
type Files struct {
	mu      sync.Mutex
	blobs   map[string][]byte
	records map[string]hub.FileRecord
	usage   map[string]int64
}

// NewFiles returns an empty store of files.
func NewFiles() *Files {
	return &Files{blobs: make(map[string][]byte), records: make(map[string]hub.FileRecord), usage: make(map[string]int64)}
}

// PutBlob stores the bytes of r under key, unless key is stored.
func (f *Files) PutBlob(_ context.Context, key string, r io.Reader) error {
	f.mu.Lock()
	_, ok := f.blobs[key]
	f.mu.Unlock()
	if ok {
		return nil
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("memory: reading blob %s: %w", key, err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.blobs[key]; !ok {
		f.blobs[key] = b
	}
	return nil
}

// Blob opens the bytes of key, or returns hub.ErrNotFound.
func (f *Files) Blob(_ context.Context, key string) (io.ReadCloser, int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.blobs[key]
	if !ok {
		return nil, 0, hub.ErrNotFound
	}
	return io.NopCloser(bytes.NewReader(b)), int64(len(b)), nil
}

// CreateFile stores rec and counts its bytes, within quota.
func (f *Files) CreateFile(_ context.Context, rec hub.FileRecord, quota int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.records[rec.ID]; ok {
		return fmt.Errorf("memory: file %s exists", rec.ID)
	}
	used := f.usage[rec.Owner] + rec.Stored
	if quota > 0 && used > quota {
		return hub.ErrOverQuota
	}
	f.usage[rec.Owner] = used
	rec.Convs = slices.Clone(rec.Convs)
	f.records[rec.ID] = rec
	return nil
}

// DeleteFile removes the record of id and uncounts its bytes.
func (f *Files) DeleteFile(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	rec, ok := f.records[id]
	if !ok {
		return nil
	}
	delete(f.records, id)
	f.usage[rec.Owner] -= rec.Stored
	return nil
}

// File returns the record of id, or hub.ErrNotFound.
func (f *Files) File(_ context.Context, id string) (hub.FileRecord, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	rec, ok := f.records[id]
	if !ok {
		return hub.FileRecord{}, hub.ErrNotFound
	}
	rec.Convs = slices.Clone(rec.Convs)
	return rec, nil
}

// PostFile adds conv to the conversations of file id.
func (f *Files) PostFile(_ context.Context, id, conv string) (hub.FileRecord, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	rec, ok := f.records[id]
	if !ok {
		return hub.FileRecord{}, hub.ErrNotFound
	}
	if i, found := slices.BinarySearch(rec.Convs, conv); !found {
		rec.Convs = slices.Insert(slices.Clone(rec.Convs), i, conv)
		f.records[id] = rec
	}
	rec.Convs = slices.Clone(rec.Convs)
	return rec, nil
}

// Usage returns the bytes of user's files.
func (f *Files) Usage(_ context.Context, user string) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.usage[user], nil
}

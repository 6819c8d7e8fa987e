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

// Files is an in-process hub.Files: objects, blobs' users, records and
// usage in maps, each change under one lock. A blob's object is named by
// its content hash and a generation, new each time the blob gains its
// first user, as in the JetStream backend. It is safe for concurrent use.
type Files struct {
	mu         sync.Mutex
	objects    map[string][]byte
	blobs      map[string]blobUse
	records    map[string]hub.FileRecord
	usage      map[string]int64
	generation uint64
}

// blobUse is the object that holds a blob and how many records use it.
type blobUse struct {
	object string
	users  int
}

// NewFiles returns an empty store of files.
func NewFiles() *Files {
	return &Files{objects: make(map[string][]byte), blobs: make(map[string]blobUse),
		records: make(map[string]hub.FileRecord), usage: make(map[string]int64)}
}

// PutBlob stores the bytes of r as object name, unless it is stored.
func (f *Files) PutBlob(_ context.Context, name string, r io.Reader) error {
	f.mu.Lock()
	_, ok := f.objects[name]
	f.mu.Unlock()
	if ok {
		return nil
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("memory: reading blob %s: %w", name, err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.objects[name]; !ok {
		f.objects[name] = b
	}
	return nil
}

// Blob opens the bytes of object name, or returns hub.ErrNotFound.
func (f *Files) Blob(_ context.Context, name string) (io.ReadCloser, int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.objects[name]
	if !ok {
		return nil, 0, hub.ErrNotFound
	}
	return io.NopCloser(bytes.NewReader(b)), int64(len(b)), nil
}

// CreateFile stores rec, counts its bytes within quota and adds a user to
// its blobs.
func (f *Files) CreateFile(_ context.Context, rec hub.FileRecord, quota int64) (hub.FileRecord, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.records[rec.ID]; ok {
		return hub.FileRecord{}, fmt.Errorf("memory: file %s exists", rec.ID)
	}
	used := f.usage[rec.Owner] + rec.Stored
	if quota > 0 && used > quota {
		return hub.FileRecord{}, hub.ErrOverQuota
	}
	f.usage[rec.Owner] = used
	rec.Object, rec.ThumbObject = f.useBlob(rec.Blob), ""
	if rec.ThumbBlob != "" {
		rec.ThumbObject = f.useBlob(rec.ThumbBlob)
	}
	rec.Convs, rec.Refs = slices.Clone(rec.Convs), slices.Clone(rec.Refs)
	f.records[rec.ID] = rec
	return rec, nil
}

// DeleteFile removes the record of id and gives back what it took.
func (f *Files) DeleteFile(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if rec, ok := f.records[id]; ok {
		f.remove(rec)
	}
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
	rec.Convs, rec.Refs = slices.Clone(rec.Convs), slices.Clone(rec.Refs)
	return rec, nil
}

// ReferFile adds ref to the references of file id.
func (f *Files) ReferFile(_ context.Context, id string, ref hub.FileRef) (hub.FileRecord, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	rec, ok := f.records[id]
	if !ok {
		return hub.FileRecord{}, hub.ErrNotFound
	}
	rec, _ = rec.WithRef(ref)
	f.records[id] = rec
	rec.Convs, rec.Refs = slices.Clone(rec.Convs), slices.Clone(rec.Refs)
	return rec, nil
}

// SettleFile settles the pending reference of file id.
func (f *Files) SettleFile(_ context.Context, id string, pending hub.FileRef, seq uint64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	rec, ok := f.records[id]
	if !ok {
		return hub.ErrNotFound
	}
	f.records[id], _ = rec.Settled(pending, seq)
	return nil
}

// UnreferFile removes ref from file id; the last settled one removes it.
func (f *Files) UnreferFile(_ context.Context, id string, ref hub.FileRef) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	rec, ok := f.records[id]
	if !ok {
		return false, nil
	}
	out, had := rec.WithoutRef(ref)
	switch {
	case !had:
		return false, nil
	case out.Orphaned(ref):
		f.remove(rec)
		return true, nil
	}
	f.records[id] = out
	return false, nil
}

// ExpireUploads removes the uploads never posted created before before.
func (f *Files) ExpireUploads(_ context.Context, before int64) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, rec := range f.records {
		if rec.Unposted() && rec.Created < before {
			f.remove(rec)
			n++
		}
	}
	return n, nil
}

// Usage returns the bytes of user's files.
func (f *Files) Usage(_ context.Context, user string) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.usage[user], nil
}

// remove deletes rec and gives back its bytes and its blobs. Callers hold
// f.mu.
func (f *Files) remove(rec hub.FileRecord) {
	delete(f.records, rec.ID)
	f.usage[rec.Owner] = max(f.usage[rec.Owner]-rec.Stored, 0)
	f.dropBlob(rec.Blob)
	if rec.ThumbBlob != "" {
		f.dropBlob(rec.ThumbBlob)
	}
}

// useBlob adds a user to blob key and returns its object. Callers hold
// f.mu.
func (f *Files) useBlob(key string) string {
	use, ok := f.blobs[key]
	if !ok {
		f.generation++
		use.object = fmt.Sprintf("%s.%d", key, f.generation)
	}
	use.users++
	f.blobs[key] = use
	return use.object
}

// dropBlob takes a user off blob key; the last removes its object.
// Callers hold f.mu.
func (f *Files) dropBlob(key string) {
	use, ok := f.blobs[key]
	if !ok {
		return
	}
	if use.users--; use.users > 0 {
		f.blobs[key] = use
		return
	}
	delete(f.blobs, key)
	delete(f.objects, use.object)
}

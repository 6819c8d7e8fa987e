package jetstream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/founding/chat/server/hub"
)

var _ hub.Files = (*Files)(nil)

// Files is a hub.Files on JetStream: the bytes in the object store
// chat_files, one object per content hash (hub.BlobKey); the records in the
// bucket chat_file_records by file id; each user's bytes in the bucket
// chat_file_usage, changed by compare-and-set. It is safe for concurrent
// use, also by several processes.
type Files struct {
	blobs   jetstream.ObjectStore
	records jetstream.KeyValue
	usage   jetstream.KeyValue
}

// OpenFiles creates or updates the object store and the buckets of
// attachments, with replicas copies each (at least 1).
func OpenFiles(ctx context.Context, js jetstream.JetStream, replicas int) (*Files, error) {
	blobs, err := js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{
		Bucket:      bucketPrefix + "files",
		Description: "chat: the bytes of attachments, by content hash",
		Storage:     jetstream.FileStorage,
		Replicas:    max(replicas, 1),
	})
	if err != nil {
		return nil, fmt.Errorf("jetstream: object store %sfiles: %w", bucketPrefix, err)
	}
	records, err := openBucket(ctx, js, "file_records", "attachments by id", replicas)
	if err != nil {
		return nil, err
	}
	usage, err := openBucket(ctx, js, "file_usage", "bytes of attachments by user", replicas)
	if err != nil {
		return nil, err
	}
	return &Files{blobs: blobs, records: records, usage: usage}, nil
}

// PutBlob stores the bytes of r as object key, unless it is stored.
func (f *Files) PutBlob(ctx context.Context, key string, r io.Reader) error {
	if _, err := f.blobs.GetInfo(ctx, key); err == nil {
		return nil
	} else if !errors.Is(err, jetstream.ErrObjectNotFound) {
		return fmt.Errorf("jetstream: looking up blob %s: %w", key, err)
	}
	if _, err := f.blobs.Put(ctx, jetstream.ObjectMeta{Name: key}, r); err != nil {
		return fmt.Errorf("jetstream: storing blob %s: %w", key, err)
	}
	return nil
}

// Blob opens object key, or returns hub.ErrNotFound.
func (f *Files) Blob(ctx context.Context, key string) (io.ReadCloser, int64, error) {
	obj, err := f.blobs.Get(ctx, key)
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return nil, 0, hub.ErrNotFound
	}
	if err != nil {
		return nil, 0, fmt.Errorf("jetstream: opening blob %s: %w", key, err)
	}
	info, err := obj.Info()
	if err != nil {
		obj.Close()
		return nil, 0, fmt.Errorf("jetstream: opening blob %s: %w", key, err)
	}
	return obj, int64(info.Size), nil
}

// CreateFile counts rec's bytes against its owner's quota, then stores
// rec; a record that cannot be stored gives its bytes back.
func (f *Files) CreateFile(ctx context.Context, rec hub.FileRecord, quota int64) error {
	data, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	if err := f.addUsage(ctx, rec.Owner, rec.Stored, quota); err != nil {
		return err
	}
	if _, err := f.records.Create(ctx, rec.ID, data); err != nil {
		if undo := f.addUsage(context.WithoutCancel(ctx), rec.Owner, -rec.Stored, 0); undo != nil {
			err = errors.Join(err, undo)
		}
		return fmt.Errorf("jetstream: storing file %s: %w", rec.ID, err)
	}
	return nil
}

// DeleteFile removes the record of id and gives its bytes back.
func (f *Files) DeleteFile(ctx context.Context, id string) error {
	rec, err := f.File(ctx, id)
	if errors.Is(err, hub.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := f.records.Delete(ctx, id); err != nil {
		return fmt.Errorf("jetstream: deleting file %s: %w", id, err)
	}
	return f.addUsage(ctx, rec.Owner, -rec.Stored, 0)
}

// File returns the record of id, or hub.ErrNotFound.
func (f *Files) File(ctx context.Context, id string) (hub.FileRecord, error) {
	rec, _, err := f.file(ctx, id)
	return rec, err
}

func (f *Files) file(ctx context.Context, id string) (hub.FileRecord, uint64, error) {
	e, err := f.records.Get(ctx, id)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return hub.FileRecord{}, 0, hub.ErrNotFound
	}
	if err != nil {
		return hub.FileRecord{}, 0, fmt.Errorf("jetstream: reading file %s: %w", id, err)
	}
	var rec hub.FileRecord
	if err := json.Unmarshal(e.Value(), &rec); err != nil {
		return hub.FileRecord{}, 0, fmt.Errorf("jetstream: file %s: %w", id, err)
	}
	return rec, e.Revision(), nil
}

// PostFile adds conv to the conversations of file id, by compare-and-set.
func (f *Files) PostFile(ctx context.Context, id, conv string) (hub.FileRecord, error) {
	for {
		rec, rev, err := f.file(ctx, id)
		if err != nil {
			return rec, err
		}
		i, found := slices.BinarySearch(rec.Convs, conv)
		if found {
			return rec, nil
		}
		rec.Convs = slices.Insert(rec.Convs, i, conv)
		data, err := json.Marshal(rec)
		if err != nil {
			return rec, err
		}
		_, err = f.records.Update(ctx, id, data, rev)
		if err == nil {
			return rec, nil
		}
		if !errors.Is(err, jetstream.ErrKeyRevisionMismatch) && !errors.Is(err, jetstream.ErrKeyExists) {
			return rec, fmt.Errorf("jetstream: posting file %s: %w", id, err)
		}
	}
}

// Usage returns the bytes of user's files.
func (f *Files) Usage(ctx context.Context, user string) (int64, error) {
	n, _, err := f.readUsage(ctx, user)
	return n, err
}

func (f *Files) readUsage(ctx context.Context, user string) (int64, uint64, error) {
	e, err := f.usage.Get(ctx, token(user))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, fmt.Errorf("jetstream: reading the usage of %s: %w", user, err)
	}
	n, err := strconv.ParseInt(string(e.Value()), 10, 64)
	if err != nil {
		return 0, 0, fmt.Errorf("jetstream: usage of %s: %w", user, err)
	}
	return n, e.Revision(), nil
}

// addUsage adds delta bytes to user's usage by compare-and-set, refusing
// with hub.ErrOverQuota a total above quota (0: no bound) when growing.
func (f *Files) addUsage(ctx context.Context, user string, delta, quota int64) error {
	for {
		n, rev, err := f.readUsage(ctx, user)
		if err != nil {
			return err
		}
		total := max(n+delta, 0)
		if delta > 0 && quota > 0 && total > quota {
			return hub.ErrOverQuota
		}
		value := []byte(strconv.FormatInt(total, 10))
		if rev == 0 {
			_, err = f.usage.Create(ctx, token(user), value)
		} else {
			_, err = f.usage.Update(ctx, token(user), value, rev)
		}
		if err == nil {
			return nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) && !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			return fmt.Errorf("jetstream: counting the usage of %s: %w", user, err)
		}
	}
}

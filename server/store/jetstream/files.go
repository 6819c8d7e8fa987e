package jetstream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/founding/chat/server/hub"
)

var _ hub.Files = (*Files)(nil)

// Files is a hub.Files on JetStream: the bytes in the object store
// chat_files; the records in the bucket chat_file_records by file id; how
// many records use each blob, and the object that holds it, in the bucket
// chat_file_blobs by content hash; each user's bytes in the bucket
// chat_file_usage. Every change of a bucket is a compare-and-set on the
// key's revision. It is safe for concurrent use, also by several
// processes.
//
// A blob's object is named by its content hash and a random generation
// ("sha256-<hex>.<gen>"), chosen when the blob gains its first user: once
// its last user went and its key was deleted, an upload of the same bytes
// starts a new generation, so that removing the old object can never take
// the bytes of the new upload.
type Files struct {
	blobs   jetstream.ObjectStore
	uses    jetstream.KeyValue
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
	uses, err := openBucket(ctx, js, "file_blobs", "attachments' blobs: their object and how many records use them", replicas)
	if err != nil {
		return nil, err
	}
	records, err := openBucket(ctx, js, "file_records", "attachments by id", replicas)
	if err != nil {
		return nil, err
	}
	usage, err := openBucket(ctx, js, "file_usage", "bytes of attachments by user", replicas)
	if err != nil {
		return nil, err
	}
	return &Files{blobs: blobs, uses: uses, records: records, usage: usage}, nil
}

// PutBlob stores the bytes of r as object name, unless it is stored.
func (f *Files) PutBlob(ctx context.Context, name string, r io.Reader) error {
	if _, err := f.blobs.GetInfo(ctx, name); err == nil {
		return nil
	} else if !errors.Is(err, jetstream.ErrObjectNotFound) {
		return fmt.Errorf("jetstream: looking up blob %s: %w", name, err)
	}
	if _, err := f.blobs.Put(ctx, jetstream.ObjectMeta{Name: name}, r); err != nil {
		return fmt.Errorf("jetstream: storing blob %s: %w", name, err)
	}
	return nil
}

// Blob opens object name, or returns hub.ErrNotFound.
func (f *Files) Blob(ctx context.Context, name string) (io.ReadCloser, int64, error) {
	obj, err := f.blobs.Get(ctx, name)
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return nil, 0, hub.ErrNotFound
	}
	if err != nil {
		return nil, 0, fmt.Errorf("jetstream: opening blob %s: %w", name, err)
	}
	info, err := obj.Info()
	if err != nil {
		obj.Close()
		return nil, 0, fmt.Errorf("jetstream: opening blob %s: %w", name, err)
	}
	return obj, int64(info.Size), nil
}

// CreateFile counts rec's bytes against its owner's quota, adds a user to
// each of its blobs, then stores rec; a record that cannot be stored gives
// both back. A crash between the steps leaves usage or blob users too
// high: the file's bytes are kept, never removed too soon.
func (f *Files) CreateFile(ctx context.Context, rec hub.FileRecord, quota int64) (hub.FileRecord, error) {
	if err := f.addUsage(ctx, rec.Owner, rec.Stored, quota); err != nil {
		return hub.FileRecord{}, err
	}
	err := f.useBlobs(ctx, &rec)
	if err == nil {
		err = f.createRecord(ctx, rec)
	}
	if err != nil {
		undo := context.WithoutCancel(ctx)
		err = errors.Join(err, f.dropBlobs(undo, rec), f.addUsage(undo, rec.Owner, -rec.Stored, 0))
		return hub.FileRecord{}, err
	}
	return rec, nil
}

func (f *Files) createRecord(ctx context.Context, rec hub.FileRecord) error {
	data, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	if _, err := f.records.Create(ctx, rec.ID, data); err != nil {
		return fmt.Errorf("jetstream: storing file %s: %w", rec.ID, err)
	}
	return nil
}

// DeleteFile removes the record of id and gives back what it took.
func (f *Files) DeleteFile(ctx context.Context, id string) error {
	for {
		rec, rev, err := f.file(ctx, id)
		if errors.Is(err, hub.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		removed, err := f.remove(ctx, rec, rev)
		if removed || err != nil {
			return err
		}
	}
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

// ReferFile adds ref to the references of file id, by compare-and-set.
func (f *Files) ReferFile(ctx context.Context, id string, ref hub.FileRef) (hub.FileRecord, error) {
	return f.change(ctx, id, func(rec hub.FileRecord) (hub.FileRecord, bool) { return rec.WithRef(ref) })
}

// SettleFile settles the pending reference of file id, by compare-and-set.
func (f *Files) SettleFile(ctx context.Context, id string, pending hub.FileRef, seq uint64) error {
	_, err := f.change(ctx, id, func(rec hub.FileRecord) (hub.FileRecord, bool) { return rec.Settled(pending, seq) })
	return err
}

// UnreferFile removes ref from file id by compare-and-set; the last
// settled one removes the file: its record (deleted at the revision that
// held ref, so that a reference added meanwhile keeps it), then its usage,
// then its blobs' users.
func (f *Files) UnreferFile(ctx context.Context, id string, ref hub.FileRef) (bool, error) {
	for {
		rec, rev, err := f.file(ctx, id)
		if errors.Is(err, hub.ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		out, had := rec.WithoutRef(ref)
		if !had {
			return false, nil
		}
		if out.Orphaned(ref) {
			removed, err := f.remove(ctx, rec, rev)
			if removed || err != nil {
				return removed, err
			}
			continue
		}
		done, err := f.update(ctx, out, rev)
		if done || err != nil {
			return false, err
		}
	}
}

// ExpireUploads reads every record (one watch of the bucket) and removes
// the uploads never posted created before before, each at the revision
// read: one posted meanwhile stays.
func (f *Files) ExpireUploads(ctx context.Context, before int64) (int, error) {
	w, err := f.records.WatchAll(ctx, jetstream.IgnoreDeletes())
	if err != nil {
		return 0, fmt.Errorf("jetstream: reading the files: %w", err)
	}
	defer w.Stop()
	type stale struct {
		rec hub.FileRecord
		rev uint64
	}
	var expired []stale
read:
	for {
		select {
		case e, ok := <-w.Updates():
			if !ok || e == nil {
				break read // every record was read
			}
			var rec hub.FileRecord
			if err := json.Unmarshal(e.Value(), &rec); err == nil && rec.Unposted() && rec.Created < before {
				expired = append(expired, stale{rec, e.Revision()})
			}
		case <-ctx.Done(): // the watch does not end with ctx
			return 0, ctx.Err()
		}
	}
	n := 0
	for _, s := range expired {
		removed, err := f.remove(ctx, s.rec, s.rev)
		if err != nil {
			return n, err
		}
		if removed {
			n++
		}
	}
	return n, nil
}

// change applies fn to the record of id by compare-and-set until it
// sticks, and returns the record so.
func (f *Files) change(ctx context.Context, id string, fn func(hub.FileRecord) (hub.FileRecord, bool)) (hub.FileRecord, error) {
	for {
		rec, rev, err := f.file(ctx, id)
		if err != nil {
			return rec, err
		}
		out, changed := fn(rec)
		if !changed {
			return out, nil
		}
		done, err := f.update(ctx, out, rev)
		if err != nil {
			return hub.FileRecord{}, err
		}
		if done {
			return out, nil
		}
	}
}

// update stores rec if its key is still at revision rev: false when it
// is not (read it again and retry).
func (f *Files) update(ctx context.Context, rec hub.FileRecord, rev uint64) (bool, error) {
	data, err := json.Marshal(rec)
	if err != nil {
		return false, err
	}
	_, err = f.records.Update(ctx, rec.ID, data, rev)
	switch {
	case err == nil:
		return true, nil
	case conflict(err):
		return false, nil
	}
	return false, fmt.Errorf("jetstream: changing file %s: %w", rec.ID, err)
}

// remove deletes the record rec if its key is still at revision rev
// (false when it is not), then gives back its usage and its blobs.
func (f *Files) remove(ctx context.Context, rec hub.FileRecord, rev uint64) (bool, error) {
	err := f.records.Delete(ctx, rec.ID, jetstream.LastRevision(rev))
	switch {
	case conflict(err):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("jetstream: removing file %s: %w", rec.ID, err)
	}
	ctx = context.WithoutCancel(ctx) // the record is gone: give back all it took
	return true, errors.Join(f.addUsage(ctx, rec.Owner, -rec.Stored, 0), f.dropBlobs(ctx, rec))
}

// conflict reports whether err is a compare-and-set that lost a race.
func conflict(err error) bool {
	return errors.Is(err, jetstream.ErrKeyRevisionMismatch) || errors.Is(err, jetstream.ErrKeyExists)
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
		if !conflict(err) {
			return fmt.Errorf("jetstream: counting the usage of %s: %w", user, err)
		}
	}
}

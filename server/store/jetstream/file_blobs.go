package jetstream

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/founding/chat/server/hub"
)

// blobUse is the value of a blob's key in chat_file_blobs: the object
// that holds its bytes and how many records use it.
type blobUse struct {
	Object string `json:"object"`
	Users  int64  `json:"users"`
}

// useBlobs adds a user to each blob of rec and sets the objects that hold
// them. On error, the users added are those whose object is set.
func (f *Files) useBlobs(ctx context.Context, rec *hub.FileRecord) error {
	rec.Object, rec.ThumbObject = "", ""
	var err error
	if rec.Object, err = f.useBlob(ctx, rec.Blob); err != nil {
		return err
	}
	if rec.ThumbBlob != "" {
		rec.ThumbObject, err = f.useBlob(ctx, rec.ThumbBlob)
	}
	return err
}

// dropBlobs takes a user off each blob of rec that it uses.
func (f *Files) dropBlobs(ctx context.Context, rec hub.FileRecord) error {
	var errs []error
	if rec.Object != "" {
		errs = append(errs, f.dropBlob(ctx, rec.Blob))
	}
	if rec.ThumbObject != "" {
		errs = append(errs, f.dropBlob(ctx, rec.ThumbBlob))
	}
	return errors.Join(errs...)
}

// useBlob adds a user to blob key by compare-and-set and returns the
// object that holds it: a new generation if the blob has no users.
func (f *Files) useBlob(ctx context.Context, key string) (string, error) {
	for {
		use, rev, err := f.blobUse(ctx, key)
		if err != nil {
			return "", err
		}
		if rev == 0 {
			use = blobUse{Object: key + "." + strings.ToLower(rand.Text()[:10])}
		}
		use.Users++
		data, err := json.Marshal(use)
		if err != nil {
			return "", err
		}
		if rev == 0 {
			_, err = f.uses.Create(ctx, key, data)
		} else {
			_, err = f.uses.Update(ctx, key, data, rev)
		}
		switch {
		case err == nil:
			return use.Object, nil
		case !conflict(err):
			return "", fmt.Errorf("jetstream: using blob %s: %w", key, err)
		}
	}
}

// dropBlob takes a user off blob key by compare-and-set. The last one
// deletes the key, at the revision it read, and then the object: from
// then on the same bytes uploaded again go to a new object.
func (f *Files) dropBlob(ctx context.Context, key string) error {
	for {
		use, rev, err := f.blobUse(ctx, key)
		if err != nil || rev == 0 {
			return err
		}
		if use.Users > 1 {
			use.Users--
			data, err := json.Marshal(use)
			if err != nil {
				return err
			}
			_, err = f.uses.Update(ctx, key, data, rev)
			switch {
			case err == nil:
				return nil
			case !conflict(err):
				return fmt.Errorf("jetstream: releasing blob %s: %w", key, err)
			}
			continue
		}
		err = f.uses.Delete(ctx, key, jetstream.LastRevision(rev))
		switch {
		case conflict(err):
			continue
		case err != nil:
			return fmt.Errorf("jetstream: releasing blob %s: %w", key, err)
		}
		if err := f.blobs.Delete(ctx, use.Object); err != nil && !errors.Is(err, jetstream.ErrObjectNotFound) {
			return fmt.Errorf("jetstream: removing blob %s: %w", use.Object, err)
		}
		return nil
	}
}

// blobUse reads the use of blob key and its revision, 0 when it has none.
func (f *Files) blobUse(ctx context.Context, key string) (blobUse, uint64, error) {
	e, err := f.uses.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return blobUse{}, 0, nil
	}
	if err != nil {
		return blobUse{}, 0, fmt.Errorf("jetstream: reading blob %s: %w", key, err)
	}
	var use blobUse
	if err := json.Unmarshal(e.Value(), &use); err != nil {
		return blobUse{}, 0, fmt.Errorf("jetstream: blob %s: %w", key, err)
	}
	return use, e.Revision(), nil
}

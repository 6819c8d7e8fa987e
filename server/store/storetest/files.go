package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/hub"
)

// TestFiles checks an empty hub.Files: blobs are kept once under their
// name and read back whole, a missing one is ErrNotFound; records are
// created within the owner's quota, counted, posted in conversations once
// each, and deleted with their bytes given back. TestFileReferences checks
// what references do.
func TestFiles(t *testing.T, f hub.Files) {
	t.Helper()
	ctx := context.Background()
	data := bytes.Repeat([]byte("attachment bytes "), 20_000) // several object store chunks
	key := hub.BlobKey(sha256.Sum256(data))
	if err := f.PutBlob(ctx, key, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	if err := f.PutBlob(ctx, key, failingReader{}); err != nil {
		t.Fatalf("a second PutBlob of a stored key read its bytes: %v", err)
	}
	r, size, err := f.Blob(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	back, err := io.ReadAll(r)
	r.Close()
	if err != nil || size != int64(len(data)) || !bytes.Equal(back, data) {
		t.Fatalf("blob read back: %d bytes (size %d) of %d, %v", len(back), size, len(data), err)
	}
	if _, _, err := f.Blob(ctx, hub.BlobKey(sha256.Sum256([]byte("none")))); !errors.Is(err, hub.ErrNotFound) {
		t.Fatalf("missing blob: %v", err)
	}

	rec := hub.FileRecord{
		File:  chat.File{ID: strings.Repeat("A", chat.FileIDLength), Name: "a <b>.png", Type: "image/png", Size: 600, Width: 3, Height: 2, Thumb: true},
		Owner: "ann", Blob: key, ThumbBlob: key, Stored: 600, Created: 1,
	}
	stored, err := f.CreateFile(ctx, rec, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Object == "" || stored.ThumbObject != stored.Object {
		t.Fatalf("the objects of a file whose bytes and thumbnail are the same blob: %q, %q", stored.Object, stored.ThumbObject)
	}
	rec.Object, rec.ThumbObject = stored.Object, stored.ThumbObject
	if got, err := f.File(ctx, rec.ID); err != nil || !reflect.DeepEqual(got, rec) {
		t.Fatalf("File = %+v, %v; want %+v", got, err, rec)
	}
	second := rec
	second.ID = strings.Repeat("B", chat.FileIDLength)
	if _, err := f.CreateFile(ctx, second, 1000); !errors.Is(err, hub.ErrOverQuota) {
		t.Fatalf("a file past the quota: %v", err)
	}
	if _, err := f.File(ctx, second.ID); !errors.Is(err, hub.ErrNotFound) {
		t.Fatalf("a file refused for the quota was stored: %v", err)
	}
	if used, err := f.Usage(ctx, "ann"); err != nil || used != 600 {
		t.Fatalf("usage = %d, %v; want 600", used, err)
	}
	if _, err := f.CreateFile(ctx, second, 0); err != nil {
		t.Fatalf("no quota: %v", err)
	}

	for i, conv := range []string{"r:lobby", "p:ann|bob", "r:lobby"} {
		if _, err := f.ReferFile(ctx, rec.ID, hub.FileRef{Conv: conv, Seq: uint64(i + 1)}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := f.File(ctx, rec.ID)
	if err != nil || !reflect.DeepEqual(got.Convs, []string{"p:ann|bob", "r:lobby"}) || !got.PostedIn("r:lobby") || got.PostedIn("r:other") || len(got.Refs) != 3 {
		t.Fatalf("posted in %v by %v, %v", got.Convs, got.Refs, err)
	}
	if _, err := f.ReferFile(ctx, strings.Repeat("C", chat.FileIDLength), hub.FileRef{Conv: "r:lobby", Seq: 1}); !errors.Is(err, hub.ErrNotFound) {
		t.Fatalf("referring to a missing file: %v", err)
	}

	if err := f.DeleteFile(ctx, second.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.File(ctx, second.ID); !errors.Is(err, hub.ErrNotFound) {
		t.Fatalf("deleted file: %v", err)
	}
	if used, _ := f.Usage(ctx, "ann"); used != 600 {
		t.Fatalf("usage after a delete = %d; want 600", used)
	}
	if used, _ := f.Usage(ctx, "bob"); used != 0 {
		t.Fatalf("usage of someone without files = %d", used)
	}
}

// failingReader fails every read: a PutBlob that needs no bytes must not
// read it.
type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("read") }

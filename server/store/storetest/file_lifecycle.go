package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/hub"
)

// TestFileReferences checks the references of an empty hub.Files: a
// pending reference settles once, however often; a file goes with its
// last settled reference, and with it its owner's usage and each blob no
// other record uses, while a blob shared with another upload stays; a
// pending reference given back leaves the file; the same bytes uploaded
// after their blob went get a new object; and two nodes racing (giving
// back one reference twice, or posting a file while its last message is
// deleted) never leave a message referring to a file that is gone.
func TestFileReferences(t *testing.T, f hub.Files) {
	t.Helper()
	ctx := context.Background()
	photo, thumb := []byte("the photo's bytes"), []byte("its thumbnail")
	ann := create(t, f, "ann", "A", photo, thumb)
	if err := f.PutBlob(ctx, ann.Object, bytes.NewReader(photo)); err != nil {
		t.Fatal(err)
	}
	if err := f.PutBlob(ctx, ann.ThumbObject, bytes.NewReader(thumb)); err != nil {
		t.Fatal(err)
	}
	wantUsage(t, f, "ann", ann.Stored)

	pending := hub.FileRef{Conv: "r:lobby", Origin: hub.Origin{User: "ann", ID: chat.MsgID{Device: "d1", N: 1}}}
	rec, err := f.ReferFile(ctx, ann.ID, pending)
	if err != nil || !rec.PostedIn("r:lobby") || !reflect.DeepEqual(rec.Refs, []hub.FileRef{pending}) {
		t.Fatalf("referred: %+v, %v", rec, err)
	}
	for range 2 { // a resent message settles again
		if err := f.SettleFile(ctx, ann.ID, pending, 5); err != nil {
			t.Fatal(err)
		}
	}
	wantRefs(t, f, ann.ID, hub.FileRef{Conv: "r:lobby", Seq: 5})
	second := hub.FileRef{Conv: "r:lobby", Origin: hub.Origin{User: "ann", ID: chat.MsgID{Device: "d1", N: 2}}}
	if _, err := f.ReferFile(ctx, ann.ID, second); err != nil {
		t.Fatal(err)
	}
	if err := f.SettleFile(ctx, ann.ID, second, 7); err != nil {
		t.Fatal(err)
	}
	wantRefs(t, f, ann.ID, hub.FileRef{Conv: "r:lobby", Seq: 5}, hub.FileRef{Conv: "r:lobby", Seq: 7})

	// The same bytes uploaded by Bob share the blob, not the thumbnail.
	bob := create(t, f, "bob", "B", photo, nil)
	if bob.Object != ann.Object {
		t.Fatalf("the same bytes got another object: %q, %q", bob.Object, ann.Object)
	}
	if _, err := f.ReferFile(ctx, bob.ID, hub.FileRef{Conv: "p:ann|bob", Seq: 2}); err != nil {
		t.Fatal(err)
	}

	for _, ref := range []hub.FileRef{{Conv: "r:lobby", Seq: 5}, {Conv: "r:lobby", Seq: 5}, {Conv: "r:lobby", Seq: 9}, pending} {
		if removed, err := f.UnreferFile(ctx, ann.ID, ref); err != nil || removed {
			t.Fatalf("giving back %+v with another message left: removed %v, %v", ref, removed, err)
		}
	}
	wantRefs(t, f, ann.ID, hub.FileRef{Conv: "r:lobby", Seq: 7})
	if removed, err := f.UnreferFile(ctx, ann.ID, hub.FileRef{Conv: "r:lobby", Seq: 7}); err != nil || !removed {
		t.Fatalf("the last reference given back: removed %v, %v", removed, err)
	}
	if _, err := f.File(ctx, ann.ID); !errors.Is(err, hub.ErrNotFound) {
		t.Fatalf("the file of no message: %v", err)
	}
	wantUsage(t, f, "ann", 0)
	wantBlob(t, f, ann.Object, photo)    // Bob's file still uses it
	wantBlob(t, f, ann.ThumbObject, nil) // nobody else did
	if removed, err := f.UnreferFile(ctx, ann.ID, hub.FileRef{Conv: "r:lobby", Seq: 7}); err != nil || removed {
		t.Fatalf("giving back a reference to a file removed: %v, %v", removed, err)
	}
	if _, err := f.ReferFile(ctx, ann.ID, pending); !errors.Is(err, hub.ErrNotFound) {
		t.Fatalf("referring to a file removed: %v", err)
	}

	if removed, err := f.UnreferFile(ctx, bob.ID, hub.FileRef{Conv: "p:ann|bob", Seq: 2}); err != nil || !removed {
		t.Fatalf("Bob's last reference: %v, %v", removed, err)
	}
	wantUsage(t, f, "bob", 0)
	wantBlob(t, f, bob.Object, nil)

	// The same bytes again: a new object, so that a removal still under
	// way elsewhere cannot take them.
	again := create(t, f, "ann", "C", photo, nil)
	if again.Object == ann.Object {
		t.Fatalf("bytes uploaded after their blob went reuse its object %q", again.Object)
	}

	// A pending reference given back (a message refused) leaves an upload
	// not posted.
	if _, err := f.ReferFile(ctx, again.ID, pending); err != nil {
		t.Fatal(err)
	}
	if removed, err := f.UnreferFile(ctx, again.ID, pending); err != nil || removed {
		t.Fatalf("a pending reference given back: %v, %v", removed, err)
	}
	if rec, err := f.File(ctx, again.ID); err != nil || len(rec.Refs) != 0 || rec.PostedIn("r:lobby") {
		t.Fatalf("after its pending reference went: %+v, %v", rec, err)
	}
	if err := f.DeleteFile(ctx, again.ID); err != nil {
		t.Fatal(err)
	}
	wantUsage(t, f, "ann", 0)

	raceFileReferences(t, f)
}

// raceFileReferences gives back one reference from two goroutines (one
// removes the file), and posts a file while its last message is deleted
// (either the post keeps it, or it finds it gone).
func raceFileReferences(t *testing.T, f hub.Files) {
	t.Helper()
	ctx := context.Background()
	last := hub.FileRef{Conv: "r:race", Seq: 1}
	post := hub.FileRef{Conv: "r:race", Origin: hub.Origin{User: "ann", ID: chat.MsgID{Device: "d", N: 2}}}
	for i := range 8 {
		rec := create(t, f, "ann", fmt.Sprintf("R%d", i), []byte(fmt.Sprintf("race %d", i)), nil)
		if _, err := f.ReferFile(ctx, rec.ID, last); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var removed [2]bool
		var errs [2]error
		for j := range 2 {
			wg.Go(func() { removed[j], errs[j] = f.UnreferFile(ctx, rec.ID, last) })
		}
		wg.Wait()
		if err := errors.Join(errs[:]...); err != nil || removed[0] == removed[1] {
			t.Fatalf("one reference given back twice at once: removed %v, %v", removed, err)
		}

		rec = create(t, f, "ann", fmt.Sprintf("S%d", i), []byte(fmt.Sprintf("post %d", i)), nil)
		if _, err := f.ReferFile(ctx, rec.ID, last); err != nil {
			t.Fatal(err)
		}
		var referErr, unreferErr error
		wg.Go(func() { _, referErr = f.ReferFile(ctx, rec.ID, post) })
		wg.Go(func() { _, unreferErr = f.UnreferFile(ctx, rec.ID, last) })
		wg.Wait()
		if unreferErr != nil || (referErr != nil && !errors.Is(referErr, hub.ErrNotFound)) {
			t.Fatalf("post racing a delete: %v, %v", referErr, unreferErr)
		}
		got, err := f.File(ctx, rec.ID)
		switch {
		case referErr == nil && (err != nil || !reflect.DeepEqual(got.Refs, []hub.FileRef{post})):
			t.Fatalf("a post that referred to the file finds %+v, %v", got, err)
		case referErr != nil && !errors.Is(err, hub.ErrNotFound):
			t.Fatalf("a post that found the file gone left %+v, %v", got, err)
		}
	}
}

// create stores a new upload of owner with the given bytes and thumbnail
// (none when nil) under an id made of tag, uploaded 1 ms after the epoch.
func create(t *testing.T, f hub.Files, owner, tag string, body, thumb []byte) hub.FileRecord {
	t.Helper()
	return createAt(t, f, owner, tag, body, thumb, 1)
}

// createAt is create for an upload at created (Unix ms).
func createAt(t *testing.T, f hub.Files, owner, tag string, body, thumb []byte, created int64) hub.FileRecord {
	t.Helper()
	id := (tag + strings.Repeat("A", chat.FileIDLength))[:chat.FileIDLength]
	rec := hub.FileRecord{
		File:  chat.File{ID: id, Name: tag + ".png", Type: "image/png", Size: int64(len(body))},
		Owner: owner, Blob: hub.BlobKey(sha256.Sum256(body)), Stored: int64(len(body) + len(thumb)), Created: created,
	}
	if thumb != nil {
		rec.Thumb, rec.ThumbBlob = true, hub.BlobKey(sha256.Sum256(thumb))
	}
	stored, err := f.CreateFile(context.Background(), rec, 0)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Object == "" || (thumb != nil) != (stored.ThumbObject != "") {
		t.Fatalf("objects of a new file: %q, %q", stored.Object, stored.ThumbObject)
	}
	return stored
}

func wantRefs(t *testing.T, f hub.Files, id string, want ...hub.FileRef) {
	t.Helper()
	rec, err := f.File(context.Background(), id)
	if err != nil || !reflect.DeepEqual(rec.Refs, want) {
		t.Fatalf("references of %s: %+v, %v; want %+v", id, rec.Refs, err, want)
	}
}

func wantUsage(t *testing.T, f hub.Files, user string, want int64) {
	t.Helper()
	if got, err := f.Usage(context.Background(), user); err != nil || got != want {
		t.Fatalf("usage of %s = %d, %v; want %d", user, got, err, want)
	}
}

// wantBlob checks that object name holds want, or is gone when want is
// nil.
func wantBlob(t *testing.T, f hub.Files, name string, want []byte) {
	t.Helper()
	r, _, err := f.Blob(context.Background(), name)
	if want == nil {
		if !errors.Is(err, hub.ErrNotFound) {
			t.Fatalf("object %s should be gone: %v", name, err)
		}
		if r != nil {
			r.Close()
		}
		return
	}
	if err != nil {
		t.Fatalf("object %s: %v", name, err)
	}
	defer r.Close()
	if got, err := io.ReadAll(r); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("object %s holds %q, %v", name, got, err)
	}
}

// TestExpireUploads checks an empty hub.Files: an upload never posted and
// older than the bound goes, with its usage and its blob; a newer one, one
// posted (even if its message is being stored), and one whose last
// message went and left it referred to by none stay.
func TestExpireUploads(t *testing.T, f hub.Files) {
	t.Helper()
	ctx := context.Background()
	old := create(t, f, "ann", "OLD", []byte("never posted"), []byte("its thumbnail"))
	posted := create(t, f, "ann", "POSTED", []byte("posted"), nil)
	pending := create(t, f, "ann", "PENDING", []byte("being posted"), nil)
	for _, p := range []struct {
		id  string
		ref hub.FileRef
	}{
		{posted.ID, hub.FileRef{Conv: "r:lobby", Seq: 3}},
		{pending.ID, hub.FileRef{Conv: "r:lobby", Origin: hub.Origin{User: "ann", ID: chat.MsgID{Device: "d", N: 1}}}},
	} {
		if _, err := f.ReferFile(ctx, p.id, p.ref); err != nil {
			t.Fatal(err)
		}
	}
	// Uploaded 1 ms after the epoch, all are old; a newer one is not.
	recent := createAt(t, f, "ann", "NEW", []byte("just uploaded"), nil, 10)
	n, err := f.ExpireUploads(ctx, 2)
	if err != nil || n != 1 {
		t.Fatalf("expired %d, %v; want 1", n, err)
	}
	if _, err := f.File(ctx, old.ID); !errors.Is(err, hub.ErrNotFound) {
		t.Fatalf("the old upload never posted: %v", err)
	}
	wantBlob(t, f, old.ThumbObject, nil)
	for _, id := range []string{posted.ID, pending.ID, recent.ID} {
		if _, err := f.File(ctx, id); err != nil {
			t.Fatalf("file %s should stay: %v", id, err)
		}
	}
	wantUsage(t, f, "ann", posted.Stored+pending.Stored+recent.Stored)
	if n, err := f.ExpireUploads(ctx, 2); err != nil || n != 0 {
		t.Fatalf("expiring again: %d, %v", n, err)
	}
}

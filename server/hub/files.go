package hub

import (
	"context"
	"encoding/hex"
	"errors"
	"io"
	"slices"

	"github.com/founding/chat/app/chat"
)

// Files is the seam of attachments: the bytes of uploaded files, kept
// under their content hash (so that the same bytes are stored once), a
// record per upload under a random id, which says what the file is, who
// uploaded it and which messages refer to it, and each user's usage. A
// Files may be shared by several processes. Its methods may be called
// concurrently.
//
// References (file_lifecycle.go): a message that carries a file holds a
// FileRef on its record, taken before the message is stored (pending, by
// its origin) and settled to the message's sequence after. When the last
// reference goes (the message is deleted), the record goes, its bytes are
// taken off its owner's usage, and each blob that no record uses any more
// is removed. Every step is a compare-and-set, and each is ordered so that
// a crash between two leaves a reference or a blob too many, never too
// few: an orphan to sweep, never a file removed under a message.
//
// The hub uses File, ReferFile, SettleFile and UnreferFile when a message
// names files; package server uses the rest for uploads and downloads.
type Files interface {
	// PutBlob stores the bytes read from r as object name (a record's
	// Object or ThumbObject). A name already stored is kept and r is not
	// read.
	PutBlob(ctx context.Context, name string, r io.Reader) error
	// Blob opens the bytes of object name and returns their size, or
	// ErrNotFound. The caller closes the reader.
	Blob(ctx context.Context, name string) (io.ReadCloser, int64, error)
	// CreateFile stores rec, a new upload, and adds its Stored bytes to
	// the usage of rec.Owner, unless that would pass quota bytes (0: no
	// bound): then it stores nothing and returns ErrOverQuota. Each blob
	// of rec (Blob, ThumbBlob: content keys) gains a user; the record
	// returned names the objects that hold them (Object, ThumbObject),
	// which the caller then stores with PutBlob unless they are stored.
	CreateFile(ctx context.Context, rec FileRecord, quota int64) (FileRecord, error)
	// DeleteFile removes the record of id whatever refers to it (an
	// upload that failed), takes its bytes off its owner's usage and
	// removes each of its blobs that no other record uses.
	DeleteFile(ctx context.Context, id string) error
	// File returns the record of id, or ErrNotFound.
	File(ctx context.Context, id string) (FileRecord, error)
	// ReferFile adds ref to the references of file id (once), and
	// ref.Conv to the conversations it was posted in, and returns the
	// record so; ErrNotFound if the file is gone.
	ReferFile(ctx context.Context, id string, ref FileRef) (FileRecord, error)
	// SettleFile replaces the pending reference of file id by the
	// settled one of the message stored: pending with its Origin zeroed
	// and Seq set to seq. Settling twice changes nothing.
	SettleFile(ctx context.Context, id string, pending FileRef, seq uint64) error
	// UnreferFile removes ref from the references of file id. If ref was
	// a settled one and the last, the file is removed as DeleteFile does,
	// and removed is true; a pending one released leaves the file as an
	// upload not posted. A reference it does not hold changes nothing.
	UnreferFile(ctx context.Context, id string, ref FileRef) (removed bool, err error)
	// ExpireUploads removes, as DeleteFile does, every upload never
	// posted (FileRecord.Unposted) that was created before before (Unix
	// ms), and returns how many went.
	ExpireUploads(ctx context.Context, before int64) (int, error)
	// Usage returns the bytes the files of user take.
	Usage(ctx context.Context, user string) (int64, error)
}

// BlobKey is the key of bytes whose SHA-256 is sum: "sha256-" and the
// sum in hex, a valid name in every backend.
func BlobKey(sum [32]byte) string { return "sha256-" + hex.EncodeToString(sum[:]) }

// ErrOverQuota means a user's files would take more than their quota.
var ErrOverQuota = errors.New("hub: the user's files would pass the quota")

// FileRecord is one upload: the File a message shows (its Name as
// uploaded, not escaped: the hub escapes it into entries), who uploaded it
// (Owner, a user key), the content hashes of the bytes served (Blob) and
// of the thumbnail (ThumbBlob, empty without) and the objects that hold
// them (Object, ThumbObject: set by Files.CreateFile), the bytes both take
// (Stored, what counts against the quota), when it was uploaded (Unix ms),
// the conversations it was posted in, sorted, and the messages that refer
// to it (Refs, sorted by CompareFileRefs). Before it is posted, only its
// owner may fetch it.
type FileRecord struct {
	chat.File
	Owner       string    `json:"owner"`
	Blob        string    `json:"blob"`
	ThumbBlob   string    `json:"thumb_blob,omitempty"`
	Object      string    `json:"object,omitempty"`
	ThumbObject string    `json:"thumb_object,omitempty"`
	Stored      int64     `json:"stored"`
	Created     int64     `json:"created"`
	Convs       []string  `json:"convs,omitempty"`
	Refs        []FileRef `json:"refs,omitempty"`
}

// Unposted reports whether no message refers to the file, nor ever
// did: an upload its owner never posted.
func (r FileRecord) Unposted() bool { return len(r.Refs) == 0 && len(r.Convs) == 0 }

// PostedIn reports whether the file was posted in conversation conv.
func (r FileRecord) PostedIn(conv string) bool {
	_, found := slices.BinarySearch(r.Convs, conv)
	return found
}

// attachFiles checks that the user key uploaded every file of ids, gives
// each the pending reference of the message being stored (pending, see
// file_lifecycle.go), which also posts it in pending.Conv, and returns what
// the entry shows of them. A file that does not exist or is another's is
// no_such_file: the same answer, so that ids cannot be probed.
func (h *Hub) attachFiles(ctx context.Context, key string, pending FileRef, ids []string) ([]chat.File, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	if h.opts.Files == nil {
		return nil, chat.Errorf(chat.CodeBadRequest, "this server takes no files")
	}
	files := make([]chat.File, 0, len(ids))
	for _, id := range ids {
		rec, err := h.opts.Files.File(ctx, id)
		switch {
		case errors.Is(err, ErrNotFound) || (err == nil && rec.Owner != key):
			return nil, noSuchFile(id)
		case err != nil:
			return nil, h.storageError("read the file", err)
		}
		f := rec.File
		f.Name = escape(f.Name) // the record keeps it as uploaded
		files = append(files, f)
	}
	// Referred to only once all are known to be the sender's, so that a
	// refused message posts none of them.
	for _, id := range ids {
		_, err := h.opts.Files.ReferFile(ctx, id, pending)
		switch {
		case errors.Is(err, ErrNotFound): // removed meanwhile: its last message was deleted
			h.releaseFiles(ctx, pending, ids)
			return nil, noSuchFile(id)
		case err != nil:
			h.releaseFiles(ctx, pending, ids)
			return nil, h.storageError("attach the file", err)
		}
	}
	return files, nil
}

func noSuchFile(id string) *chat.Error {
	return chat.Errorf(chat.CodeNoSuchFile, "there is no file %s of yours; upload it again", id)
}

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
// under their content hash (so that the same bytes are stored once), and a
// record per upload under a random id, which says what the file is, who
// uploaded it and in which conversations it was posted. A Files may be
// shared by several processes. Its methods may be called concurrently.
//
// The hub uses File and PostFile when a message names files; package
// server uses the rest for uploads and downloads.
type Files interface {
	// PutBlob stores the bytes read from r under key, their content hash
	// (BlobKey). A key already stored is kept and r is not read.
	PutBlob(ctx context.Context, key string, r io.Reader) error
	// Blob opens the bytes of key and returns their size, or ErrNotFound.
	// The caller closes the reader.
	Blob(ctx context.Context, key string) (io.ReadCloser, int64, error)
	// CreateFile stores rec, a new upload, and adds its Stored bytes to
	// the usage of rec.Owner, unless that would pass quota bytes (0: no
	// bound): then it stores nothing and returns ErrOverQuota.
	CreateFile(ctx context.Context, rec FileRecord, quota int64) error
	// DeleteFile removes the record of id and takes its bytes off its
	// owner's usage. The blobs stay: others may share them.
	DeleteFile(ctx context.Context, id string) error
	// File returns the record of id, or ErrNotFound.
	File(ctx context.Context, id string) (FileRecord, error)
	// PostFile records that file id was posted in conversation conv
	// (once) and returns the record so.
	PostFile(ctx context.Context, id, conv string) (FileRecord, error)
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
// of the thumbnail (ThumbBlob, empty without), the bytes both take
// (Stored, what counts against the quota), when it was uploaded (Unix ms),
// and the conversations it was posted in, sorted. Before it is posted,
// only its owner may fetch it.
type FileRecord struct {
	chat.File
	Owner     string   `json:"owner"`
	Blob      string   `json:"blob"`
	ThumbBlob string   `json:"thumb_blob,omitempty"`
	Stored    int64    `json:"stored"`
	Created   int64    `json:"created"`
	Convs     []string `json:"convs,omitempty"`
}

// PostedIn reports whether the file was posted in conversation conv.
func (r FileRecord) PostedIn(conv string) bool {
	_, found := slices.BinarySearch(r.Convs, conv)
	return found
}

// attachFiles checks that the user key uploaded every file of ids, records
// that they are posted in conversation conv, and returns what the entry
// shows of them. A file that does not exist or is another's is
// no_such_file: the same answer, so that ids cannot be probed.
func (h *Hub) attachFiles(ctx context.Context, key, conv string, ids []string) ([]chat.File, error) {
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
			return nil, chat.Errorf(chat.CodeNoSuchFile, "there is no file %s of yours; upload it again", id)
		case err != nil:
			return nil, h.storageError("read the file", err)
		}
		f := rec.File
		f.Name = escape(f.Name) // the record keeps it as uploaded
		files = append(files, f)
	}
	// Recorded only once all are known to be the sender's, so that a
	// refused message posts none of them.
	for _, id := range ids {
		if _, err := h.opts.Files.PostFile(ctx, id, conv); err != nil {
			return nil, h.storageError("attach the file", err)
		}
	}
	return files, nil
}

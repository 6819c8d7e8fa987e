package hub

import (
	"cmp"
	"context"
	"slices"

	"github.com/founding/chat/app/chat"
)

// The life of an attachment after its upload: messages refer to it, and
// it goes when the last message that did is deleted.
//
// A message takes a pending reference on each of its files before it is
// stored (attachFiles: FileRef{Conv, Origin}, known before the log gives
// the message a sequence, and the same for every resend of it), and
// settles it to FileRef{Conv, Seq} once stored. A delete, once stored,
// gives the settled reference back; the last settled reference given back
// removes the file (Files.UnreferFile). Each step is one compare-and-set
// on the file's record, so two nodes deleting at once give the reference
// back once, and a message posting a file that is being removed either
// refers to it first (and keeps it) or finds it gone (no_such_file).
//
// What a crash between the steps leaves: a pending reference never
// settled (stored or not), or a settled one never given back. Both keep
// the file: an orphan, never a file removed while a message shows it. A
// resend of the message settles its pending reference. docs/storage.md
// tells how orphans are found.

// FileRef is one message's reference to a file: the message of sequence
// Seq in conversation Conv, or, while it is being stored (Seq 0), the
// message of Origin in Conv.
type FileRef struct {
	Conv   string `json:"conv"`
	Seq    uint64 `json:"seq,omitempty"`
	Origin Origin `json:"origin,omitzero"`
}

// Pending reports whether r is a message's reference before it is stored.
func (r FileRef) Pending() bool { return r.Seq == 0 }

// CompareFileRefs orders references by conversation, sequence and origin.
func CompareFileRefs(a, b FileRef) int {
	return cmp.Or(cmp.Compare(a.Conv, b.Conv), cmp.Compare(a.Seq, b.Seq),
		cmp.Compare(a.Origin.User, b.Origin.User), cmp.Compare(a.Origin.ID.Device, b.Origin.ID.Device),
		cmp.Compare(a.Origin.ID.N, b.Origin.ID.N))
}

// WithRef returns rec referred to by ref too, and posted in ref.Conv, and
// whether that changed it. rec is not modified.
func (rec FileRecord) WithRef(ref FileRef) (FileRecord, bool) {
	i, found := slices.BinarySearchFunc(rec.Refs, ref, CompareFileRefs)
	if found {
		return rec, false
	}
	rec.Refs = slices.Insert(slices.Clone(rec.Refs), i, ref)
	if j, posted := slices.BinarySearch(rec.Convs, ref.Conv); !posted {
		rec.Convs = slices.Insert(slices.Clone(rec.Convs), j, ref.Conv)
	}
	return rec, true
}

// WithoutRef returns rec without ref, and whether rec held it. A
// conversation that no reference names any more is no longer one rec was
// posted in, so its members lose access to the file. rec is not modified.
func (rec FileRecord) WithoutRef(ref FileRef) (FileRecord, bool) {
	i, found := slices.BinarySearchFunc(rec.Refs, ref, CompareFileRefs)
	if !found {
		return rec, false
	}
	rec.Refs = slices.Delete(slices.Clone(rec.Refs), i, i+1)
	if !slices.ContainsFunc(rec.Refs, func(r FileRef) bool { return r.Conv == ref.Conv }) {
		if j, posted := slices.BinarySearch(rec.Convs, ref.Conv); posted {
			rec.Convs = slices.Delete(slices.Clone(rec.Convs), j, j+1)
		}
	}
	if len(rec.Refs) == 0 {
		rec.Refs = nil
	}
	if len(rec.Convs) == 0 {
		rec.Convs = nil
	}
	return rec, true
}

// Settled returns rec with its pending reference replaced by the settled
// one of the message of sequence seq, and whether that changed it. A
// pending reference already settled leaves rec as it is.
func (rec FileRecord) Settled(pending FileRef, seq uint64) (FileRecord, bool) {
	settled := FileRef{Conv: pending.Conv, Seq: seq}
	out, had := rec.WithoutRef(pending)
	out, added := out.WithRef(settled)
	return out, had || added
}

// Orphaned reports whether removing ref from rec leaves no reference: the
// file is to be removed. Only a settled reference removes a file: a
// pending one given back leaves an upload not posted.
func (rec FileRecord) Orphaned(ref FileRef) bool {
	return !ref.Pending() && len(rec.Refs) == 0
}

// pendingRef is the reference a message from origin o takes on its files
// in conversation conv before it is stored.
func pendingRef(conv string, o Origin) FileRef { return FileRef{Conv: conv, Origin: o} }

// settleFiles settles the pending references of a stored message, now
// message seq. It runs to its end even if the client goes; a reference
// that could not be settled stays pending and keeps its file (an orphan,
// logged).
func (h *Hub) settleFiles(ctx context.Context, pending FileRef, seq uint64, files []chat.File) {
	if len(files) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	defer cancel()
	for _, f := range files {
		if err := h.opts.Files.SettleFile(ctx, f.ID, pending, seq); err != nil {
			h.opts.Logger.Warn("a file's reference could not be settled; the file stays until swept", "file", f.ID, "conv", pending.Conv, "seq", seq, "err", err)
		}
	}
}

// releaseFiles gives back the pending references of a message that was
// refused before it was stored.
func (h *Hub) releaseFiles(ctx context.Context, pending FileRef, ids []string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	defer cancel()
	for _, id := range ids {
		if _, err := h.opts.Files.UnreferFile(ctx, id, pending); err != nil {
			h.opts.Logger.Warn("a refused message's reference to a file could not be given back", "file", id, "conv", pending.Conv, "err", err)
		}
	}
}

// unreferFiles gives back the references of message seq of conv, just
// deleted, to its files: each file no other message refers to is removed.
// It runs to its end even if the client goes; a reference that could not
// be given back keeps its file (an orphan, logged).
func (h *Hub) unreferFiles(ctx context.Context, conv string, seq uint64, files []chat.File) {
	if len(files) == 0 || h.opts.Files == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	defer cancel()
	for _, f := range files {
		if _, err := h.opts.Files.UnreferFile(ctx, f.ID, FileRef{Conv: conv, Seq: seq}); err != nil {
			h.opts.Logger.Warn("a deleted message's file could not be given back; it stays until swept", "file", f.ID, "conv", conv, "seq", seq, "err", err)
		}
	}
}

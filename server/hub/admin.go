package hub

import (
	"context"
	"errors"
	"maps"
	"slices"

	"github.com/founding/chat/app/chat"
)

// Reread reads room id's record again, after the admin console changed it
// (its owner) here, and applies it (applyRecord) at once; every node,
// this one too, applies it anyway from the Directory's watch.
func (h *Hub) Reread(ctx context.Context, id string) error {
	rec, err := h.dir.Conv(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	h.applyRecord(rec)
	return nil
}

// applyRecord follows a room's record stored or changed by any process
// (Directory.WatchConvs): the record this node keeps, and a new owner, who
// moderates it from then on while the one before does not; the room's
// members here get its new description. A room this node never read
// needs nothing; other conversations follow their records otherwise
// (group.go).
func (h *Hub) applyRecord(rec ConvRecord) {
	if rec.Kind != chat.KindRoom {
		return
	}
	c := h.conv(rec.ID)
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.records[rec.ID]; ok {
		h.records[rec.ID] = rec
	}
	if c == nil || c.owner == rec.Owner {
		return
	}
	c.owner = rec.Owner
	for _, u := range c.members {
		u.send(encode(&chat.Conv{ConvInfo: c.info(u)}))
	}
}

// SetArchived makes ids the rooms an admin archived: the server calls it
// with the admin console's list whenever that may have changed, on every
// node. The members here of a room archived or unarchived get its
// description again (chat.ConvInfo.Archived), so that their tabs show it
// at once. (Refusing what an archived room takes is Options.Writable's.)
func (h *Hub) SetArchived(ids []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !replaceSet(&h.archived, ids) {
		return
	}
	set := h.archived
	h.convMu.RLock()
	defer h.convMu.RUnlock()
	for id, c := range h.convs {
		if c.kind != chat.KindRoom || c.archived == set[id] {
			continue
		}
		c.archived = set[id]
		for _, u := range c.members {
			u.send(encode(&chat.Conv{ConvInfo: c.info(u)}))
		}
	}
}

// replaceSet makes *set the set of keys, and reports whether that changed
// it: the server says the same every second, and then nothing needs to
// be walked through.
func replaceSet(set *map[string]bool, keys []string) bool {
	next := make(map[string]bool, len(keys))
	for _, k := range keys {
		next[k] = true
	}
	if maps.Equal(next, *set) {
		return false
	}
	*set = next
	return true
}

// removePage is how many entries RemoveMessagesOf reads at a time.
const removePage = 200

// RemoveMessagesOf deletes every message the user key wrote in
// conversations convs that is not deleted yet, as the admin named by (the
// admin console deleting an account with its messages), and returns how
// many it deleted. Each delete is an entry of the log like an author's:
// every device drops the message, its files lose the reference, search
// forgets it. It reads each log once, from the newest entry back to the
// oldest held, learning on the way which messages are deleted already and
// which link preview each has now.
func (h *Hub) RemoveMessagesOf(ctx context.Context, key, by string, convs []string) (int, error) {
	n := 0
	for _, conv := range convs {
		last, err := h.log.Last(ctx, conv)
		if err != nil {
			return n, err
		}
		deleted := make(map[uint64]bool)
		previews := make(map[uint64]*chat.LinkPreview) // each message's newest preview entry: the log read backwards meets it first
		previewed := make(map[uint64]bool)
		for before := last + 1; before > 1; {
			p, err := h.log.Page(ctx, chat.History{Conv: conv, Before: before, Limit: removePage})
			if errors.Is(err, ErrBeforeStart) {
				break
			}
			if err != nil {
				return n, err
			}
			if len(p.Entries) == 0 {
				break
			}
			for i := len(p.Entries) - 1; i >= 0; i-- {
				e := p.Entries[i]
				switch {
				case e.Kind == chat.EntryDelete:
					deleted[e.Target] = true
				case e.Kind == chat.EntryPreview && !previewed[e.Target]:
					previewed[e.Target], previews[e.Target] = true, e.Preview
				case e.Kind == chat.EntryMessage && !deleted[e.Seq] && wrote(key, e):
					del := chat.Entry{Conv: conv, Kind: chat.EntryDelete, From: escape(by), Target: e.Seq}
					if _, err := h.log.Append(ctx, del); err != nil {
						return n, err
					}
					h.unreferFiles(ctx, conv, e.Seq, slices.Concat(e.Files, previewFiles(previews[e.Seq])))
					n++
				}
			}
			before = p.Entries[0].Seq
		}
	}
	return n, nil
}

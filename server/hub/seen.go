package hub

import (
	"context"

	"github.com/founding/chat/app/chat"
)

// "Seen": in a private conversation, each member learns how far the other
// has read it. The positions are the read positions the Directory keeps
// anyway (MarkRead); a conversation holds, for its local members, both
// members' positions (conv.readBy). A user's first connection here reads
// the other member's position of each private conversation
// (ConvInfo.Seen in the Welcome); a position raised on any node reaches
// the other member's connections here as a Seen frame, through
// Directory.WatchCursors, once. Rooms have none: a "seen by" list under
// every message of a room is noise to its readers and a frame to every
// member at every read.

// peerReads returns, for each private conversation of convs, how far its
// other member (not key) has read it. It costs one lookup in the Directory
// per private conversation, once per user connecting to this node.
func (h *Hub) peerReads(ctx context.Context, key string, convs []ConvRecord) (map[string]uint64, error) {
	out := make(map[string]uint64)
	for _, rec := range convs {
		if rec.Kind != chat.KindPrivate {
			continue
		}
		for _, m := range rec.Members {
			if m.Key == key {
				continue
			}
			seq, err := h.dir.Cursor(ctx, m.Key, rec.ID)
			if err != nil {
				return nil, err
			}
			if seq > 0 {
				out[peerReadKey(rec, m.Key)] = seq
			}
		}
	}
	return out, nil
}

// notePeerReads records in u's private conversations both members' read
// positions from u's profile. Callers hold h.mu.
func (h *Hub) notePeerReads(u *user, p *profile) {
	for id, c := range u.convs {
		if c.kind != chat.KindPrivate {
			continue
		}
		c.noteRead(u.key, u.read[id])
		for _, m := range c.pair {
			if m.Key != u.key {
				c.noteRead(m.Key, p.peerRead[peerReadKey(ConvRecord{ID: id}, m.Key)])
			}
		}
	}
}

// noteRead raises the read position of member key in c, and reports
// whether it rose. Callers hold Hub.mu.
func (c *conv) noteRead(key string, seq uint64) bool {
	if seq == 0 || seq <= c.readBy[key] {
		return false
	}
	if c.readBy == nil {
		c.readBy = make(map[string]uint64, 2)
	}
	c.readBy[key] = seq
	return true
}

// peerReadKey is where profile.peerRead keeps member key's read position
// of rec: under its id for a pair, under id and key for a group, which has
// more than one other member.
func peerReadKey(rec ConvRecord, key string) string {
	if chat.IsGroup(rec.ID) {
		return rec.ID + "\x00" + key
	}
	return rec.ID
}

// seenBy is how far the other member of private conversation c has read
// it, as u sees it; 0 in rooms. Callers hold Hub.mu.
func (c *conv) seenBy(u *user) uint64 {
	if c.kind != chat.KindPrivate || chat.IsGroup(c.id) {
		return 0
	}
	for _, m := range c.pair {
		if m.Key != u.key {
			return c.readBy[m.Key]
		}
	}
	return 0
}

// applySeen tells the other member of a private conversation, on their
// connections here, that ch.User read it further. Callers hold h.mu.
func (h *Hub) applySeen(ch CursorChange) {
	c := h.localConv(ch.Conv)
	if c == nil || c.kind != chat.KindPrivate || !c.noteRead(ch.User, ch.Seq) {
		return
	}
	var frame []byte
	for _, m := range c.pair {
		peer := c.members[m.Key]
		if m.Key == ch.User || peer == nil {
			continue
		}
		if frame == nil {
			seen := &chat.Seen{Conv: c.id, Seq: ch.Seq}
			if chat.IsGroup(c.id) {
				seen.User = escape(c.nameOf(ch.User))
			}
			frame = encode(seen)
		}
		peer.send(frame)
	}
}

// nameOf is the name of member key of private conversation c, as its
// record has it. Callers hold Hub.mu.
func (c *conv) nameOf(key string) string {
	for _, m := range c.pair {
		if m.Key == key {
			return m.Name
		}
	}
	return key
}

package hub

import (
	"context"
	"errors"

	"github.com/founding/chat/app/chat"
)

// Reread reads room id's record again, after the admin console changed it
// (its owner), here or on another node: the moderation checks follow at
// once, and its members' connections here get the room's new description.
// A room this node never read needs nothing.
func (h *Hub) Reread(ctx context.Context, id string) error {
	rec, err := h.dir.Conv(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	h.convMu.RLock()
	c := h.convs[id]
	h.convMu.RUnlock()
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.records[id]; ok {
		h.records[id] = rec
	}
	if c == nil {
		return nil
	}
	c.owner = rec.Owner
	for _, u := range c.members {
		u.send(encode(&chat.Conv{ConvInfo: c.info(u)}))
	}
	return nil
}

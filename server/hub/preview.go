package hub

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/linkpreview"
)

// Link previews (chat.EntryPreview): the node that stored a message
// fetches the preview of its first link after the fact (package server)
// and appends it here, as an action on the message; its author, or a
// room's moderator, removes it with Unpreview. A preview's thumbnail is a
// file the message refers to (FileRef{Conv, Seq}): replaced, removed or
// deleted with the message, the reference is given back and the file goes.

// SetPreview appends p as the link preview of message seq of conv, whose
// first link was link when the fetch began. It appends nothing, and
// returns false, when the message is deleted or its first link is no
// longer link (an edit changed it meanwhile). A nil p removes the preview
// (an edit took the link away), unless there is none. The preview it
// replaces gives its thumbnail back.
func (h *Hub) SetPreview(ctx context.Context, conv string, seq uint64, link string, p *chat.LinkPreview) (bool, error) {
	_, m, err := h.fresh(ctx, conv, seq, 0)
	var ce *chat.Error
	switch {
	case errors.As(err, &ce):
		return false, nil
	case err != nil:
		return false, h.storageError("read the message", err)
	}
	if m.Deleted || linkpreview.FirstLink(m.HTML) != link || (p == nil && m.Preview == nil) {
		return false, nil
	}
	if _, err := h.log.Append(ctx, chat.Entry{Conv: conv, Kind: chat.EntryPreview, From: m.From, Target: seq, Preview: p}); err != nil {
		return false, h.storageError("store the link preview", err)
	}
	h.unreferFiles(ctx, conv, seq, previewFiles(m.Preview))
	return true, nil
}

// EditedLink tells what the edit at sequence edit did to the first link
// of message seq of conv: the link just before it (before) and the
// message as it is now (its HTML, its Preview). A deleted message is
// message_deleted.
func (h *Hub) EditedLink(ctx context.Context, conv string, seq, edit uint64) (before string, now chat.Entry, err error) {
	old, now, err := h.fresh(ctx, conv, seq, edit)
	if err == nil && now.Deleted {
		err = chat.Errorf(chat.CodeMessageDeleted, "message %d was deleted", seq)
	}
	if err != nil {
		return "", chat.Entry{}, err
	}
	return linkpreview.FirstLink(old.HTML), now, nil
}

// fresh returns message seq of conv with every action stored so far
// folded in (now), and with those before sequence upto (old; 0: none). The
// hub's record of actions may lag behind the log's watch (an edit this
// node just stored may not be in it yet), so the log past what the record
// has seen is read too. A sequence that is no message is no_such_message.
func (h *Hub) fresh(ctx context.Context, conv string, seq, upto uint64) (old, now chat.Entry, err error) {
	p, err := h.log.Page(ctx, chat.History{Conv: conv, Before: seq + 1, Limit: 1})
	if errors.Is(err, ErrFuture) || errors.Is(err, ErrBeforeStart) ||
		(err == nil && (len(p.Entries) != 1 || p.Entries[0].Seq != seq || p.Entries[0].Kind != chat.EntryMessage)) {
		return old, now, chat.Errorf(chat.CodeNoSuchMessage, "entry %d of this conversation is not a message", seq)
	}
	if err != nil {
		return old, now, err
	}
	amends, err := h.amends.of(ctx, conv, seq+1)
	if err != nil {
		return old, now, err
	}
	amends.mu.Lock()
	actions, high := slices.Clone(amends.actions[seq]), amends.high
	amends.mu.Unlock()
	tail, err := h.log.Page(ctx, chat.History{Conv: conv, After: max(high, seq), Limit: chat.MaxHistoryLimit})
	if err != nil && !errors.Is(err, ErrFuture) {
		return old, now, err
	}
	for _, e := range tail.Entries {
		if chat.IsAction(e.Kind) && e.Target == seq && e.Seq > high {
			actions = append(actions, e)
		}
	}
	old, now = p.Entries[0], p.Entries[0]
	for _, a := range actions {
		if a.Seq < upto {
			old, _ = chat.Apply(old, a)
		}
		now, _ = chat.Apply(now, a)
	}
	return old, now, nil
}

// previewFiles returns the thumbnail of preview p as the file the message
// refers to (none when p has no thumbnail of this server's).
func previewFiles(p *chat.LinkPreview) []chat.File {
	if p == nil {
		return nil
	}
	id, ok := strings.CutPrefix(p.Image, chat.FilesPath+"/")
	if !ok || !chat.ValidFileID(id) {
		return nil
	}
	return []chat.File{{ID: id}}
}

// Unpreview removes the link preview of message seq of convID: its author
// may, and whoever Options.MayModerate allows. It is stored under the
// client's id like an edit, even when there is no preview (a resend).
func (h *Hub) Unpreview(ctx context.Context, key, convID string, seq uint64, id chat.MsgID) (chat.Ack, error) {
	u, c, err := h.member(ctx, key, convID)
	if err != nil {
		return chat.Ack{}, err
	}
	m, err := h.target(ctx, c.id, seq)
	if err != nil {
		return chat.Ack{}, err
	}
	if !wrote(key, m) && !h.mayModerate(ctx, key, c.id) {
		return chat.Ack{}, chat.Errorf(chat.CodeNotAuthor, "only the author of a message may remove its preview")
	}
	e := chat.Entry{Conv: c.id, Kind: chat.EntryPreview, From: escape(u.name), Target: seq}
	ack, err := h.store(ctx, e, key, id)
	if err == nil {
		h.unreferFiles(ctx, c.id, seq, previewFiles(m.Preview)) // none on a resend: given back by the first
	}
	return ack, err
}

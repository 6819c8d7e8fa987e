package hub

import (
	"context"
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
// (an edit took the link away), unless there is none.
func (h *Hub) SetPreview(ctx context.Context, conv string, seq uint64, link string, p *chat.LinkPreview) (bool, error) {
	m, err := h.message(ctx, conv, seq)
	if err != nil {
		return false, err
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

// Preview returns the link preview message seq of conv shows now (nil:
// none), and its HTML.
func (h *Hub) Preview(ctx context.Context, conv string, seq uint64) (*chat.LinkPreview, string, error) {
	m, err := h.target(ctx, conv, seq)
	if err != nil {
		return nil, "", err
	}
	return m.Preview, m.HTML, nil
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

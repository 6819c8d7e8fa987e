package hub

import (
	"context"
	"errors"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/markup"
)

// Imported is a message an admin brings from another chat (a Slack
// export): stored in room Conv as From wrote it at Sent, through the same
// once-per-origin append as a client's message (Log.AppendMessage), so
// that an import run twice, or resumed, stores each message once.
type Imported struct {
	Conv   string
	From   string // the name shown, unescaped
	Bot    bool
	Text   string // Markdown, as a client sends it
	Sent   int64  // Unix ms
	Reply  uint64 // the sequence of the message it answers in Conv (0: none)
	Files  []string
	Owner  string // the user key owning Files (the importing admin)
	Origin Origin // a stable key of the message in its source
}

// Import stores m once (see Imported) and returns its ack; dup says it was
// stored before, and then the ack's Seq is 0 when the log no longer keeps
// the ack of so old an origin. Nothing is pushed, previewed or sent to
// outgoing hooks: it is history.
func (h *Hub) Import(ctx context.Context, m Imported) (ack chat.Ack, dup bool, err error) {
	clean, err := chat.CleanCaption(m.Text, len(m.Files))
	if err != nil {
		return chat.Ack{}, false, err
	}
	body, err := markup.Render(clean)
	if err != nil {
		return chat.Ack{}, false, err
	}
	e := chat.Entry{Conv: m.Conv, Kind: chat.EntryMessage, From: escape(m.From), HTML: body, Bot: m.Bot, Sent: m.Sent}
	if m.Reply != 0 {
		target, err := h.message(ctx, m.Conv, m.Reply)
		if err != nil {
			return chat.Ack{}, false, err
		}
		e.Reply = &chat.Quote{Seq: m.Reply, From: target.From, Deleted: target.Deleted}
		if !target.Deleted {
			e.Reply.Text = markup.Quote(target.HTML)
		}
	}
	pending := pendingRef(m.Conv, m.Origin)
	if e.Files, err = h.attachFiles(ctx, m.Owner, pending, m.Files); err != nil {
		return chat.Ack{}, false, err
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	defer cancel()
	ack, dup, err = h.log.AppendMessage(sctx, e, m.Origin)
	if errors.Is(err, ErrStaleID) {
		// Older than the acks kept: stored by an earlier run.
		h.releaseFiles(ctx, pending, m.Files)
		return chat.Ack{Conv: m.Conv}, true, nil
	}
	if err != nil {
		h.releaseFiles(ctx, pending, m.Files)
		return chat.Ack{}, false, h.storageError("import the message", err)
	}
	h.settleFiles(ctx, pending, ack.Seq, e.Files)
	if !dup {
		e.Seq, e.Time = ack.Seq, ack.Time
		h.deliverStored(e)
	}
	return ack, dup, nil
}

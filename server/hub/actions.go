package hub

import (
	"context"
	"errors"
	"html"
	"slices"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/markup"
	"github.com/founding/chat/server/names"
)

// Actions on messages: each is checked here against the message as it is
// now, then stored as an entry of its own through store, under the
// client's message id like a message (acked once, stored once), and the
// log's watch fans it out to the conversation like any entry: a reaction
// in a large room sends the small reaction entry, never the message.
//
// The checks run before the log deduplicates by id, so a resend meets the
// message as it is now. An edit or a reaction resent after its message was
// deleted is refused with message_deleted: it would change nothing any
// more, and the client drops it. A delete of a deleted message, and a reply
// to one (PostReply), are stored (folding ignores the first; the second
// quotes "deleted"), so that a resent delete or reply gets its first ack.

// Edit replaces the text of message seq of convID, which the user key
// wrote, with text, marked up like a new message (its Markdown, mentions
// and links made again).
func (h *Hub) Edit(ctx context.Context, key, convID string, seq uint64, text string, id chat.MsgID) (chat.Ack, error) {
	u, c, err := h.member(ctx, key, convID)
	if err != nil {
		return chat.Ack{}, err
	}
	clean, err := chat.CleanText(text)
	if err != nil {
		return chat.Ack{}, err
	}
	m, err := h.target(ctx, c.id, seq)
	if err != nil {
		return chat.Ack{}, err
	}
	if !wrote(key, m) {
		return chat.Ack{}, chat.Errorf(chat.CodeNotAuthor, "only the author of a message may edit it")
	}
	body, err := markup.Render(clean)
	if err != nil {
		return chat.Ack{}, err
	}
	e := chat.Entry{Conv: c.id, Kind: chat.EntryEdit, From: escape(u.name), Bot: u.bot, HTML: body, Target: seq}
	return h.store(ctx, e, key, id)
}

// Delete takes back message seq of convID: its author may, and whoever
// Options.MayModerate allows. Its files lose the message's reference, and
// go once no message refers to them (file_lifecycle.go).
func (h *Hub) Delete(ctx context.Context, key, convID string, seq uint64, id chat.MsgID) (chat.Ack, error) {
	u, c, err := h.member(ctx, key, convID)
	if err != nil {
		return chat.Ack{}, err
	}
	m, err := h.message(ctx, c.id, seq)
	if err != nil {
		return chat.Ack{}, err
	}
	if !wrote(key, m) && !h.mayModerate(ctx, key, c.id) {
		return chat.Ack{}, chat.Errorf(chat.CodeNotAuthor, "only the author of a message may delete it")
	}
	e := chat.Entry{Conv: c.id, Kind: chat.EntryDelete, From: escape(u.name), Bot: u.bot, Target: seq}
	ack, dup, err := h.storeOnce(ctx, e, key, id)
	if err == nil && !dup {
		h.threadReplyDeleted(ctx, c.id, m)
	}
	if err == nil {
		h.unreferFiles(ctx, c.id, seq, slices.Concat(m.Files, previewFiles(m.Preview))) // none once deleted: given back by the first delete
	}
	return ack, err
}

// React adds (on) or removes the user's reaction emoji to message seq of
// convID; any member may.
func (h *Hub) React(ctx context.Context, key, convID string, seq uint64, emoji string, on bool, id chat.MsgID) (chat.Ack, error) {
	u, c, err := h.member(ctx, key, convID)
	if err != nil {
		return chat.Ack{}, err
	}
	emoji, err = chat.CleanEmoji(emoji)
	if err != nil {
		return chat.Ack{}, err
	}
	m, err := h.target(ctx, c.id, seq)
	if err != nil {
		return chat.Ack{}, err
	}
	if on && len(m.Reactions) >= chat.MaxReactions &&
		!slices.ContainsFunc(m.Reactions, func(r chat.Reaction) bool { return r.Emoji == emoji }) {
		return chat.Ack{}, chat.Errorf(chat.CodeTooManyReactions, "a message has at most %d different reactions", chat.MaxReactions)
	}
	e := chat.Entry{Conv: c.id, Kind: chat.EntryReact, From: escape(u.name), Bot: u.bot, Target: seq, Emoji: emoji, On: on}
	return h.store(ctx, e, key, id)
}

// target returns message seq of conversation conv as it is now, or the
// error to answer: no_such_message, or message_deleted.
func (h *Hub) target(ctx context.Context, conv string, seq uint64) (chat.Entry, error) {
	m, err := h.message(ctx, conv, seq)
	if err == nil && m.Deleted {
		err = chat.Errorf(chat.CodeMessageDeleted, "message %d was deleted", seq)
	}
	return m, err
}

// message returns message seq of conversation conv as it is now, deleted
// or not, or no_such_message.
func (h *Hub) message(ctx context.Context, conv string, seq uint64) (chat.Entry, error) {
	p, err := h.log.Page(ctx, chat.History{Conv: conv, Before: seq + 1, Limit: 1})
	switch {
	case errors.Is(err, ErrFuture), errors.Is(err, ErrBeforeStart):
		return chat.Entry{}, chat.Errorf(chat.CodeNoSuchMessage, "there is no message %d in this conversation (or it is no longer held)", seq)
	case err != nil:
		return chat.Entry{}, h.storageError("read the message", err)
	}
	if len(p.Entries) != 1 || p.Entries[0].Seq != seq || p.Entries[0].Kind != chat.EntryMessage {
		return chat.Entry{}, chat.Errorf(chat.CodeNoSuchMessage, "entry %d of this conversation is not a message", seq)
	}
	amends, err := h.amends.of(ctx, conv, seq+1)
	if err != nil {
		return chat.Entry{}, h.storageError("read what became of the message", err)
	}
	m := p.Entries[0]
	if st, ok := amends.state(seq); ok {
		m = chat.Merge(m, st)
	}
	return m, nil
}

// foldPage makes p's entries what they are now (amend.go).
func (h *Hub) foldPage(ctx context.Context, p *chat.Page) error {
	if len(p.Entries) == 0 {
		return nil
	}
	amends, err := h.amends.of(ctx, p.Conv, need(p.Entries))
	if err != nil {
		return err
	}
	p.Entries = amends.fold(p.Entries)
	return nil
}

// wrote reports whether the user key is the author of message m.
func wrote(key string, m chat.Entry) bool {
	return names.Key(html.UnescapeString(m.From)) == key
}

func (h *Hub) mayModerate(ctx context.Context, key, conv string) bool {
	return h.opts.MayModerate != nil && h.opts.MayModerate(ctx, key, conv)
}

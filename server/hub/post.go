package hub

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/markup"
)

// member returns the local user of key and their conversation id, or the
// error to answer.
func (h *Hub) member(ctx context.Context, key, id string) (*user, *conv, error) {
	if parent, root, ok := chat.ThreadOf(id); ok {
		return h.threadMember(ctx, key, id, parent, root)
	}
	h.mu.Lock()
	u, err := h.userOf(key)
	var c *conv
	if err == nil {
		c = h.memberConv(u, id)
	}
	h.mu.Unlock()
	if err != nil {
		return nil, nil, err
	}
	if c == nil {
		return nil, nil, h.refusal(ctx, id)
	}
	return u, c, nil
}

// Post appends a message from the user key to conversation convID; the
// log's watch fans it out. A retried message id returns the first ack
// without a second entry.
func (h *Hub) Post(ctx context.Context, key, convID, text string, id chat.MsgID, files ...string) (chat.Ack, error) {
	return h.PostReply(ctx, key, convID, text, 0, id, files...)
}

// PostReply is Post for a message that answers message reply of the same
// conversation (none when 0): the entry carries a quote of it, made here
// and escaped. A reply to a deleted message is stored with a quote that
// says so and holds no text (so that a resent reply gets its first ack
// even if its target was deleted meanwhile); a reply to no message is
// no_such_message. Files are the ids of files the user uploaded, attached
// to the message (files.go); with files, the text may be empty.
func (h *Hub) PostReply(ctx context.Context, key, convID, text string, reply uint64, id chat.MsgID, files ...string) (chat.Ack, error) {
	return h.post(ctx, key, convID, text, reply, "", false, id, files...)
}

// PostThread is PostReply in thread convID (chat.ThreadID) that is also
// posted to the thread's parent conversation when also (thread.go).
func (h *Hub) PostThread(ctx context.Context, key, convID, text string, reply uint64, also bool, id chat.MsgID, files ...string) (chat.Ack, error) {
	if also && !chat.IsThread(convID) {
		return chat.Ack{}, chat.Errorf(chat.CodeBadRequest, "only a reply in a thread is also sent to its conversation")
	}
	return h.post(ctx, key, convID, text, reply, "", also, id, files...)
}

// post is PostReply with the name a webhook's sender gave (none when
// empty), and also for a thread's reply to go to its parent as well.
func (h *Hub) post(ctx context.Context, key, convID, text string, reply uint64, via string, also bool, id chat.MsgID, files ...string) (chat.Ack, error) {
	u, c, err := h.member(ctx, key, convID)
	if err != nil {
		return chat.Ack{}, err
	}
	clean, err := chat.CleanCaption(text, len(files))
	if err != nil {
		return chat.Ack{}, err
	}
	body, err := markup.Render(clean)
	if err != nil {
		return chat.Ack{}, err
	}
	e := chat.Entry{Conv: c.id, Kind: chat.EntryMessage, From: escape(u.name), HTML: body, Bot: u.bot, Via: escape(via)}
	if reply != 0 {
		if err := h.visible(ctx, key, c.id, reply); err != nil {
			return chat.Ack{}, err
		}
		target, err := h.message(ctx, c.id, reply)
		if err != nil {
			return chat.Ack{}, err
		}
		e.Reply = &chat.Quote{Seq: reply, From: target.From, Deleted: target.Deleted}
		if !target.Deleted {
			e.Reply.Text = markup.Quote(target.HTML)
		}
	}
	pending := pendingRef(c.id, Origin{User: key, ID: id})
	if e.Files, err = h.attachFiles(ctx, key, pending, files); err != nil {
		return chat.Ack{}, err
	}
	ack, dup, err := h.storeOnce(ctx, e, key, id)
	if err == nil {
		h.settleFiles(ctx, pending, ack.Seq, e.Files)
		if !dup && chat.IsThread(c.id) {
			e.Seq, e.Time = ack.Seq, ack.Time
			h.threadReplied(ctx, key, e, also)
			if h.opts.Stored != nil {
				h.opts.Stored(e, key) // once its followers are known (thread.go)
			}
		}
	}
	return ack, err
}

// store appends e, an entry a client sent under message id, once (see
// Log.AppendMessage) and returns its ack.
func (h *Hub) store(ctx context.Context, e chat.Entry, key string, id chat.MsgID) (chat.Ack, error) {
	ack, _, err := h.storeOnce(ctx, e, key, id)
	return ack, err
}

// storeOnce is store, and reports whether the id was stored before (dup).
func (h *Hub) storeOnce(ctx context.Context, e chat.Entry, key string, id chat.MsgID) (chat.Ack, bool, error) {
	if h.opts.Writable != nil {
		if err := h.opts.Writable(ctx, e.Conv); err != nil {
			return chat.Ack{}, false, err
		}
	}
	// Storing the entry and the device's mark must both happen once begun,
	// even if the client drops meanwhile: a mark left unwritten would let a
	// retry store the message twice.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	defer cancel()
	ack, dup, err := h.log.AppendMessage(ctx, e, Origin{User: key, ID: id})
	switch {
	case errors.Is(err, ErrStaleID):
		return chat.Ack{}, false, chat.Errorf(chat.CodeBadRequest, "message id %d of this device was used long ago", id.N)
	case errors.Is(err, ErrFull):
		h.opts.Logger.Warn("a message was refused: the log is full", "conv", e.Conv, "err", err)
		return chat.Ack{}, false, chat.Errorf(chat.CodeInternal, "the server has no room left for private messages; yours was not stored. Tell the operator (-private-bytes)")
	case err != nil:
		return chat.Ack{}, false, h.storageError("store the message", err)
	}
	ack.ID = id
	if !dup {
		e.Seq, e.Time = ack.Seq, ack.Time
		h.deliverStored(e)
		if h.opts.Stored != nil && !threadReply(e) {
			h.opts.Stored(e, key)
		}
	}
	return ack, dup, nil
}

// storeTimeout bounds one storage write that must not be cut short.
const storeTimeout = 30 * time.Second

// appendEvent appends a membership entry to conversation id.
func (h *Hub) appendEvent(ctx context.Context, id string, kind chat.EntryKind, who, what string) error {
	_, err := h.log.Append(ctx, chat.Entry{Conv: id, Kind: kind, From: escape(who), HTML: markup.Event(who, what)})
	if err != nil {
		return h.storageError("record the "+string(kind), err)
	}
	return nil
}

// Page returns the entries q asks for, if the user key is in q.Conv.
func (h *Hub) Page(ctx context.Context, key string, q chat.History) (*chat.Page, error) {
	if _, _, err := h.member(ctx, key, q.Conv); err != nil {
		return nil, err
	}
	since, err := h.groupSince(ctx, key, q.Conv) // group.go
	if err != nil {
		return nil, err
	}
	q, none := clampQuery(q, since)
	var p chat.Page
	if none {
		p = chat.Page{Conv: q.Conv, Entries: []chat.Entry{}, First: since}
		p.Last, err = h.log.Last(ctx, q.Conv)
	} else if p, err = h.log.Page(ctx, q); err == nil {
		if err = h.readPastThreads(ctx, q, &p); err == nil { // thread.go
			err = h.foldPage(ctx, &p)
		}
	}
	clampPage(&p, since)
	switch {
	case errors.Is(err, ErrFuture):
		seq := q.After
		if q.Before > 0 {
			seq = q.Before - 1
		}
		return nil, chat.Errorf(chat.CodeBadRequest, "sequence %d is beyond the last entry (%d) of this conversation", seq, p.Last)
	case errors.Is(err, ErrBeforeStart):
		return nil, chat.Errorf(chat.CodeBadRequest, "there is nothing before entry %d: the conversation starts there", p.First)
	case err != nil:
		return nil, h.storageError("read the history", err)
	}
	trimPage(&p, q.Before != 0 || q.After == 0, h.opts.PageBytes)
	return &p, nil
}

// trimPage drops entries until the page fits in budget bytes, from the old
// end when keepNewest, else from the new end. One entry always stays.
func trimPage(p *chat.Page, keepNewest bool, budget int) {
	size := 256 + len(p.Conv)
	for _, e := range p.Entries {
		size += entrySize(e)
	}
	for size > budget && len(p.Entries) > 1 {
		if keepNewest {
			size -= entrySize(p.Entries[0])
			p.Entries = p.Entries[1:]
		} else {
			size -= entrySize(p.Entries[len(p.Entries)-1])
			p.Entries = p.Entries[:len(p.Entries)-1]
		}
	}
}

// entrySize estimates the encoded size of e: names are plain, and the HTML
// is already escaped, so JSON adds little but its quotes and backslashes.
func entrySize(e chat.Entry) int {
	n := 96 + len(e.Conv) + len(e.From) + len(e.HTML) + strings.Count(e.HTML, `"`) + len(e.Emoji)
	if e.Reply != nil {
		n += 64 + len(e.Reply.From) + len(e.Reply.Text)
	}
	for _, r := range e.Reactions {
		n += 32 + len(r.Emoji)
		for _, u := range r.Users {
			n += 3 + len(u)
		}
	}
	return n
}

// Resume answers a Resume: for each conversation named, the entries after
// the client's cursor (the latest page when the cursor is 0), or Gone for a
// conversation the user is no longer in.
func (h *Hub) Resume(ctx context.Context, key string, cursors map[string]uint64) ([]chat.Frame, error) {
	frames := make([]chat.Frame, 0, len(cursors))
	for id, after := range cursors {
		q := chat.History{Conv: id, After: after, Limit: chat.MaxHistoryLimit}
		if after == 0 {
			q.Limit = chat.DefaultHistoryLimit // nothing held yet: the latest page
		}
		p, err := h.Page(ctx, key, q)
		var ce *chat.Error
		switch {
		case errors.As(err, &ce) && (ce.Code == chat.CodeNotMember || ce.Code == chat.CodeNoSuchConv):
			frames = append(frames, &chat.Gone{Conv: id})
		case errors.As(err, &ce) && ce.Code == chat.CodeBadRequest:
			// The client is ahead of the server (history lost): start over.
			if p, err = h.Page(ctx, key, chat.History{Conv: id}); err != nil {
				return frames, err
			}
			p.Reset = true
			frames = append(frames, p)
		case err != nil:
			return frames, err
		default:
			frames = append(frames, p)
		}
	}
	return frames, nil
}

// MarkRead records that the user key has read convID up to seq and tells all
// the user's connections, so unread counts agree across tabs and devices.
func (h *Hub) MarkRead(ctx context.Context, key, convID string, seq uint64) error {
	_, c, err := h.member(ctx, key, convID)
	if err != nil {
		return err
	}
	if last := c.last.Load(); seq > last {
		return chat.Errorf(chat.CodeBadRequest, "sequence %d is beyond the last entry (%d) of this conversation", seq, last)
	}
	raised, err := h.dir.RaiseCursor(ctx, key, convID, seq)
	if err != nil {
		return h.storageError("record the read position", err)
	}
	if !raised {
		return nil
	}
	h.applyCursor(CursorChange{User: key, Conv: convID, Seq: seq})
	return nil
}

// applyCursor tells the user's connections here of a read position raised,
// here or on another node (Directory.WatchCursors), once, and the other
// member of a private conversation (seen.go).
func (h *Hub) applyCursor(c CursorChange) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.applySeen(c)
	u := h.users[c.User]
	if u == nil || c.Seq <= u.read[c.Conv] || u.convs[c.Conv] == nil {
		return
	}
	if u.read == nil {
		u.read = make(map[string]uint64)
	}
	u.read[c.Conv] = c.Seq
	u.send(encode(&chat.Cursor{Conv: c.Conv, Seq: c.Seq}))
}

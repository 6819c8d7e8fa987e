package hub

import (
	"context"
	"errors"
	"fmt"
	"html"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/markup"
	"github.com/founding/chat/server/names"
	"github.com/founding/chat/server/store"
)

// Post appends a message from the user key to conversation convID and fans
// it out. A retried message id returns the first ack without a second entry.
func (h *Hub) Post(ctx context.Context, key, convID, text string, id chat.MsgID) (chat.Ack, error) {
	h.mu.Lock()
	u, err := h.userOf(key)
	var c *conv
	if err == nil {
		c, err = h.memberConv(u, convID)
	}
	name := ""
	if u != nil {
		name = u.name
	}
	h.mu.Unlock()
	if err != nil {
		return chat.Ack{}, err
	}
	clean, err := chat.CleanText(text)
	if err != nil {
		return chat.Ack{}, err
	}
	e := chat.Entry{Conv: c.id, Kind: chat.EntryMessage, From: html.EscapeString(name), HTML: markup.Message(clean)}
	return h.appendMessage(ctx, c, e, store.Origin{User: key, ID: id})
}

func (h *Hub) appendMessage(ctx context.Context, c *conv, e chat.Entry, o store.Origin) (chat.Ack, error) {
	c.seqMu.Lock()
	defer c.seqMu.Unlock()
	ack, dup, err := h.opts.Log.AppendMessage(ctx, e, o)
	switch {
	case errors.Is(err, store.ErrStaleID):
		return chat.Ack{}, chat.Errorf(chat.CodeBadRequest, "message id %d of this device was used long ago", o.ID.N)
	case err != nil:
		h.opts.Logger.Error("append failed", "conv", c.id, "err", err)
		return chat.Ack{}, chat.Errorf(chat.CodeInternal, "the message could not be stored; it will be retried")
	case dup:
		return ack, nil
	}
	e.Seq, e.Time = ack.Seq, ack.Time
	c.last.Store(e.Seq)
	c.fanOut(encode(&e))
	return ack, nil
}

// appendEvent appends a membership entry to c and fans it out.
func (h *Hub) appendEvent(ctx context.Context, c *conv, kind chat.EntryKind, who, what string) error {
	c.seqMu.Lock()
	defer c.seqMu.Unlock()
	e, err := h.opts.Log.Append(ctx, chat.Entry{Conv: c.id, Kind: kind, From: html.EscapeString(who), HTML: markup.Event(who, what)})
	if err != nil {
		h.opts.Logger.Error("append failed", "conv", c.id, "err", err)
		return chat.Errorf(chat.CodeInternal, "the %s could not be stored", kind)
	}
	c.last.Store(e.Seq)
	c.fanOut(encode(&e))
	return nil
}

// memberConv returns the conversation id if u is in it. Callers hold h.mu.
func (h *Hub) memberConv(u *user, id string) (*conv, error) {
	if c := u.convs[id]; c != nil {
		return c, nil
	}
	if c := h.convs[id]; c != nil && c.kind == chat.KindRoom {
		return nil, chat.Errorf(chat.CodeNotMember, "you are not in room %q; join it first", c.name)
	}
	return nil, chat.Errorf(chat.CodeNoSuchConv, "no conversation %.80q", id)
}

// PostTo sends a private message from the user key to the user named to,
// opening their private conversation if needed.
func (h *Hub) PostTo(ctx context.Context, key, to, text string, id chat.MsgID) (chat.Ack, error) {
	info, err := h.Open(key, to)
	if err != nil {
		return chat.Ack{}, err
	}
	return h.Post(ctx, key, info.ID, text, id)
}

// Open returns the private conversation between the user key and the user
// named with, creating it and telling both users about it the first time.
func (h *Hub) Open(key, with string) (chat.ConvInfo, error) {
	clean, err := chat.CleanName(with)
	if err != nil {
		return chat.ConvInfo{}, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	u, err := h.userOf(key)
	if err != nil {
		return chat.ConvInfo{}, err
	}
	peer := h.users[names.Key(clean)]
	switch {
	case peer == nil:
		return chat.ConvInfo{}, chat.Errorf(chat.CodeNoSuchUser, "nobody is called %q", clean)
	case peer == u:
		return chat.ConvInfo{}, chat.Errorf(chat.CodeBadRequest, "you cannot send a private message to yourself")
	}
	id := privateID(u.key, peer.key)
	c := h.convs[id]
	if c == nil {
		c = newConv(id, chat.KindPrivate, "")
		h.convs[id] = c
		c.members[u.key], c.members[peer.key] = u, peer
		for _, m := range []*user{u, peer} {
			m.convs[id] = c
			for s := range m.sessions {
				c.subscribe(s)
			}
			m.send(encode(&chat.Conv{ConvInfo: c.info(m)}))
		}
	}
	return c.info(u), nil
}

func privateID(a, b string) string {
	if a > b {
		a, b = b, a
	}
	return "p:" + a + "|" + b
}

// Join makes the user key a member of the room named room, creating it. The
// join is an entry of the room; the user's connections get the room and its
// roster. Joining a room one is in already just sends them again.
func (h *Hub) Join(ctx context.Context, key, room string) (chat.ConvInfo, error) {
	clean, err := chat.CleanRoom(room)
	if err != nil {
		return chat.ConvInfo{}, err
	}
	id := "r:" + names.Key(clean)
	h.mu.Lock()
	u, err := h.userOf(key)
	if err != nil {
		h.mu.Unlock()
		return chat.ConvInfo{}, err
	}
	c := u.convs[id]
	if c != nil {
		info := c.info(u)
		u.send(encode(&chat.Conv{ConvInfo: info}))
		u.send(encode(c.roster()))
		h.mu.Unlock()
		return info, nil
	}
	if len(u.rooms()) >= h.opts.MaxRooms {
		h.mu.Unlock()
		return chat.ConvInfo{}, chat.Errorf(chat.CodeTooManyRooms, "you are in %d rooms, the most allowed; leave one first", h.opts.MaxRooms)
	}
	c = h.convs[id]
	if c == nil {
		c = newConv(id, chat.KindRoom, clean)
		h.convs[id] = c
	}
	c.members[u.key] = u
	u.convs[id] = c
	for s := range u.sessions {
		c.subscribe(s)
	}
	if u.online {
		c.online[u.key] = u
		h.presence(c, u, true, true)
	}
	info := c.info(u)
	u.send(encode(&chat.Conv{ConvInfo: info}))
	u.send(encode(c.roster()))
	name := u.name
	h.mu.Unlock()
	return info, h.appendEvent(ctx, c, chat.EntryJoin, name, "joined")
}

// Leave ends the user key's membership of room convID. The leave is an entry
// of the room, which the user's connections see before the room goes.
func (h *Hub) Leave(ctx context.Context, key, convID string) error {
	h.mu.Lock()
	u, err := h.userOf(key)
	var c *conv
	if err == nil {
		c, err = h.memberConv(u, convID)
	}
	if err == nil && (c.kind != chat.KindRoom || c.id == LobbyID) {
		err = chat.Errorf(chat.CodeCannotLeave, "only named rooms can be left")
	}
	if err != nil {
		h.mu.Unlock()
		return err
	}
	// Membership ends first, under the lock, so a second Leave fails
	// instead of appending a second entry.
	name := u.name
	delete(c.members, u.key)
	delete(u.convs, c.id)
	h.mu.Unlock()
	err = h.appendEvent(ctx, c, chat.EntryLeave, name, "left")
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range u.sessions {
		c.unsubscribe(s)
	}
	if _, ok := c.online[u.key]; ok {
		delete(c.online, u.key)
		h.presence(c, u, false, true)
	}
	u.send(encode(&chat.Gone{Conv: c.id}))
	return err
}

// Page returns the entries q asks for, if the user key is in q.Conv.
func (h *Hub) Page(ctx context.Context, key string, q chat.History) (*chat.Page, error) {
	h.mu.Lock()
	u, err := h.userOf(key)
	if err == nil {
		_, err = h.memberConv(u, q.Conv)
	}
	h.mu.Unlock()
	if err != nil {
		return nil, err
	}
	p, err := h.opts.Log.Page(ctx, q)
	switch {
	case errors.Is(err, store.ErrFuture):
		return nil, chat.Errorf(chat.CodeBadRequest, "sequence %d is beyond the last entry (%d) of this conversation", max(q.After, q.Before), p.Last)
	case err != nil:
		h.opts.Logger.Error("page failed", "conv", q.Conv, "err", err)
		return nil, chat.Errorf(chat.CodeInternal, "history could not be read")
	}
	trimPage(&p, q.Before != 0 || q.After == 0)
	return &p, nil
}

// trimPage drops entries until the page fits chat.MaxServerFrameBytes, from
// the old end when keepNewest, else from the new end.
func trimPage(p *chat.Page, keepNewest bool) {
	size := 0
	for _, e := range p.Entries {
		size += entrySize(e)
	}
	for size > chat.MaxServerFrameBytes-1024 && len(p.Entries) > 1 {
		if keepNewest {
			size -= entrySize(p.Entries[0])
			p.Entries = p.Entries[1:]
		} else {
			size -= entrySize(p.Entries[len(p.Entries)-1])
			p.Entries = p.Entries[:len(p.Entries)-1]
		}
	}
}

// entrySize bounds the encoded size of e: JSON may escape a byte into six.
func entrySize(e chat.Entry) int {
	return 128 + len(e.Conv) + 6*len(e.From) + 2*len(e.HTML)
}

// Resume answers a Resume: for each conversation named, the entries after
// the client's cursor (the latest page when the cursor is 0), or Gone for a
// conversation the user is no longer in.
func (h *Hub) Resume(ctx context.Context, key string, cursors map[string]uint64) ([]chat.Frame, error) {
	frames := make([]chat.Frame, 0, len(cursors))
	for id, after := range cursors {
		q := chat.History{Conv: id, After: after, Limit: chat.MaxHistoryLimit}
		p, err := h.Page(ctx, key, q)
		var ce *chat.Error
		switch {
		case errors.As(err, &ce) && (ce.Code == chat.CodeNotMember || ce.Code == chat.CodeNoSuchConv):
			frames = append(frames, &chat.Gone{Conv: id})
		case errors.As(err, &ce) && ce.Code == chat.CodeBadRequest:
			// The client is ahead of the server (history lost): start over.
			p, err = h.Page(ctx, key, chat.History{Conv: id})
			if err != nil {
				return frames, err
			}
			frames = append(frames, p)
		case err != nil:
			return frames, err
		default:
			frames = append(frames, p)
		}
	}
	return frames, nil
}

// String describes the hub for logs.
func (h *Hub) String() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return fmt.Sprintf("hub: %d users, %d conversations, %d connections", len(h.users), len(h.convs), len(h.sinks))
}

// MarkRead records that the user key has read convID up to seq and tells all
// the user's connections, so unread counts agree across tabs and devices.
func (h *Hub) MarkRead(key, convID string, seq uint64) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	u, err := h.userOf(key)
	if err != nil {
		return err
	}
	c, err := h.memberConv(u, convID)
	if err != nil {
		return err
	}
	if last := c.last.Load(); seq > last {
		return chat.Errorf(chat.CodeBadRequest, "sequence %d is beyond the last entry (%d) of this conversation", seq, last)
	}
	if seq <= u.read[convID] {
		return nil
	}
	u.read[convID] = seq
	u.send(encode(&chat.Cursor{Conv: convID, Seq: seq}))
	return nil
}

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

// Threads (app/chat/thread.go): a thread is a conversation of its own,
// "t:<parent>:<root>", with its own gap-free log, so its history, resume,
// exactly-once sends, actions, read positions and search are those of any
// conversation. What is new is here:
//
//   - Who may read and write a thread is whoever is in its parent
//     (threadMember): its root must be a message of the parent, checked once
//     per node.
//   - Its entries reach the parent's connections (conv.via): a client keeps
//     those of the threads it holds and drops the rest, as it does for a
//     conversation it does not hold.
//   - Following a thread is a membership of its conversation in the
//     Directory, so followed threads come in the Welcome with their last
//     sequence and read position, on every node (applyMember), and their
//     read positions reach every device (MarkRead). Whoever posts in a
//     thread follows it, and so do its root's author and whoever a reply
//     mentions (if in the parent).
//   - Each reply stored (not a retry) appends an EntryThread action to the
//     parent targeting the root, folded into the root's summary by
//     chat.Apply; a reply deleted appends one that takes it back. With
//     Send.Also the reply is posted to the parent too, as a message whose
//     Root names the thread.

// threadConv returns thread id's conversation here, made if missing while
// its parent has local members; its audience is the parent's connections.
// Callers may hold h.mu (h.mu comes before convMu).
func (h *Hub) threadConv(id, parent string) *conv {
	h.convMu.Lock()
	defer h.convMu.Unlock()
	p, c := h.convs[parent], h.convs[id]
	if c == nil {
		if p == nil {
			return nil
		}
		c = newConv(ConvRecord{ID: id, Kind: chat.KindThread})
		h.convs[id] = c
	}
	if p != nil {
		if p.threads == nil {
			p.threads = make(map[string]*conv)
		}
		p.threads[id] = c
	}
	c.via.Store(p)
	return c
}

// dropConv takes c out of the table once no local user is in it, with
// the threads of it that no local user follows (a thread opened here is
// in the table while its parent is). Callers hold h.mu and convMu.
func (h *Hub) dropConv(c *conv) {
	delete(h.convs, c.id)
	if p := c.via.Load(); p != nil && p.threads[c.id] == c {
		delete(p.threads, c.id)
	}
	for id, t := range c.threads {
		if len(t.members) == 0 && h.convs[id] == t {
			delete(h.convs, id)
		}
	}
	c.threads = nil
}

// threadMember is member for a thread: the user must be in its parent, and
// its root must be a message there.
func (h *Hub) threadMember(ctx context.Context, key, id, parent string, root uint64) (*user, *conv, error) {
	u, _, err := h.member(ctx, key, parent)
	if err != nil {
		return nil, nil, err
	}
	c := h.threadConv(id, parent)
	if c == nil {
		return nil, nil, h.refusal(ctx, parent) // left the parent meanwhile
	}
	if c.checked.Load() {
		return u, c, nil
	}
	if _, err := h.message(ctx, parent, root); err != nil {
		var ce *chat.Error
		if errors.As(err, &ce) && ce.Code == chat.CodeNoSuchMessage {
			return nil, nil, chat.Errorf(chat.CodeNoSuchConv, "no thread: there is no message %d in this conversation (or it is no longer held)", root)
		}
		return nil, nil, err
	}
	last, err := h.log.Last(ctx, id)
	if err != nil {
		return nil, nil, h.storageError("read the thread", err)
	}
	raiseLast(c, last)
	c.checked.Store(true)
	return u, c, nil
}

// Follow makes the user key follow thread convID (on) or not: a member
// of its parent may.
func (h *Hub) Follow(ctx context.Context, key, convID string, on bool) error {
	parent, root, ok := chat.ThreadOf(convID)
	if !ok {
		return chat.Errorf(chat.CodeNoSuchConv, "%.80q is not a thread", convID)
	}
	if _, _, err := h.threadMember(ctx, key, convID, parent, root); err != nil {
		return err
	}
	return h.follow(ctx, key, convID, on)
}

// follow records that the user key follows thread id or not, making the
// thread's record first, and tells the user's connections here (the
// directory's watch tells the other nodes'). The caller checked that the
// user may read the thread.
func (h *Hub) follow(ctx context.Context, key, id string, on bool) error {
	if on {
		parent, root, _ := chat.ThreadOf(id)
		m, err := h.message(ctx, parent, root)
		if err != nil {
			return err
		}
		title := markup.Quote(m.HTML)
		if m.Deleted {
			title = ""
		}
		if _, err := h.dir.CreateConv(ctx, ConvRecord{ID: id, Kind: chat.KindThread, Name: html.UnescapeString(title)}); err != nil {
			return h.storageError("follow the thread", err)
		}
		h.missing.forget(id)
	}
	if _, err := h.dir.SetMember(ctx, key, id, on); err != nil {
		return h.storageError("follow the thread", err)
	}
	if err := h.applyMember(ctx, key, id, on); err != nil {
		return h.storageError("follow the thread", err)
	}
	if h.opts.Followed != nil {
		if err := h.opts.Followed(ctx, id, key, on); err != nil {
			return h.storageError("follow the thread", err)
		}
	}
	return nil
}

// follows reports whether the user key follows thread id, as this node
// knows; false for a user with no connection here.
func (h *Hub) follows(key, id string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	u := h.users[key]
	return u != nil && u.convs[id] != nil
}

// threadReplied does what a reply newly stored in thread c brings: the
// root's summary in the parent, the copy in the parent when also, and the
// follows of its author, of the root's author and of whom it mentions.
// The reply is stored already, so a failure here is logged, not returned:
// the client must not send it again.
func (h *Hub) threadReplied(ctx context.Context, key string, e chat.Entry, also bool) {
	parent, root, ok := chat.ThreadOf(e.Conv)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	defer cancel()
	if _, err := h.log.Append(ctx, chat.Entry{Conv: parent, Kind: chat.EntryThread, From: e.From, Bot: e.Bot, Target: root, On: true}); err != nil {
		h.opts.Logger.Error("a thread's summary was not updated", "thread", e.Conv, "err", err)
	}
	if also {
		copied := chat.Entry{Conv: parent, Kind: chat.EntryMessage, From: e.From, HTML: e.HTML, Bot: e.Bot, Via: e.Via, Root: root}
		if _, err := h.log.Append(ctx, copied); err != nil {
			h.opts.Logger.Error("a thread's reply was not sent to its conversation", "thread", e.Conv, "err", err)
		}
	}
	followers := []string{key}
	if m, err := h.message(ctx, parent, root); err == nil {
		followers = append(followers, names.Key(html.UnescapeString(m.From)))
	}
	followers = append(followers, chat.Mentioned(e.HTML)...)
	for i, k := range followers {
		if i > 0 {
			in, err := h.inConv(ctx, k, parent)
			if err != nil {
				h.opts.Logger.Error("a thread was not followed", "thread", e.Conv, "user", k, "err", err)
			}
			if !in {
				continue
			}
		}
		if h.follows(k, e.Conv) {
			continue
		}
		if err := h.follow(ctx, k, e.Conv, true); err != nil {
			h.opts.Logger.Error("a thread was not followed", "thread", e.Conv, "user", k, "err", err)
		}
	}
}

// threadReply reports whether e is a reply in a thread, which post hands
// to Options.Stored after threadReplied rather than at once.
func threadReply(e chat.Entry) bool { return e.Kind == chat.EntryMessage && chat.IsThread(e.Conv) }

// threadReplyDeleted takes a deleted reply of thread conv out of its
// root's summary.
func (h *Hub) threadReplyDeleted(ctx context.Context, conv string, reply chat.Entry) {
	parent, root, ok := chat.ThreadOf(conv)
	if !ok || reply.Deleted {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	defer cancel()
	if _, err := h.log.Append(ctx, chat.Entry{Conv: parent, Kind: chat.EntryThread, From: reply.From, Target: root}); err != nil {
		h.opts.Logger.Error("a thread's summary was not updated", "thread", conv, "err", err)
	}
}

// inConv reports whether the user key is in conversation parent, so that
// following one of its threads lets them read it.
func (h *Hub) inConv(ctx context.Context, key, parent string) (bool, error) {
	if key == "" {
		return false, nil
	}
	convs, err := h.dir.Memberships(ctx, key)
	return slices.Contains(convs, parent), err
}

// threadsOf returns the threads of conversation parent that u follows
// here. Callers hold h.mu.
func threadsOf(u *user, parent string) []*conv {
	var out []*conv
	for id, c := range u.convs {
		if p, _, ok := chat.ThreadOf(id); ok && p == parent {
			out = append(out, c)
		}
	}
	return out
}

// maxPastThreadReads bounds the further reads of one page (readPastThreads):
// with MaxHistoryLimit entries each, a page reads past this many times that
// thread actions at most.
const maxPastThreadReads = 10

// readPastThreads keeps a page read backwards (the latest, or older ones)
// from showing nothing: a busy thread leaves its parent one EntryThread
// action per reply, which foldPage folds into the root, so a page of them
// alone would hold no message, and the root would hide behind pages of
// them. Such a page reads on, older, until it holds as many other entries
// as asked (or reaches the log's start, or maxPastThreadReads reads). The
// page stays gap-free (chat.Page.Validate): thread actions are small, a
// thousand about 120 KB.
func (h *Hub) readPastThreads(ctx context.Context, q chat.History, p *chat.Page) error {
	if q.After != 0 && q.Before == 0 {
		return nil // a page forwards, catching up: every action counts
	}
	want := q.Limit
	if want <= 0 {
		want = chat.DefaultHistoryLimit
	}
	others := func() int {
		n := 0
		for _, e := range p.Entries {
			if e.Kind != chat.EntryThread {
				n++
			}
		}
		return n
	}
	thin := false
	for reads := 0; reads < maxPastThreadReads && len(p.Entries) > 0 && p.Entries[0].Seq > p.First && others() < want; reads++ {
		thin = true
		older, err := h.log.Page(ctx, chat.History{Conv: q.Conv, Before: p.Entries[0].Seq, Limit: chat.MaxHistoryLimit})
		if err != nil {
			return err
		}
		if len(older.Entries) == 0 || older.Entries[len(older.Entries)-1].Seq >= p.Entries[0].Seq {
			break
		}
		p.Entries = append(older.Entries, p.Entries...)
	}
	if !thin {
		return nil
	}
	// The asked number of others, the newest: what the page would have held.
	if extra := others() - want; extra > 0 {
		i := 0
		for ; extra > 0 && i < len(p.Entries)-1; i++ {
			if p.Entries[i].Kind != chat.EntryThread {
				extra--
			}
		}
		p.Entries = p.Entries[i:]
	}
	return nil
}

package client

import (
	"html"
	"sort"

	"github.com/founding/chat/app/chat"
)

// Threads (chat/thread.go): a thread is a conversation of the Model like
// any other, kept in Convs under its id with Info.Kind chat.KindThread, so
// its window, gaps, resume, actions, outbox and saving are a
// conversation's. What differs: it is not listed with the conversations
// (Sorted) but in Threads; it is Followed when the server lists it (the
// Welcome, a Conv frame), and only a followed thread counts unread; one
// open (Model.Thread) but not followed is kept, and resumed, while its
// parent is; and a thread goes with its parent.

// forgetThreads drops the threads of conversation parent.
func (m *Model) forgetThreads(parent string) {
	for id := range m.Convs {
		if p, _, ok := chat.ThreadOf(id); ok && p == parent {
			delete(m.Convs, id)
			if m.Thread == id {
				m.Thread = ""
			}
		}
	}
}

// OpenThread opens the thread of message root of conversation parent
// beside it (Model.Thread), holding it if new, and returns the request for
// its latest entries when it has none yet.
func (m *Model) OpenThread(parent string, root uint64) []chat.Frame {
	if m.Convs[parent] == nil || root == 0 || chat.IsThread(parent) {
		return nil
	}
	id := chat.ThreadID(parent, root)
	if m.Thread != id {
		m.CloseThread() // one open at a time: another not followed is forgotten
	}
	m.Thread = id
	c := m.Convs[id]
	if c == nil {
		c = m.ensure(chat.ConvInfo{ID: id, Kind: chat.KindThread})
		if e, ok := m.Root(id); ok && !e.Deleted {
			c.Name = html.UnescapeString(chat.QuoteText(e.HTML))
		}
	}
	m.recount(c)
	if c.Ready || c.fetching {
		return nil
	}
	c.fetching = true
	return []chat.Frame{&chat.History{Conv: id}}
}

// CloseThread closes the thread beside the conversation; one not followed
// is forgotten.
func (m *Model) CloseThread() {
	if c := m.Convs[m.Thread]; c != nil && !c.Followed {
		delete(m.Convs, m.Thread)
	}
	m.Thread = ""
}

// Root returns the root message of thread id as the parent's window holds
// it, and false when it does not.
func (m *Model) Root(id string) (chat.Entry, bool) {
	parent, root, ok := chat.ThreadOf(id)
	c := m.Convs[parent]
	if !ok || c == nil {
		return chat.Entry{}, false
	}
	i := sort.Search(len(c.Entries), func(i int) bool { return c.Entries[i].Seq >= root })
	if i < len(c.Entries) && c.Entries[i].Seq == root {
		return c.Entries[i], true
	}
	return chat.Entry{}, false
}

// Threads returns the threads the user follows, those with unread replies
// first, then the newest first (by their last sequence).
func (m *Model) Threads() []*Conversation {
	var list []*Conversation
	for _, c := range m.Convs {
		if c.Info.Kind == chat.KindThread && c.Followed {
			list = append(list, c)
		}
	}
	sort.Slice(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if (a.Unread > 0) != (b.Unread > 0) {
			return a.Unread > 0
		}
		return a.Info.ID < b.Info.ID
	})
	return list
}

// ThreadsUnread returns the unread replies of the followed threads.
func (m *Model) ThreadsUnread() int {
	n := 0
	for _, c := range m.Threads() {
		n += c.Unread
	}
	return n
}

// OpenThread opens the thread of message root of parent beside it and
// asks for its entries (Model.OpenThread).
func (s *Session) OpenThread(parent string, root uint64) error {
	return s.sendAll(s.model.OpenThread(parent, root))
}

// Follow follows thread id (on) or not; the server's Conv or Gone frame
// then changes the model.
func (s *Session) Follow(id string, on bool) error {
	return s.Send(&chat.Follow{Conv: id, On: on})
}

// ComposeInThread is ComposeWaiting for a reply in thread id, sent to its
// parent too when also.
func (s *Session) ComposeInThread(id, text string, also bool, files []chat.File, waiting []Upload) (chat.MsgID, error) {
	if _, err := chat.CleanCaption(text, len(files)+len(waiting)); err != nil {
		return chat.MsgID{}, err
	}
	f := s.model.Compose(id, "", text, files...)
	if o := s.model.find(f.ID); o != nil {
		o.Also = also
	}
	s.model.AwaitUploads(f.ID, waiting)
	return s.keep(f.ID)
}

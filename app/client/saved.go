package client

import (
	"github.com/founding/chat/app/chat"
)

// Saved is what a browser keeps of a user's conversations between visits,
// so that the page shows them at once, and with no network at all: who the
// user is, the conversation in view, and for each conversation its latest
// entries. After the next Welcome the model resumes from the newest saved
// entry, so nothing is fetched twice and nothing is missed.
type Saved struct {
	Me       string      `json:"me"`
	Password bool        `json:"password,omitempty"`
	Active   string      `json:"active,omitempty"`
	Convs    []SavedConv `json:"-"` // kept one record per conversation
}

// SavedConv is one conversation as saved: consecutive entries, oldest first.
type SavedConv struct {
	Info    chat.ConvInfo `json:"info"`
	Entries []chat.Entry  `json:"entries,omitempty"`
	Start   bool          `json:"start,omitempty"` // Entries reach the oldest entry the server holds
	Lost    bool          `json:"lost,omitempty"`
	// Followed, for a thread, says the user follows it (thread.go).
	Followed bool `json:"followed,omitempty"`
	// Hi is the last sequence held, past the last entry when actions
	// (a thread's replies, reactions) came after it: restored, the
	// conversation is not behind by them.
	Hi uint64 `json:"hi,omitempty"`
}

// SavedEntries bounds the entries saved per conversation: the latest ones,
// about what a person scrolls through on opening a conversation.
const SavedEntries = 100

// SaveConv returns conversation id as it should be saved (at most
// SavedEntries of its latest entries), or false when the model does not hold
// it or has nothing of it yet.
func (m *Model) SaveConv(id string) (SavedConv, bool) {
	c := m.Convs[id]
	if c == nil || !c.Ready {
		return SavedConv{}, false
	}
	entries := c.Entries
	start := c.Start
	if n := len(entries); n > SavedEntries {
		entries, start = entries[n-SavedEntries:], false
	}
	return SavedConv{Info: c.Info, Entries: append([]chat.Entry(nil), entries...), Start: start, Lost: c.Lost, Followed: c.Followed, Hi: c.hi}, true
}

// SaveMark is a cheap summary of a conversation that changes whenever its
// saved form would: compare marks to know what to save again.
type SaveMark struct {
	Info        chat.ConvInfo
	First, Last uint64
	Hi          uint64 // the last sequence held: an action folded into a message moves it
	N           int
	Start, Lost bool
	Followed    bool
}

// SaveMark returns the mark of conversation id (the zero mark when the
// model has nothing of it to save).
func (m *Model) SaveMark(id string) SaveMark {
	c := m.Convs[id]
	if c == nil || !c.Ready {
		return SaveMark{}
	}
	mark := SaveMark{Info: c.Info, Hi: c.hi, N: len(c.Entries), Start: c.Start, Lost: c.Lost, Followed: c.Followed}
	if mark.N > 0 {
		mark.First, mark.Last = c.Entries[0].Seq, c.Entries[mark.N-1].Seq
	}
	return mark
}

// Restore fills a model that has not heard from the server yet with what
// the browser saved: the user, the conversations and their latest entries,
// and the conversation in view. A model that has had a Welcome keeps what
// it has: the server's word is newer.
func (m *Model) Restore(s Saved) {
	if m.Me != "" || m.NeedName || s.Me == "" {
		return
	}
	m.Me, m.Password = s.Me, s.Password
	m.restored = true
	for _, sc := range s.Convs {
		if sc.Info.ID == "" {
			continue
		}
		c := m.ensure(sc.Info)
		c.Entries = append([]chat.Entry(nil), sc.Entries...)
		c.Start, c.Lost, c.Followed = sc.Start, sc.Lost, sc.Followed
		c.Ready = len(sc.Entries) > 0 || sc.Start
		c.hi, c.lo = 0, 0
		if n := len(sc.Entries); n > 0 {
			c.hi, c.lo = sc.Entries[n-1].Seq, sc.Entries[0].Seq
			if sc.Hi > c.hi {
				c.hi = sc.Hi
			}
		}
	}
	if m.Convs[s.Active] != nil {
		m.Activate(s.Active)
	} else if list := m.Sorted(); len(list) > 0 {
		m.Activate(list[0].Info.ID)
	}
	for _, c := range m.Convs {
		m.recount(c)
	}
}

// switchUser forgets what belongs to the previous user of the model when a
// Welcome names someone else (another sign-in in this browser): their
// conversations and their unsent messages.
func (m *Model) switchUser() {
	m.Convs = make(map[string]*Conversation)
	m.Active = ""
	m.Others = nil
	m.Outbox = nil
}

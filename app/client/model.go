package client

import (
	"crypto/rand"
	"encoding/hex"
	"html"
	"slices"
	"sort"
	"time"

	"github.com/founding/chat/app/chat"
)

// Model is what a client knows: who it is, its conversations with a
// gap-free window of entries each, who is online, and the messages sent but
// not yet acknowledged. Apply folds in a server frame and returns the frames
// to send in answer (resume, history to fill a gap, resent messages).
//
// A Model is not safe for concurrent use: the UI owns it on its goroutine.
type Model struct {
	Me       string // the user's name, as typed (unescaped)
	Key      string // the user's name as mentions carry it (chat.Welcome.Key, escaped)
	NeedName bool   // the session has no name yet
	Password bool   // the user has a password
	SSO      bool   // the account is linked to single sign-on
	Away     int64  // the user was offline from Away to Back (Unix ms), before this connection
	Back     int64
	Version  string // the server's build
	Convs    map[string]*Conversation
	Active   string      // the conversation in view
	Thread   string      // the thread open beside it, "" for none (thread.go)
	Visible  bool        // whether the user can see Active (page shown)
	Outbox   []*Outgoing // sent, not yet acknowledged, in order
	Others   []*Outgoing // waiting in the browser's other tabs: shown, never sent from here
	LastErr  *chat.Error // the latest error the server reported
	Limits   chat.Limits // the server's limits
	Now      func() time.Time

	Moderation      // mutes, invitations, bans, removals (moderation.go)
	Push       Push // the notification settings kept at the server (push.go)

	device   string
	counter  uint64
	restored bool // filled by Restore, no Welcome yet

	typing     typingState     // who is typing, and what this tab told (typing.go)
	ephemerals ephemeralState  // "only visible to you" notes, never saved (ephemeral.go)
	bots       map[string]bool // names the server marked as bots' (bots.go)
}

// Conversation is one room or private conversation as the client holds it.
type Conversation struct {
	Info    chat.ConvInfo
	Name    string       // shown name (unescaped)
	Entries []chat.Entry // consecutive entries, oldest first
	Notices []Notice     // presence notices, ephemeral
	Online  []string     // online members (unescaped), sorted
	// OnlineCount is how many are online in a large room, whose Online
	// lists only some; 0 means len(Online).
	OnlineCount int
	Unread      int    // entries from others not yet seen
	Mentions    int    // of those, the loaded ones that mention the user
	Divider     uint64 // "new since your last visit" goes after this entry (0: none)
	Start       bool   // Entries reach the oldest entry the server holds
	Lost        bool   // some entries could not be recovered (server dropped them)
	Ready       bool   // a first page arrived
	// Followed, for a thread (chat.KindThread), says the user follows it:
	// the server listed it. A thread open but not followed has no unread
	// count (thread.go).
	Followed bool

	lo       uint64                // first seq the window covers (0: none yet); Entries may start later, after actions
	hi       uint64                // last consecutive seq held
	held     map[uint64]chat.Entry // entries that arrived ahead of a gap
	fetching bool                  // a request for what follows hi is out
	older    bool                  // a request for older entries is out
}

// Notice is a presence change shown in a conversation after entry After.
type Notice struct {
	After  uint64
	User   string
	Online bool
	Time   time.Time
}

// Outgoing is a message sent and not yet acknowledged.
type Outgoing struct {
	ID       chat.MsgID
	Conv     string // target conversation, or ""
	To       string // target user of a /msg, or ""
	Text     string
	User     string      // who wrote it (Model.Me then): it is sent only as that user
	Time     int64       // when it was written, Unix ms
	InFlight bool        // sent on the current connection
	Wired    bool        // written to a connection once: it may be stored, so it cannot be cancelled
	Failed   string      // why the server refused it for good
	Files    []chat.File // attachments, uploaded already: the frame names their ids
	FailCode chat.Code
	// Uploads are attachments that wait to be uploaded (uploads.go): the
	// message is not sent before they are done.
	Uploads []Upload

	// An edit, delete or reaction rather than a message (actions.go).
	Action
}

// maxNotices bounds the presence notices kept per conversation.
const maxNotices = 100

// NewModel returns an empty model with a fresh device id.
func NewModel() *Model {
	var b [12]byte
	rand.Read(b[:])
	return &Model{Convs: make(map[string]*Conversation), Visible: true, device: hex.EncodeToString(b[:]), Now: time.Now}
}

// Device returns the device id of this model's message ids.
func (m *Model) Device() string { return m.device }

// Disconnected forgets requests that were in flight; the next Welcome
// resumes and resends.
func (m *Model) Disconnected() {
	for _, c := range m.Convs {
		c.fetching, c.older = false, false
	}
	for _, o := range m.Outbox {
		o.InFlight = false
	}
	m.forgetTyping()
}

// Apply folds a server frame into the model and returns the frames to send.
func (m *Model) Apply(f chat.Frame) []chat.Frame {
	out := m.apply(f)
	switch f := f.(type) {
	case *chat.Welcome:
		for _, c := range m.Convs {
			m.recount(c)
		}
	case *chat.Entry:
		m.recountID(f.Conv)
		m.typingEnded(f)
	case *chat.Page:
		m.recountID(f.Conv)
	case *chat.Conv:
		m.recountID(f.ID)
	case *chat.Cursor:
		m.recountID(f.Conv)
	}
	return out
}

func (m *Model) apply(f chat.Frame) []chat.Frame {
	m.moderate(f)
	switch f := f.(type) {
	case *chat.Welcome:
		return m.welcome(f)
	case *chat.Entry:
		return m.entry(f)
	case *chat.Page:
		return m.page(f)
	case *chat.Ack:
		m.ack(f)
		return m.Unsent() // room for more in flight
	case *chat.Conv:
		return m.conv(f.ConvInfo)
	case *chat.Gone:
		m.gone(f.Conv)
	case *chat.Roster:
		if c := m.Convs[f.Conv]; c != nil {
			c.Online, c.OnlineCount = unescapeAll(f.Users), f.Count
		}
		m.noteBots(f.Bots...)
	case *chat.Presence:
		m.presence(f)
	case *chat.Cursor:
		m.cursor(f)
	case *chat.Error:
		m.fail(f)
	case *chat.Account:
		m.Password = f.Password
	case *chat.Typist:
		m.typist(f)
	case *chat.Seen:
		m.seen(f)
	case *chat.Notice:
		m.ephemeral(f)
	}
	return nil
}

// Activate shows conversation id, with a "new since your last visit"
// divider after what the user had read.
func (m *Model) Activate(id string) {
	c := m.Convs[id]
	if c == nil {
		return
	}
	m.Active = id
	c.Divider = c.Info.Read
}

// SentWhileAway reports whether an entry of someone else's arrived while
// the user was offline, before this connection.
func (m *Model) SentWhileAway(e chat.Entry) bool {
	return m.Away > 0 && e.Time > m.Away && e.Time <= m.Back && html.UnescapeString(e.From) != m.Me
}

// Behind returns how many entries of conversation id exist after those the
// client holds: being loaded now, page by page.
func (m *Model) Behind(id string) int {
	c := m.Convs[id]
	if c == nil || !c.Ready || c.Info.Last <= c.hi {
		return 0
	}
	return int(c.Info.Last - c.hi)
}

func (m *Model) welcome(w *chat.Welcome) []chat.Frame {
	m.Version, m.Limits = w.Version, w.Limits
	m.NeedName = w.NeedName
	if w.NeedName {
		return nil
	}
	if me := html.UnescapeString(w.Me); m.Me != "" && me != m.Me {
		m.switchUser() // someone else now: what was kept for the last user is not theirs
	}
	m.Me = html.UnescapeString(w.Me)
	m.Key = w.Key
	m.Password, m.SSO, m.Away, m.Back = w.Password, w.SSO, w.Away, w.Back
	keep := make(map[string]bool, len(w.Convs))
	resume := chat.Resume{Cursors: make(map[string]uint64)}
	for _, info := range w.Convs {
		keep[info.ID] = true
		c := m.ensure(info)
		c.Followed = info.Kind == chat.KindThread
		resume.Cursors[info.ID] = c.hi
		c.fetching = true
	}
	for id, c := range m.Convs {
		switch {
		case keep[id]:
		case c.Info.Kind == chat.KindThread && keep[chat.ParentOf(id)]:
			// A thread held but not followed (thread.go): its parent says
			// whether it may be read.
			c.Followed = false
			resume.Cursors[id] = c.hi
			c.fetching = true
		default:
			delete(m.Convs, id)
		}
	}
	if m.Convs[m.Active] == nil && len(w.Convs) > 0 {
		m.Activate(w.Convs[0].ID)
	} else if c := m.Convs[m.Active]; m.restored && c != nil {
		c.Divider = c.Info.Read // the server knows what was read since the page saved it
	}
	m.restored = false
	out := []chat.Frame{&resume}
	return append(out, m.Unsent()...)
}

// ensure returns the conversation of info, adding it if new.
func (m *Model) ensure(info chat.ConvInfo) *Conversation {
	c := m.Convs[info.ID]
	if c == nil {
		c = &Conversation{held: make(map[uint64]chat.Entry)}
		m.Convs[info.ID] = c
	}
	c.Info, c.Name = info, html.UnescapeString(info.Name)
	return c
}

func (m *Model) conv(info chat.ConvInfo) []chat.Frame {
	c := m.Convs[info.ID]
	fresh := c == nil
	c = m.ensure(info)
	if info.Kind == chat.KindThread {
		c.Followed = true
	}
	if fresh && !c.fetching {
		c.fetching = true
		return []chat.Frame{&chat.History{Conv: info.ID}}
	}
	return nil
}

func (m *Model) gone(id string) {
	if c := m.Convs[id]; c != nil && c.Info.Kind == chat.KindThread && m.Thread == id {
		c.Followed = false // unfollowed, and open: it stays while it is
		return
	}
	m.forgetThreads(id)
	delete(m.Convs, id)
	if m.Active == id {
		m.Active = ""
		for _, c := range m.Sorted() {
			m.Activate(c.Info.ID)
			break
		}
	}
}

func (m *Model) entry(e *chat.Entry) []chat.Frame {
	c := m.Convs[e.Conv]
	if c == nil {
		return nil
	}
	if e.Seq > c.Info.Last {
		c.Info.Last = e.Seq
	}
	return m.add(c, *e)
}

// Seeing reports whether the user is looking at conversation id.
func (m *Model) Seeing(id string) bool {
	return m.Visible && (m.Active == id || (id != "" && m.Thread == id))
}

// add puts e in c's window, or holds it when it comes after a gap, which it
// then asks the server to fill.
func (m *Model) add(c *Conversation, e chat.Entry) []chat.Frame {
	if !c.Ready || e.Seq > c.hi+1 {
		c.held[e.Seq] = e
		if c.Ready && !c.fetching {
			c.fetching = true
			return []chat.Frame{&chat.History{Conv: c.Info.ID, After: c.hi, Limit: chat.MaxHistoryLimit}}
		}
		return nil
	}
	if e.Seq <= c.hi {
		return nil // a duplicate
	}
	c.take(e)
	m.drainHeld(c)
	return nil
}

// take puts e, the entry after hi, in c's window: a message or an event is
// appended, an action (edit, delete, reaction) folded into the message it
// changes (chat.ApplyToRun) and not kept, so that the window shows each
// message as it is now. The window therefore may skip sequences; hi does
// not.
func (c *Conversation) take(e chat.Entry) {
	if c.lo == 0 {
		c.lo = e.Seq
	}
	c.hi = e.Seq
	if e.Kind == chat.EntryExpire {
		c.expire(e.Target)
		return
	}
	if chat.IsAction(e.Kind) {
		chat.ApplyToRun(c.Entries, e)
		return
	}
	c.Entries = append(c.Entries, chat.Arrive(c.Entries, e))
}

// expire drops the entries before sequence first, which the server no
// longer holds (its retention removed them, chat.EntryExpire, or a page's
// First says so): the offline copy loses them at its next save.
func (c *Conversation) expire(first uint64) {
	i := 0
	for i < len(c.Entries) && c.Entries[i].Seq < first {
		i++
	}
	if i > 0 {
		c.Entries = append([]chat.Entry(nil), c.Entries[i:]...)
		c.Start = true
	}
	if c.lo < first && c.lo != 0 {
		c.lo = first
	}
}

// shown returns the entries of a page as the window keeps them: folded,
// without the actions, nor what an expiry marker removed.
func shown(entries []chat.Entry) []chat.Entry {
	folded := chat.Fold(entries)
	out := make([]chat.Entry, 0, len(folded))
	for _, e := range folded {
		switch {
		case e.Kind == chat.EntryExpire:
			out = slices.DeleteFunc(out, func(o chat.Entry) bool { return o.Seq < e.Target })
		case !chat.IsAction(e.Kind):
			out = append(out, e)
		}
	}
	return out
}

func (m *Model) drainHeld(c *Conversation) {
	for {
		e, ok := c.held[c.hi+1]
		if !ok {
			break
		}
		delete(c.held, e.Seq)
		c.take(e)
	}
	for seq := range c.held {
		if seq <= c.hi {
			delete(c.held, seq)
		}
	}
}

func (m *Model) page(p *chat.Page) []chat.Frame {
	c := m.Convs[p.Conv]
	if c == nil {
		return nil
	}
	if p.Last > c.Info.Last {
		c.Info.Last = p.Last
	}
	n := len(p.Entries)
	if c.Ready && p.First > 1 {
		c.expire(p.First)
	}
	switch {
	case p.Reset && c.Ready:
		// The server holds less than we saw: it lost history. Start again.
		// (A page that is merely older than entries delivered since it was
		// read has no Reset, and merges like any other.)
		c.Entries, c.held, c.Lost = nil, make(map[uint64]chat.Entry), true
		m.first(c, p)
	case !c.Ready:
		m.first(c, p)
	case n > 0 && c.lo > 0 && p.Entries[n-1].Seq < c.lo:
		m.prepend(c, p)
	case n > 0 && p.Entries[0].Seq > c.hi+1:
		// The server no longer holds what we missed: start again here.
		c.Entries, c.Lost = nil, true
		m.first(c, p)
	default:
		c.fetching = false
		for _, e := range p.Entries {
			m.add(c, e)
		}
	}
	if c.hi < p.Last && !c.fetching {
		c.fetching = true
		return []chat.Frame{&chat.History{Conv: c.Info.ID, After: c.hi, Limit: chat.MaxHistoryLimit}}
	}
	return nil
}

// first starts c's window with page p.
func (m *Model) first(c *Conversation, p *chat.Page) {
	c.Ready, c.fetching = true, false
	c.Entries = shown(p.Entries)
	c.hi, c.lo = p.Last, 0
	if n := len(p.Entries); n > 0 {
		c.hi, c.lo = p.Entries[n-1].Seq, p.Entries[0].Seq
		c.Start = p.Entries[0].Seq <= p.First
	} else {
		c.Start = true
	}
	m.drainHeld(c)
}

func (m *Model) prepend(c *Conversation, p *chat.Page) {
	c.older = false
	if p.Entries[len(p.Entries)-1].Seq+1 != c.lo {
		return // not adjacent: a stale answer
	}
	c.Entries = append(shown(p.Entries), c.Entries...)
	c.lo = p.Entries[0].Seq
	c.Start = p.Entries[0].Seq <= p.First
}

// Older returns the request for the page before c's window, or nil when it
// starts at the beginning or a request is out already.
func (m *Model) Older(id string) chat.Frame {
	c := m.Convs[id]
	if c == nil || !c.Ready || c.Start || c.older || c.lo == 0 {
		return nil
	}
	c.older = true
	return &chat.History{Conv: id, Before: c.lo}
}

// Older reports whether a request for older entries is out.
func (c *Conversation) LoadingOlder() bool { return c.older }

func (m *Model) presence(p *chat.Presence) {
	c := m.Convs[p.Conv]
	if c == nil {
		return
	}
	user := html.UnescapeString(p.User)
	if p.Bot {
		m.noteBots(p.User)
	}
	c.Online = setMember(c.Online, user, p.Online)
	if p.Quiet {
		return
	}
	c.Notices = append(c.Notices, Notice{After: c.hi, User: user, Online: p.Online, Time: m.Now()})
	if len(c.Notices) > maxNotices {
		c.Notices = c.Notices[len(c.Notices)-maxNotices:]
	}
}

func setMember(list []string, name string, in bool) []string {
	i := sort.SearchStrings(list, name)
	has := i < len(list) && list[i] == name
	switch {
	case in && !has:
		list = append(list, "")
		copy(list[i+1:], list[i:])
		list[i] = name
	case !in && has:
		list = append(list[:i], list[i+1:]...)
	}
	return list
}

func (m *Model) cursor(f *chat.Cursor) {
	c := m.Convs[f.Conv]
	if c == nil || f.Seq <= c.Info.Read {
		return
	}
	c.Info.Read = f.Seq
}

func (m *Model) recountID(id string) {
	if c := m.Convs[id]; c != nil {
		m.recount(c)
	}
}

// recount sets c.Unread: the messages from others after the read position,
// counting those not loaded yet (before or after the window) as well. The
// conversation in view has none. c.Mentions counts the loaded ones that
// mention the user.
func (m *Model) recount(c *Conversation) {
	c.Unread, c.Mentions = 0, 0
	if m.Seeing(c.Info.ID) || (c.Info.Kind == chat.KindThread && !c.Followed) {
		return
	}
	// The window covers lo..hi; its actions are folded in and not counted.
	read, last, hi := c.Info.Read, max(c.Info.Last, c.hi), c.hi
	lo := c.lo
	if lo == 0 {
		lo = hi + 1 // nothing held
	}
	n := 0
	if lo > read+1 {
		n += int(lo - 1 - read) // not loaded, before the window
	}
	for _, e := range c.Entries {
		if e.Seq > read && e.Kind == chat.EntryMessage && html.UnescapeString(e.From) != m.Me && !m.HiddenFromMuted(e) {
			n++
			if m.MentionsMe(e) {
				c.Mentions++
			}
		}
	}
	if last > max(hi, read) {
		n += int(last - max(hi, read)) // not loaded, after the window
	}
	c.Unread = n
}

// MarkRead clears the unread count of conversation id and returns the Read
// frame that tells the server, or nil when there is nothing new.
func (m *Model) MarkRead(id string) chat.Frame {
	c := m.Convs[id]
	if c == nil {
		return nil
	}
	c.Unread, c.Mentions = 0, 0
	if c.hi <= c.Info.Read {
		return nil
	}
	c.Info.Read = c.hi
	return &chat.Read{Conv: id, Seq: c.hi}
}

func unescapeAll(in []string) []string {
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = html.UnescapeString(s)
	}
	sort.Strings(out)
	return out
}

// Sorted returns the conversations: the lobby first, then rooms, then
// private conversations, each by name.
func (m *Model) Sorted() []*Conversation {
	list := make([]*Conversation, 0, len(m.Convs))
	for _, c := range m.Convs {
		if c.Info.Kind != chat.KindThread { // listed apart (Threads)
			list = append(list, c)
		}
	}
	rank := func(c *Conversation) int {
		switch {
		case c.Info.ID == "r:lobby":
			return 0
		case c.Info.Kind == chat.KindRoom:
			return 1
		}
		return 2
	}
	sort.Slice(list, func(i, j int) bool {
		if ri, rj := rank(list[i]), rank(list[j]); ri != rj {
			return ri < rj
		}
		return list[i].Name < list[j].Name
	})
	return list
}

// OnlineTotal returns how many members of c are online.
func (c *Conversation) OnlineTotal() int { return max(c.OnlineCount, len(c.Online)) }

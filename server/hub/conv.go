package hub

import (
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/founding/chat/app/chat"
)

// user is a user with connections here (or in the grace period after the
// last one closed).
type user struct {
	key, name string
	password  bool
	sso       bool // linked to single sign-on
	sessions  sinkList
	convs     map[string]*conv  // every conversation the user is in
	read      map[string]uint64 // conv id -> read up to seq
	online    bool
	bot       bool          // a bot's account (hub.User.Bot)
	uses      int           // requests without a connection acting for the user now (api.go)
	linger    *time.Timer   // pending forget after the last use (api.go)
	lingerGen uint64        // which linger is current
	admin     bool          // one of the admins (Hub.adminKey, moderation.go)
	away      int64         // when the user was last seen before coming online (Unix ms)
	offTimer  *time.Timer   // pending "went offline", during the grace period
	offGen    uint64        // which timer is current
	pub       *PresenceUser // as last told the other nodes; nil while not (cluster.go)

	typing   map[string]time.Time // conv id -> when u's last typing signal there was relayed (typing.go)
	personal personal             // mutes and invitations (moderation.go)
}

// send sends frame to every connection of u. Callers hold Hub.mu.
func (u *user) send(frame []byte) {
	for _, s := range u.sessions {
		s.Send(frame)
	}
}

// sinkList is a user's connections here: most users have one or two, so a
// slice costs less per connection than a map and is as quick to search.
type sinkList []Sink

func (l *sinkList) add(s Sink) {
	if !l.has(s) {
		*l = append(*l, s)
	}
}

func (l *sinkList) remove(s Sink) {
	if i := slices.Index(*l, s); i >= 0 {
		*l = slices.Delete(*l, i, i+1)
	}
}

func (l sinkList) has(s Sink) bool { return slices.Contains(l, s) }

func (u *user) rooms() []*conv {
	rooms := make([]*conv, 0, len(u.convs))
	for _, c := range u.convs {
		if c.kind == chat.KindRoom {
			rooms = append(rooms, c)
		}
	}
	return rooms
}

// infos lists u's conversations, the lobby first, then by name.
func (u *user) infos() []chat.ConvInfo {
	infos := make([]chat.ConvInfo, 0, len(u.convs))
	for _, c := range u.convs {
		infos = append(infos, c.info(u))
	}
	sort.Slice(infos, func(i, j int) bool {
		if (infos[i].ID == LobbyID) != (infos[j].ID == LobbyID) {
			return infos[i].ID == LobbyID
		}
		return infos[i].Name < infos[j].Name
	})
	return infos
}

// conv is a conversation some local user is in, with the local members and
// the connections subscribed to it.
type conv struct {
	id      string
	kind    chat.ConvKind
	name    string           // room name, as first typed
	pair    []Member         // private conversations: the two users
	members map[string]*user // local members by key; guarded by Hub.mu
	online  map[string]*user // local members online; guarded by Hub.mu
	both    int              // of online, those another node holds online here too (cluster.go); guarded by Hub.mu

	rosterStale bool // crowded: the members' roster is out of date; guarded by Hub.mu

	readBy      map[string]uint64 // private conversations: each member's read position known here (seen.go); guarded by Hub.mu
	owner       Member            // who created the room, if anyone (moderation.go)
	rules       RoomRules         // invite-only, bans; guarded by Hub.mu
	rulesKnown  bool              // rules were read; guarded by Hub.mu
	archived    bool              // an admin archived the room (SetArchived); guarded by Hub.mu
	defaultKeep time.Duration     // the server's retention (Options.Retention)

	subMu sync.RWMutex  // guards subs and index; fan-out reads under RLock
	subs  []Sink        // connections subscribed, in no order
	index map[Sink]int  // position of each in subs
	last  atomic.Uint64 // newest seq seen

	via     atomic.Pointer[conv] // a thread's parent here, whose connections it reaches (thread.go)
	threads map[string]*conv     // the threads of this conversation in the table; guarded by Hub.convMu
	checked atomic.Bool          // a thread's root was found (thread.go)

	fanMu  sync.Mutex // orders fan-outs: held from the look at fanned to the end of the fan-out
	fanned uint64     // the newest seq fanned out here, 0 before the watch brought one; guarded by fanMu
}

func newConv(rec ConvRecord) *conv {
	c := &conv{id: rec.ID, kind: rec.Kind, name: rec.Name, pair: rec.Members, owner: rec.Owner,
		members: make(map[string]*user), online: make(map[string]*user)}
	c.index = make(map[Sink]int)
	return c
}

// subscribe adds s; a connection joining or leaving costs O(1), not a copy
// of a large room's list.
func (c *conv) subscribe(s Sink) {
	c.subMu.Lock()
	defer c.subMu.Unlock()
	if _, ok := c.index[s]; ok {
		return
	}
	c.index[s] = len(c.subs)
	c.subs = append(c.subs, s)
}

// unsubscribe removes s by moving the last subscriber into its place.
func (c *conv) unsubscribe(s Sink) {
	c.subMu.Lock()
	defer c.subMu.Unlock()
	i, ok := c.index[s]
	if !ok {
		return
	}
	last := len(c.subs) - 1
	c.subs[i] = c.subs[last]
	c.index[c.subs[i]] = i
	c.subs[last] = nil
	c.subs = c.subs[:last]
	delete(c.index, s)
	if cap(c.subs) > 64 && len(c.subs) < cap(c.subs)/4 {
		c.subs = append([]Sink(nil), c.subs...) // give back a large room's memory
	}
}

// each calls f for every subscribed connection, holding the read lock: f
// must not block (Sink.Send does not).
func (c *conv) each(f func(Sink)) {
	if p := c.via.Load(); p != nil {
		c = p
	}
	c.subMu.RLock()
	defer c.subMu.RUnlock()
	for _, s := range c.subs {
		f(s)
	}
}

// info describes c as user u sees it. Callers hold Hub.mu.
func (c *conv) info(u *user) chat.ConvInfo {
	name, bot := c.name, false
	for _, m := range c.pair {
		if m.Key != u.key {
			name, bot = m.Name, m.Bot
		}
	}
	info := chat.ConvInfo{ID: c.id, Kind: c.kind, Name: escape(name), Bot: bot, Last: c.last.Load(), Read: u.read[c.id], Seen: c.seenBy(u)}
	info.RetainDays = retainDays(retention(c.rules.RetainDays, c.defaultKeep))
	if c.kind == chat.KindRoom {
		info.Owner, info.InviteOnly, info.Moderator = escape(c.owner.Name), c.rules.InviteOnly, u.isAdmin() || (c.owner.Key != "" && c.owner.Key == u.key)
		info.RetainPolicy = c.rules.RetainDays
		info.Archived = c.archived
	}
	if chat.IsGroup(c.id) {
		c.groupInfo(u, &info)
	}
	return info
}

// fanOut sends an encoded frame to every connection subscribed to c, and
// returns how many there were.
func (c *conv) fanOut(frame []byte) int {
	if p := c.via.Load(); p != nil {
		c = p // a thread's entries reach its parent's connections
	}
	c.subMu.RLock()
	defer c.subMu.RUnlock()
	for _, s := range c.subs {
		s.Send(frame)
	}
	return len(c.subs)
}

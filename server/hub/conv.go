package hub

import (
	"sort"
	"sync/atomic"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/store"
)

// user is a user with connections here (or in the grace period after the
// last one closed).
type user struct {
	key, name string
	password  bool
	sessions  map[Sink]struct{}
	convs     map[string]*conv  // every conversation the user is in
	read      map[string]uint64 // conv id -> read up to seq
	online    bool
	away      int64       // when the user was last seen before coming online (Unix ms)
	offTimer  *time.Timer // pending "went offline", during the grace period
	offGen    uint64      // which timer is current
}

// send sends frame to every connection of u. Callers hold Hub.mu.
func (u *user) send(frame []byte) {
	for s := range u.sessions {
		s.Send(frame)
	}
}

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
	pair    []store.Member   // private conversations: the two users
	members map[string]*user // local members by key; guarded by Hub.mu
	online  map[string]*user // local members online; guarded by Hub.mu

	subs atomic.Pointer[[]Sink] // copy on write under Hub.mu
	last atomic.Uint64          // newest seq seen
}

func newConv(rec store.ConvRecord) *conv {
	c := &conv{id: rec.ID, kind: rec.Kind, name: rec.Name, pair: rec.Members,
		members: make(map[string]*user), online: make(map[string]*user)}
	c.subs.Store(&[]Sink{})
	return c
}

func (c *conv) sinks() []Sink { return *c.subs.Load() }

// subscribe and unsubscribe are called with Hub.mu held.
func (c *conv) subscribe(s Sink) {
	old := c.sinks()
	next := make([]Sink, len(old), len(old)+1)
	copy(next, old)
	next = append(next, s)
	c.subs.Store(&next)
}

func (c *conv) unsubscribe(s Sink) {
	old := c.sinks()
	next := make([]Sink, 0, len(old))
	for _, o := range old {
		if o != s {
			next = append(next, o)
		}
	}
	c.subs.Store(&next)
}

// info describes c as user u sees it. Callers hold Hub.mu.
func (c *conv) info(u *user) chat.ConvInfo {
	name := c.name
	for _, m := range c.pair {
		if m.Key != u.key {
			name = m.Name
		}
	}
	return chat.ConvInfo{ID: c.id, Kind: c.kind, Name: escape(name), Last: c.last.Load(), Read: u.read[c.id]}
}

// roster lists c's online members. Callers hold Hub.mu.
func (c *conv) roster() *chat.Roster {
	r := &chat.Roster{Conv: c.id, Users: make([]string, 0, len(c.online))}
	for _, u := range c.online {
		r.Users = append(r.Users, escape(u.name))
	}
	sort.Strings(r.Users)
	return r
}

// fanOut sends an encoded frame to every connection subscribed to c.
func (c *conv) fanOut(frame []byte) {
	for _, s := range c.sinks() {
		s.Send(frame)
	}
}

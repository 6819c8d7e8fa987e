// Package hub holds who is where: users and their connections, rooms and
// private conversations with their members, and presence. It appends entries
// through a Log and fans each one out, encoded once, to the Sink of every
// connection subscribed to the conversation. The hub never writes to a
// socket and never blocks on one: a Sink queues bytes and evicts itself when
// its connection cannot keep up.
//
// Entry points: Connect and Disconnect bracket a connection's life; Post,
// PostTo, Join, Leave, Open, Page and Resume serve the frames a client sends.
//
// Lock order: Hub.mu, then conv.seqMu is never taken while Hub.mu is held;
// both may be held while calling Sink.Send, which must not block or call back
// into the hub.
package hub

import (
	"context"
	"html"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/names"
	"github.com/founding/chat/server/store"
)

// Sink receives the encoded frames meant for one connection.
type Sink interface {
	// Send queues frame. It never blocks; a sink that cannot keep up
	// disconnects itself. frame is shared and must not be modified.
	Send(frame []byte)
}

// Log is the history the hub appends to and reads from.
type Log interface {
	Append(ctx context.Context, e chat.Entry) (chat.Entry, error)
	AppendMessage(ctx context.Context, e chat.Entry, o store.Origin) (chat.Ack, bool, error)
	Page(ctx context.Context, q chat.History) (chat.Page, error)
	Last(ctx context.Context, conv string) (uint64, error)
}

// Options configure a Hub. Zero values mean the documented defaults.
type Options struct {
	// Log stores the conversations. Defaults to a store.Memory.
	Log Log
	// PresenceGrace is how long a user whose last connection closed stays
	// online, so that a reconnect makes no "left"/"joined" noise.
	// Defaults to 5s.
	PresenceGrace time.Duration
	// MaxRooms is how many rooms a user may be in, the lobby included.
	// Defaults to 100.
	MaxRooms int
	// Welcome fills the server-wide fields of every Welcome frame.
	Welcome chat.Welcome
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// LobbyID is the conversation id of the lobby every user is in.
const LobbyID = "r:lobby"

// lobbyName is how the lobby is shown.
const lobbyName = "lobby"

// Hub is the chat's shared state. All methods may be called concurrently.
type Hub struct {
	opts Options

	mu    sync.Mutex
	users map[string]*user // by key
	convs map[string]*conv // by id
	sinks map[Sink]*user
}

type user struct {
	key, name string
	sessions  map[Sink]struct{}
	convs     map[string]*conv
	read      map[string]uint64 // conv id -> read up to seq
	online    bool
	offTimer  *time.Timer // pending "went offline", during the grace period
	offGen    uint64      // which timer is current
}

// New returns a hub with the lobby in it.
func New(opts Options) *Hub {
	if opts.Log == nil {
		opts.Log = store.NewMemory()
	}
	if opts.PresenceGrace <= 0 {
		opts.PresenceGrace = 5 * time.Second
	}
	if opts.MaxRooms <= 0 {
		opts.MaxRooms = 100
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	h := &Hub{
		opts:  opts,
		users: make(map[string]*user),
		convs: make(map[string]*conv),
		sinks: make(map[Sink]*user),
	}
	h.convs[LobbyID] = newConv(LobbyID, chat.KindRoom, lobbyName)
	return h
}

// Connect registers a connection of the user (key, name), sends it the
// Welcome frame and the rosters of its rooms, and subscribes it to all the
// user's conversations. A user who was offline comes online.
func (h *Hub) Connect(ctx context.Context, key, name string, s Sink) {
	h.mu.Lock()
	defer h.mu.Unlock()
	u := h.ensureUser(key, name)
	welcome := h.opts.Welcome
	welcome.Me = html.EscapeString(u.name)
	welcome.NeedName = false
	welcome.Convs = u.infos()
	s.Send(encode(&welcome))

	u.sessions[s] = struct{}{}
	h.sinks[s] = u
	for _, c := range u.convs {
		c.subscribe(s)
	}
	if u.offTimer != nil {
		u.offTimer.Stop()
		u.offTimer = nil
	}
	if !u.online {
		u.online = true
		for _, c := range u.rooms() {
			c.online[u.key] = u
			h.presence(c, u, true, false)
		}
	}
	for _, c := range u.rooms() {
		s.Send(encode(c.roster()))
	}
}

// Disconnect unregisters a connection. When it was the user's last, the user
// goes offline after the presence grace period unless they come back.
func (h *Hub) Disconnect(s Sink) {
	h.mu.Lock()
	defer h.mu.Unlock()
	u := h.sinks[s]
	if u == nil {
		return
	}
	delete(h.sinks, s)
	delete(u.sessions, s)
	for _, c := range u.convs {
		c.unsubscribe(s)
	}
	if len(u.sessions) == 0 && u.online && u.offTimer == nil {
		u.offGen++
		gen := u.offGen
		u.offTimer = time.AfterFunc(h.opts.PresenceGrace, func() { h.goOffline(u, gen) })
	}
}

func (h *Hub) goOffline(u *user, gen uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if u.offTimer == nil || u.offGen != gen || len(u.sessions) > 0 {
		return
	}
	u.offTimer = nil
	u.online = false
	for _, c := range u.rooms() {
		delete(c.online, u.key)
		h.presence(c, u, false, false)
	}
}

// ensureUser returns the user of key, creating it in the lobby. Callers hold
// h.mu.
func (h *Hub) ensureUser(key, name string) *user {
	if u := h.users[key]; u != nil {
		return u
	}
	u := &user{key: key, name: name, sessions: make(map[Sink]struct{}), convs: make(map[string]*conv), read: make(map[string]uint64)}
	h.users[key] = u
	lobby := h.convs[LobbyID]
	lobby.members[key] = u
	u.convs[LobbyID] = lobby
	return u
}

// presence tells every other online member of c that u came or went.
// Callers hold h.mu.
func (h *Hub) presence(c *conv, u *user, online, quiet bool) {
	frame := encode(&chat.Presence{Conv: c.id, User: html.EscapeString(u.name), Online: online, Quiet: quiet})
	for _, s := range c.sinks() {
		if _, own := u.sessions[s]; !own {
			s.Send(frame)
		}
	}
}

// send sends frame to every connection of u. Callers hold h.mu.
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

// userOf returns the user of key. Callers hold h.mu.
func (h *Hub) userOf(key string) (*user, error) {
	u := h.users[key]
	if u == nil {
		return nil, chat.Errorf(chat.CodeNeedName, "the session has no user")
	}
	return u, nil
}

// Online reports whether the user of name is online, for tests and tools.
func (h *Hub) Online(name string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	u := h.users[names.Key(name)]
	return u != nil && u.online
}

// conv is one conversation with its members and subscribed connections.
type conv struct {
	id      string
	kind    chat.ConvKind
	name    string           // room name, as first typed
	members map[string]*user // by key; guarded by Hub.mu
	online  map[string]*user // members online; guarded by Hub.mu

	subs atomic.Pointer[[]Sink] // copy on write under Hub.mu
	last atomic.Uint64          // newest seq

	seqMu sync.Mutex // orders append and fan-out
}

func newConv(id string, kind chat.ConvKind, name string) *conv {
	c := &conv{id: id, kind: kind, name: name, members: make(map[string]*user), online: make(map[string]*user)}
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
	if c.kind == chat.KindPrivate {
		for k, m := range c.members {
			if k != u.key {
				name = m.name
			}
		}
	}
	return chat.ConvInfo{ID: c.id, Kind: c.kind, Name: html.EscapeString(name), Last: c.last.Load(), Read: u.read[c.id]}
}

// roster lists c's online members. Callers hold Hub.mu.
func (c *conv) roster() *chat.Roster {
	r := &chat.Roster{Conv: c.id, Users: make([]string, 0, len(c.online))}
	for _, u := range c.online {
		r.Users = append(r.Users, html.EscapeString(u.name))
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

// encode encodes a frame the hub built itself; failing is a programming error.
func encode(f chat.Frame) []byte {
	b, err := chat.Encode(f)
	if err != nil {
		panic("hub: encoding " + string(f.FrameType()) + ": " + err.Error())
	}
	return b
}

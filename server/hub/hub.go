// Package hub holds this process's share of the chat: the connections of
// its users, the conversations they are in, and presence. What lasts lives
// behind two seams the hub defines (seams.go) with the records they carry:
// the Log of conversation entries and the Directory of conversations,
// memberships and read positions. The hub imports no backend; the
// composition root passes one in (server/store has a memory one and a
// JetStream one). Both may be shared with other processes, so the hub never
// assumes it made a change itself: it fans out the entries the Log's watch
// delivers, from whichever process appended them, and applies the
// membership changes the Directory's watch reports.
//
// Presence (who is online, the grace period, rosters, crowded rooms) is in
// presence.go and is local to this process today. The third seam, a
// cluster-wide Presence, will be defined in seams.go beside Log and
// Directory and plug into presence.go.
//
// Fan-out encodes an entry once and gives the same bytes to the Sink of
// every local connection subscribed to its conversation. The hub never
// writes to a socket and never blocks on one: a Sink queues bytes and
// evicts itself when its connection cannot keep up.
//
// Entry points: New with a Log and a Directory; Connect and Disconnect
// bracket a connection's life; Post, PostReply, PostTo, Edit, Delete,
// React, Join, Leave, Open, Page, Resume and MarkRead serve the frames a
// client sends. Edits, deletes and reactions are entries of their own;
// amend.go keeps what they made of the messages, and Page serves messages
// as they are now (actions.go).
//
// Locks: Hub.mu guards users and the membership maps; Hub.convMu guards the
// conversation table that fan-out reads. Hub.mu is taken before convMu. No
// lock is held during storage calls. Sink.Send is called with locks held and
// must not block or call back into the hub.
package hub

import (
	"context"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/metrics"
	"github.com/founding/chat/server/names"
)

// Sink receives the encoded frames meant for one connection.
type Sink interface {
	// Send queues frame. It never blocks; a sink that cannot keep up
	// disconnects itself. frame is shared and must not be modified.
	Send(frame []byte)
	// SendWithNext keeps frame to go out with the next frame Send queues,
	// replacing the one kept for the same slot, and wakes nothing: for news
	// of which only the latest matters and that may wait.
	SendWithNext(slot string, frame []byte)
}

// User is who a connection belongs to.
type User struct {
	Key, Name string
	Password  bool // has a password
	SSO       bool // is linked to single sign-on (server/auth/sso.go): the name is never released either
	Bot       bool // a bot's account: its entries say so (chat.Entry.Bot)
}

// Options configure a Hub. Zero values mean the documented defaults.
type Options struct {
	// Log stores the conversations. Required.
	Log Log
	// Directory stores conversations and memberships. Required.
	Directory Directory
	// FindUser returns the user whose name has the same key as name, or a
	// *chat.Error no_such_user. Defaults to the users seen by this hub.
	FindUser func(ctx context.Context, name string) (User, error)
	// PresenceGrace is how long a user whose last connection closed stays
	// online, so that a reconnect makes no "left"/"joined" noise.
	// Defaults to 5s.
	PresenceGrace time.Duration
	// MaxRooms is how many rooms a user may be in, the lobby included.
	// Defaults to 100.
	MaxRooms int
	// PresenceLimit is the most online members of a room for which
	// arrivals and departures are announced, joins and leaves are entries
	// and rosters list everyone; larger rooms show a count. Defaults to 200.
	PresenceLimit int
	// RosterInterval is how often a crowded room's roster is renewed, when
	// someone came or went; it goes out with each member's next frame.
	// Defaults to 10s.
	RosterInterval time.Duration
	// MayModerate reports whether the user key may delete anyone's message
	// in conversation conv (a room's owners, the server's admins). Defaults
	// to nobody: only authors delete their messages. The moderation part
	// plugs in here.
	MayModerate func(ctx context.Context, key, conv string) bool
	// Writable answers an error when conversation conv takes no new
	// messages, edits, deletes nor reactions now (an archived room: the
	// admin console's); nil means it does. Defaults to every one taking
	// them.
	Writable func(ctx context.Context, conv string) error
	// Joinable answers an error when room id takes no new members (one
	// the admin console deleted); nil means every room does.
	Joinable func(ctx context.Context, id string) error
	// Admins are the keys of the users who moderate every room
	// (moderation.go) whatever SetAdmins says: the -admin flag's.
	// Defaults to nobody.
	Admins []string
	// PageBytes bounds the encoded size of one history page, so that a page
	// fits in a connection's queue. Defaults to chat.MaxServerFrameBytes.
	PageBytes int
	// Welcome fills the server-wide fields of every Welcome frame.
	Welcome chat.Welcome
	// Logger defaults to slog.Default().
	Logger *slog.Logger

	// Presence shares who is online with the other nodes (cluster.go).
	// Nil for one node alone.
	Presence Presence
	// Node names this hub to the others; defaults to a random id, so that
	// a restarted node is a new one.
	Node string
	// PresenceHeartbeat is how often this node tells the others it is
	// alive. Defaults to 5s.
	PresenceHeartbeat time.Duration
	// PresenceTTL is how long another node may stay silent before its
	// users are taken to be offline. Defaults to 3 heartbeats: 15s.
	PresenceTTL time.Duration
	// Typing carries typing signals to and from the other nodes
	// (typing.go). Nil for one node alone.
	Typing Typing
	// Notices carries notices "only visible to you" to and from the
	// other nodes (notice.go). Nil for one node alone.
	Notices Notices
	// Metrics counts fan-out and presence events. Nil counts nothing.
	Metrics *metrics.Metrics
	// Files keeps attachments (files.go). Nil means messages carry none.
	Files Files
	// Retention is how long conversations keep their entries unless a
	// room's policy says otherwise (retention.go). Zero keeps them for
	// ever.
	Retention time.Duration
	// GroupLimit is the most people a group conversation may have
	// (group.go), 3 at least. Defaults to DefaultGroupLimit.
	GroupLimit int
	// Stored is called with every entry a client sent (a message, an
	// edit, a reaction) once this node stored it, not for a retry, with
	// the sender's key: only the node that appended an entry hears of it
	// here (Web Push decides its pushes so, once). It must not block.
	Stored func(e chat.Entry, sender string)
	// Followed is called when the user key starts (on) or stops following
	// thread on this node (thread.go), for Web Push to know who follows.
	// Nil tells nobody.
	Followed func(ctx context.Context, thread, key string, on bool) error
}

// LobbyID is the conversation id of the lobby every user is in.
const LobbyID = "r:lobby"

// lobbyName is how the lobby is shown.
const lobbyName = "lobby"

// Hub is this process's share of the chat. All methods may be called
// concurrently.
type Hub struct {
	opts  Options
	log   Log
	dir   Directory
	stops []func()
	bg    sync.WaitGroup // background writes, awaited by Close

	watching atomic.Bool // from New until Close: the log and the directory are watched

	mu       sync.Mutex
	closed   bool
	users    map[string]*user // users with local connections, or in their grace period
	known    map[string]User  // everyone seen here by the key of their name, for the default FindUser and Online
	records  map[string]ConvRecord
	sinks    map[Sink]*user
	admins   map[string]bool // the admins besides Options.Admins: the admin console's (SetAdmins)
	archived map[string]bool // the rooms an admin archived (SetArchived)

	convMu sync.RWMutex
	convs  map[string]*conv // conversations some local user is in

	missing missingSet  // conversation ids the directory lately did not have
	amends  *amendments // what edits, deletes and reactions made of messages (amend.go)

	// Presence of the other nodes (cluster.go); guarded by mu.
	node        string
	nodes       map[string]*remoteNode
	remoteIn    map[string]map[string]*remoteMember // room id -> user key -> member online elsewhere
	digest      uint64                              // of the users published from here
	count       int                                 // users published from here
	notes       chan PresenceNote                   // to the sender; nil without Presence
	notesClosed bool
}

// errMissingSeam is New's answer to Options without a Log or a Directory.
var errMissingSeam = errors.New("hub: Options.Log and Options.Directory are required (server/store has backends)")

// New returns a hub watching opts.Log and opts.Directory. Close stops it.
func New(opts Options) (*Hub, error) {
	if opts.Log == nil || opts.Directory == nil {
		return nil, errMissingSeam
	}
	if opts.PresenceGrace <= 0 {
		opts.PresenceGrace = 5 * time.Second
	}
	if opts.MaxRooms <= 0 {
		opts.MaxRooms = 100
	}
	if opts.PresenceLimit <= 0 {
		opts.PresenceLimit = 200
	}
	if opts.RosterInterval <= 0 {
		opts.RosterInterval = 10 * time.Second
	}
	if opts.PageBytes <= 0 || opts.PageBytes > chat.MaxServerFrameBytes {
		opts.PageBytes = chat.MaxServerFrameBytes
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.GroupLimit <= 0 {
		opts.GroupLimit = DefaultGroupLimit
	}
	opts.GroupLimit = max(opts.GroupLimit, 3)
	if opts.PresenceHeartbeat <= 0 {
		opts.PresenceHeartbeat = 5 * time.Second
	}
	if opts.PresenceTTL <= 0 {
		opts.PresenceTTL = 3 * opts.PresenceHeartbeat
	}
	if opts.Node == "" {
		opts.Node = newNodeID()
	}
	h := &Hub{
		opts:    opts,
		log:     opts.Log,
		dir:     opts.Directory,
		users:   make(map[string]*user),
		known:   make(map[string]User),
		records: map[string]ConvRecord{LobbyID: {ID: LobbyID, Kind: chat.KindRoom, Name: lobbyName}},
		sinks:   make(map[Sink]*user),
		convs:   make(map[string]*conv),
		amends:  newAmendments(opts.Log),

		node:     opts.Node,
		nodes:    make(map[string]*remoteNode),
		remoteIn: make(map[string]map[string]*remoteMember),
	}
	ctx := context.Background()
	if _, err := h.dir.CreateConv(ctx, h.records[LobbyID]); err != nil {
		return nil, fmt.Errorf("hub: lobby: %w", err)
	}
	stop, err := h.log.Watch(ctx, h.deliver)
	if err != nil {
		return nil, fmt.Errorf("hub: watching the log: %w", err)
	}
	h.stops = append(h.stops, stop)
	stop, err = h.dir.WatchMemberships(ctx, func(c MembershipChange) {
		if err := h.applyMember(context.Background(), c.User, c.Conv, c.Member); err != nil {
			h.opts.Logger.Error("membership change not applied", "user", c.User, "conv", c.Conv, "err", err)
		}
	})
	if err != nil {
		h.Close()
		return nil, fmt.Errorf("hub: watching memberships: %w", err)
	}
	h.stops = append(h.stops, stop)
	stop, err = h.dir.WatchCursors(ctx, h.applyCursor)
	if err != nil {
		h.Close()
		return nil, fmt.Errorf("hub: watching read positions: %w", err)
	}
	h.stops = append(h.stops, stop)
	stop, err = h.dir.WatchConvs(ctx, h.applyRecord)
	if err != nil {
		h.Close()
		return nil, fmt.Errorf("hub: watching conversations' records: %w", err)
	}
	h.stops = append(h.stops, stop)
	if err := h.watchModeration(ctx); err != nil {
		h.Close()
		return nil, fmt.Errorf("hub: watching invitations and mutes: %w", err)
	}
	crowds := make(chan struct{})
	go h.watchCrowds(crowds)
	h.stops = append(h.stops, func() { close(crowds) })
	if err := h.startCluster(); err != nil {
		h.Close()
		return nil, fmt.Errorf("hub: presence: %w", err)
	}
	if err := h.startTyping(); err != nil {
		h.Close()
		return nil, fmt.Errorf("hub: typing: %w", err)
	}
	if err := h.startNotices(); err != nil {
		h.Close()
		return nil, fmt.Errorf("hub: notices: %w", err)
	}
	opts.Metrics.Gauge("chat_users_online", "Users with a connection to this node, or in their grace period.", func() float64 {
		h.mu.Lock()
		defer h.mu.Unlock()
		return float64(len(h.users))
	})
	h.watching.Store(true)
	return h, nil
}

// Watching reports whether the hub watches the log and the directory, as
// it does from New until Close: a node whose hub does not cannot serve.
func (h *Hub) Watching() bool { return h.watching.Load() }

// Close stops watching the log and the directory, and records that every
// user here was last seen now. Call it after the connections are closed.
func (h *Hub) Close() {
	h.watching.Store(false)
	for _, stop := range h.stops {
		stop()
	}
	h.stops = nil
	h.mu.Lock()
	h.closed = true
	var keys []string
	for key, u := range h.users {
		if u.linger != nil {
			u.linger.Stop()
		}
		if u.offTimer != nil {
			u.offTimer.Stop()
		} else if !u.online {
			continue // offline already, or never online here (api.go)
		}
		keys = append(keys, key)
	}
	h.mu.Unlock()
	h.bg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	now := time.Now().UnixMilli()
	for _, key := range keys {
		if err := h.dir.SetSeen(ctx, key, now); err != nil {
			h.opts.Logger.Warn("last seen not recorded", "user", key, "err", err)
		}
	}
}

// deliver fans out an entry appended by any process to the local
// connections subscribed to its conversation, encoded once, unless it was
// fanned out already when this node stored it (deliverStored).
func (h *Hub) deliver(e chat.Entry) {
	if chat.IsModeration(e.Kind) {
		defer h.moderationDelivered(e)
	}
	defer h.groupRenamed(e) // group.go
	h.amends.observe(e)
	start := time.Now()
	c := h.localConv(e.Conv)
	if c == nil {
		return
	}
	raiseLast(c, e.Seq)
	c.fanMu.Lock()
	defer c.fanMu.Unlock()
	if e.Seq <= c.fanned {
		return
	}
	c.fanned = e.Seq
	n := c.fanOut(encode(&e))
	h.opts.Metrics.FannedOut(n, time.Since(start))
}

// deliverStored fans out a message this node has just stored, as soon as
// the store acknowledged it, instead of waiting for the log's watch to
// bring it back: that hop costs about half a millisecond. It does so only
// when the entry before it is fanned out here already, so every
// connection still sees the conversation in order without a gap; otherwise
// (another node's entry not watched yet, or none watched since this
// conversation was attached) the watch fans it out in its turn. Other
// nodes always fan out from their watch.
func (h *Hub) deliverStored(e chat.Entry) {
	if e.Kind != chat.EntryMessage {
		return // edits, deletes and the rest change what the watch keeps (amend.go): they go its way
	}
	start := time.Now()
	c := h.localConv(e.Conv)
	if c == nil {
		return
	}
	c.fanMu.Lock()
	defer c.fanMu.Unlock()
	if c.fanned == 0 || e.Seq != c.fanned+1 {
		return
	}
	raiseLast(c, e.Seq)
	c.fanned = e.Seq
	n := c.fanOut(encode(&e))
	h.opts.Metrics.FannedOut(n, time.Since(start))
}

// raiseLast records seq as c's newest if it is.
func raiseLast(c *conv, seq uint64) {
	for {
		last := c.last.Load()
		if seq <= last || c.last.CompareAndSwap(last, seq) {
			return
		}
	}
}

// String describes the hub for logs.
func (h *Hub) String() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.convMu.RLock()
	defer h.convMu.RUnlock()
	return fmt.Sprintf("hub: %d users, %d conversations, %d connections", len(h.users), len(h.convs), len(h.sinks))
}

// findUser looks a user up by name.
func (h *Hub) findUser(ctx context.Context, name string) (User, error) {
	if h.opts.FindUser != nil {
		return h.opts.FindUser(ctx, name)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if u, ok := h.known[names.Key(name)]; ok {
		return u, nil
	}
	return User{}, chat.Errorf(chat.CodeNoSuchUser, "nobody is called %q", name)
}

// record returns the record of conversation id, from the cache or the
// directory; an id the directory lately did not have is ErrNotFound without
// asking again (missing.go).
func (h *Hub) record(ctx context.Context, id string) (ConvRecord, error) {
	h.mu.Lock()
	rec, ok := h.records[id]
	h.mu.Unlock()
	if ok {
		return rec, nil
	}
	if h.missing.has(id, time.Now()) {
		return rec, ErrNotFound
	}
	rec, err := h.dir.Conv(ctx, id)
	if errors.Is(err, ErrNotFound) {
		h.missing.add(id, time.Now())
	}
	if err != nil {
		return rec, err
	}
	h.mu.Lock()
	h.records[id] = rec
	h.mu.Unlock()
	return rec, nil
}

// storageError logs a storage failure and returns what the client is told.
func (h *Hub) storageError(what string, err error) *chat.Error {
	h.opts.Logger.Error(what+" failed", "err", err)
	return chat.Errorf(chat.CodeInternal, "the server could not %s; try again", what)
}

// encode encodes a frame the hub built itself; failing is a programming error.
func encode(f chat.Frame) []byte {
	b, err := chat.Encode(f)
	if err != nil {
		panic("hub: encoding " + string(f.FrameType()) + ": " + err.Error())
	}
	return b
}

func escape(s string) string { return html.EscapeString(s) }

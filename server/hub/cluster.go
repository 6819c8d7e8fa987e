package hub

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"hash/fnv"
	"slices"
	"time"

	"github.com/founding/chat/app/chat"
)

// Presence across nodes. Every node sees its own users come and go
// (presence.go); through the Presence seam it tells the other nodes, and
// learns theirs. What crosses the bus is per user, never per connection: a
// note when a user comes online here (with their rooms), changes rooms, or
// goes offline here after the grace period; and every PresenceHeartbeat a
// heartbeat of two numbers, how many users the node holds and a digest of
// them. Each note carries the digest after it, so a receiver that missed a
// note notices the difference and fetches that node's whole state once; a
// node silent for PresenceTTL (killed, cut off) is taken to hold nobody,
// and a node that stops says goodbye. A user is online while any node holds
// them; the "joined" and "left" a room's members see are the user's first
// node and last node, so a user with tabs on two nodes is one online user.

// remoteNode is what this hub knows of another node's online users.
// Guarded by Hub.mu.
type remoteNode struct {
	users    map[string]PresenceUser // by user key
	digest   uint64                  // of users, as the node's notes carry it
	seen     time.Time               // the node's last note
	fetching bool                    // a fetch of its state is under way
}

// remoteMember is a user online in a room on other nodes, with how many of
// them hold the user there.
type remoteMember struct {
	name  string
	bot   bool
	nodes int
}

// userDigest is one user's share of a node's digest (XOR of all shares).
func userDigest(p PresenceUser) uint64 {
	h := fnv.New64a()
	h.Write([]byte(p.Key))
	h.Write([]byte{0})
	h.Write([]byte(p.Name))
	for _, r := range p.Rooms {
		h.Write([]byte{0})
		h.Write([]byte(r))
	}
	return h.Sum64()
}

// newNodeID returns a random id for this node: a restarted node is a new
// node, and the old one's users time out.
func newNodeID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Node returns this hub's node id (Options.Node).
func (h *Hub) Node() string { return h.node }

// startCluster publishes this node's presence and watches the others'.
func (h *Hub) startCluster() error {
	if h.opts.Presence == nil {
		return nil
	}
	h.notes = make(chan PresenceNote, 1024)
	ctx, cancel := context.WithCancel(context.Background())
	stopServe, err := h.opts.Presence.Serve(h.node, h.localState)
	if err != nil {
		cancel()
		return err
	}
	stopWatch, err := h.opts.Presence.Watch(ctx, h.applyNote)
	if err != nil {
		stopServe()
		cancel()
		return err
	}
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		failing := false // logged once per run of failures
		for n := range h.notes {
			err := h.opts.Presence.Publish(ctx, n)
			switch {
			case err != nil && !failing && ctx.Err() == nil:
				h.opts.Logger.Warn("presence notes not sent; the next heartbeat after the bus is back repairs them", "err", err)
				failing = true
			case err == nil && failing:
				h.opts.Logger.Info("presence notes sent again")
				failing = false
			}
		}
	}()
	beats := make(chan struct{})
	beating := make(chan struct{})
	go func() {
		defer close(beating)
		h.heartbeat()
		t := time.NewTicker(h.opts.PresenceHeartbeat)
		defer t.Stop()
		expire := time.NewTicker(expireEvery(h.opts.PresenceHeartbeat, h.opts.PresenceTTL))
		defer expire.Stop()
		for {
			select {
			case <-beats:
				return
			case <-t.C:
				h.heartbeat()
			case <-expire.C:
				h.expireNodes()
			}
		}
	}()
	h.stops = append(h.stops, func() {
		close(beats)
		<-beating
		h.mu.Lock()
		h.queueNote(PresenceNote{Bye: true})
		close(h.notes)
		h.mu.Unlock()
		<-sent
		stopWatch()
		stopServe()
		cancel()
	})
	return nil
}

// queueNote hands n to the sender, with this node's id and digest; a full
// queue drops it (the next heartbeat's digest makes the others fetch).
// Callers hold h.mu.
func (h *Hub) queueNote(n PresenceNote) {
	if h.notes == nil || h.notesClosed {
		return
	}
	n.Node, n.Digest, n.Count = h.node, h.digest, h.count
	if n.Bye {
		h.notesClosed = true
	}
	select {
	case h.notes <- n:
	default:
	}
}

// heartbeat queues a note with nothing but the digest.
func (h *Hub) heartbeat() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.queueNote(PresenceNote{})
}

// published is u as this node tells the others: key, name and rooms.
func published(u *user) PresenceUser {
	p := PresenceUser{Key: u.key, Name: u.name, Bot: u.bot}
	for _, c := range u.rooms() {
		p.Rooms = append(p.Rooms, c.id)
	}
	slices.Sort(p.Rooms)
	return p
}

// announce tells the other nodes that u is online here, or that u's rooms
// changed. Callers hold h.mu.
func (h *Hub) announce(u *user) {
	p := published(u)
	if u.pub != nil {
		h.digest ^= userDigest(*u.pub)
	} else {
		h.count++
	}
	h.digest ^= userDigest(p)
	u.pub = &p
	h.queueNote(PresenceNote{Online: []PresenceUser{p}})
}

// withdraw tells the other nodes that u went offline here. Callers hold
// h.mu.
func (h *Hub) withdraw(u *user) {
	if u.pub == nil {
		return
	}
	h.digest ^= userDigest(*u.pub)
	h.count--
	u.pub = nil
	h.queueNote(PresenceNote{Offline: []string{u.key}})
}

// localState lists the users online here, for another node's fetch.
func (h *Hub) localState() []PresenceUser {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]PresenceUser, 0, h.count)
	for _, u := range h.users {
		if u.pub != nil {
			out = append(out, *u.pub)
		}
	}
	return out
}

// applyNote takes another node's note.
func (h *Hub) applyNote(n PresenceNote) {
	if n.Node == h.node || n.Node == "" {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	if n.Bye {
		h.dropNode(n.Node)
		return
	}
	rn := h.nodes[n.Node]
	if rn == nil {
		rn = &remoteNode{users: make(map[string]PresenceUser)}
		h.nodes[n.Node] = rn
	}
	rn.seen = time.Now()
	for _, p := range n.Online {
		h.setRemote(rn, p)
	}
	for _, key := range n.Offline {
		h.unsetRemote(rn, key)
	}
	if rn.digest != n.Digest && !rn.fetching {
		rn.fetching = true
		h.bg.Add(1)
		go h.fetchNode(n.Node)
	}
}

// fetchNode replaces what this hub knows of node with its whole state.
func (h *Hub) fetchNode(node string) {
	defer h.bg.Done()
	ctx, cancel := context.WithTimeout(context.Background(), h.opts.PresenceHeartbeat)
	defer cancel()
	users, err := h.opts.Presence.Fetch(ctx, node)
	h.mu.Lock()
	defer h.mu.Unlock()
	rn := h.nodes[node]
	if rn == nil || h.closed {
		return
	}
	rn.fetching = false
	if err != nil {
		h.opts.Logger.Warn("presence of a node not fetched; trying at its next note", "node", node, "err", err)
		return
	}
	now := make(map[string]bool, len(users))
	for _, p := range users {
		now[p.Key] = true
		h.setRemote(rn, p)
	}
	for key := range rn.users {
		if !now[key] {
			h.unsetRemote(rn, key)
		}
	}
}

// expireEvery is how often silent nodes are looked for: a tenth of the
// TTL (never less often than heartbeats are sent), so that a node that died
// is offline everywhere at most TTL + TTL/10 after its last heartbeat
// (15-16.5 s by default), not TTL + a heartbeat interval.
func expireEvery(heartbeat, ttl time.Duration) time.Duration {
	return max(min(heartbeat, ttl/10), 10*time.Millisecond)
}

// expireNodes drops the nodes that sent nothing for PresenceTTL: their
// users go offline.
func (h *Hub) expireNodes() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for node, rn := range h.nodes {
		if time.Since(rn.seen) >= h.opts.PresenceTTL {
			h.opts.Logger.Info("node silent; its users are offline", "node", node, "users", len(rn.users))
			h.dropNode(node)
		}
	}
}

// dropNode forgets node: its users are offline unless another node holds
// them. Callers hold h.mu.
func (h *Hub) dropNode(node string) {
	rn := h.nodes[node]
	if rn == nil {
		return
	}
	for key := range rn.users {
		h.unsetRemote(rn, key)
	}
	delete(h.nodes, node)
}

// setRemote records that rn holds p online, in p.Rooms, telling the local
// members of each room where p was not online before. Callers hold h.mu.
func (h *Hub) setRemote(rn *remoteNode, p PresenceUser) {
	old, had := rn.users[p.Key]
	if had {
		rn.digest ^= userDigest(old)
	}
	rn.digest ^= userDigest(p)
	rn.users[p.Key] = p
	for _, r := range p.Rooms {
		if !slices.Contains(old.Rooms, r) {
			h.remoteEnter(r, p, had)
		}
	}
	for _, r := range old.Rooms {
		if !slices.Contains(p.Rooms, r) {
			h.remoteLeave(r, old, true)
		}
	}
}

// unsetRemote records that rn no longer holds the user key. Callers hold
// h.mu.
func (h *Hub) unsetRemote(rn *remoteNode, key string) {
	old, had := rn.users[key]
	if !had {
		return
	}
	rn.digest ^= userDigest(old)
	delete(rn.users, key)
	for _, r := range old.Rooms {
		h.remoteLeave(r, old, false)
	}
}

// remoteEnter counts one more node holding p online in room; the first
// one, while p is not online here, tells the room's local members
// (quietly when it is a join, which the log announces). Callers hold h.mu.
func (h *Hub) remoteEnter(room string, p PresenceUser, quiet bool) {
	key := p.Key
	in := h.remoteIn[room]
	if in == nil {
		in = make(map[string]*remoteMember)
		h.remoteIn[room] = in
	}
	m := in[key]
	if m == nil {
		m = &remoteMember{name: p.Name, bot: p.Bot}
		in[key] = m
	}
	if m.nodes++; m.nodes > 1 {
		return
	}
	c := h.localConv(room)
	switch {
	case c == nil:
	case c.online[key] != nil:
		c.both++
	default:
		h.presenceOf(c, p, nil, true, quiet)
	}
}

// remoteLeave counts one node fewer holding p online in room; the last
// one, while p is not online here, tells the room's local members.
// Callers hold h.mu.
func (h *Hub) remoteLeave(room string, p PresenceUser, quiet bool) {
	key := p.Key
	m := h.remoteIn[room][key]
	if m == nil {
		return
	}
	if m.nodes--; m.nodes > 0 {
		return
	}
	delete(h.remoteIn[room], key)
	if len(h.remoteIn[room]) == 0 {
		delete(h.remoteIn, room)
	}
	c := h.localConv(room)
	switch {
	case c == nil:
	case c.online[key] != nil:
		c.both--
	default:
		h.presenceOf(c, p, nil, false, quiet)
	}
}

// onlineElsewhere reports whether another node holds key online in room.
// Callers hold h.mu.
func (h *Hub) onlineElsewhere(room, key string) bool { return h.remoteIn[room][key] != nil }

// localConv returns the conversation id if a local user is in it (a
// thread's, if one is in its parent: thread.go).
func (h *Hub) localConv(id string) *conv {
	if parent, _, ok := chat.ThreadOf(id); ok {
		return h.threadConv(id, parent)
	}
	return h.conv(id)
}

// OnlineAnywhere counts the users online on this node or another, for
// tests and tools.
func (h *Hub) OnlineAnywhere() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	keys := make(map[string]bool)
	for k, u := range h.users {
		if u.online {
			keys[k] = true
		}
	}
	for _, rn := range h.nodes {
		for k := range rn.users {
			keys[k] = true
		}
	}
	return len(keys)
}

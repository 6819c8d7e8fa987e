package hub

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/names"
)

// profile is what Connect reads from storage for a user who has no
// connection here yet.
type profile struct {
	convs []ConvRecord
	last  map[string]uint64
	read  map[string]uint64
	seen  int64

	peerRead map[string]uint64 // private conversation id -> the other member's read position (seen.go)
	personal
	rules map[string]RoomRules // of the rooms no local user is in yet
}

func (h *Hub) loadProfile(ctx context.Context, key string) (*profile, error) {
	if _, err := h.dir.SetMember(ctx, key, LobbyID, true); err != nil {
		return nil, err
	}
	ids, err := h.dir.Memberships(ctx, key)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(ids, LobbyID) {
		// A list read from a replica that has not seen the write above yet
		// (a new user on a replicated cluster): the lobby is theirs anyway.
		ids = append(ids, LobbyID)
	}
	p := &profile{last: make(map[string]uint64, len(ids))}
	for _, id := range ids {
		if parent, _, ok := chat.ThreadOf(id); ok && !slices.Contains(ids, parent) {
			continue // followed in a conversation since left (thread.go)
		}
		rec, err := h.record(ctx, id)
		if errors.Is(err, ErrNotFound) {
			continue // a membership whose conversation was never recorded
		}
		if err != nil {
			return nil, err
		}
		if p.last[id], err = h.log.Last(ctx, id); err != nil {
			return nil, err
		}
		p.convs = append(p.convs, rec)
	}
	if p.read, err = h.dir.Cursors(ctx, key); err != nil {
		return nil, err
	}
	if p.seen, err = h.dir.Seen(ctx, key); err != nil {
		return nil, err
	}
	if p.peerRead, err = h.peerReads(ctx, key, p.convs); err != nil {
		return nil, err
	}
	if p.personal, err = h.loadPersonal(ctx, key); err != nil {
		return nil, err
	}
	if p.rules, err = h.loadRules(ctx, p.convs); err != nil {
		return nil, err
	}
	return p, nil
}

// Connect registers a connection of user who, sends it the Welcome frame
// and the rosters of its rooms, and subscribes it to all the user's
// conversations. A user who was offline comes online.
func (h *Hub) Connect(ctx context.Context, who User, s Sink) error {
	for attempt := 0; attempt < 3; attempt++ {
		h.mu.Lock()
		loaded := h.users[who.Key] != nil
		h.mu.Unlock()
		var p *profile
		if !loaded {
			var err error
			if p, err = h.loadProfile(ctx, who.Key); err != nil {
				return h.storageError("load your conversations", err)
			}
		}
		if h.connect(who, p, s) {
			return nil
		}
	}
	return chat.Errorf(chat.CodeInternal, "the server is busy; try again")
}

// connect does Connect's work under the lock; it reports false when the
// user went away meanwhile and their profile must be read again.
func (h *Hub) connect(who User, p *profile, s Sink) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	u := h.users[who.Key]
	if u == nil {
		if p == nil {
			return false
		}
		u = h.newUser(who, p)
	}
	h.known[names.Key(who.Name)] = who // the name's holder now; a key may differ (auth: a released name)
	u.password, u.sso = who.Password, who.SSO

	welcome := h.opts.Welcome
	welcome.Me, welcome.NeedName, welcome.Password, welcome.SSO = escape(u.name), false, u.password, u.sso
	welcome.Key = escape(names.Key(u.name)) // what mentions of u carry (server/markup)
	welcome.Convs = u.infos()
	welcome.Away, welcome.Back = u.away, time.Now().UnixMilli()
	welcome.Mutes, welcome.Invites = u.muteNames(), u.invitations()
	s.Send(encode(&welcome))
	h.sendBans(u, s)

	u.sessions.add(s)
	h.sinks[s] = u
	for _, c := range u.convs {
		c.subscribe(s)
	}
	h.comeOnline(u)
	for _, c := range u.rooms() {
		s.Send(h.rosterFrame(c))
	}
	return true
}

// newUser makes the local state of a user from their profile. Callers hold
// h.mu.
func (h *Hub) newUser(who User, p *profile) *user {
	u := &user{key: who.Key, name: who.Name, password: who.Password, sso: who.SSO, bot: who.Bot, away: p.seen,
		convs: make(map[string]*conv), read: p.read}
	if len(u.read) == 0 {
		u.read = nil // made on the first read position; most users have few
	}
	h.users[u.key] = u
	for _, rec := range p.convs {
		h.attach(u, rec, p.last[rec.ID])
	}
	h.notePeerReads(u, p)
	u.personal, u.admin = p.personal, h.adminKey(u.key)
	h.adoptRules(u, p.rules)
	return u
}

// attach makes u a local member of the conversation rec. Callers hold h.mu.
func (h *Hub) attach(u *user, rec ConvRecord, last uint64) *conv {
	h.convMu.Lock()
	c := h.convs[rec.ID]
	if c == nil {
		c = newConv(rec)
		c.archived = h.archived[rec.ID]
		c.defaultKeep = h.opts.Retention
		h.convs[rec.ID] = c
	} else if c.kind == chat.KindThread && c.name == "" {
		c.name = rec.Name // made before its record was read (thread.go)
	}
	h.convMu.Unlock()
	if last > c.last.Load() {
		c.last.Store(last)
	}
	c.members[u.key] = u
	u.convs[c.id] = c
	return c
}

// detach ends u's local membership of c. Callers hold h.mu.
func (h *Hub) detach(u *user, c *conv) {
	delete(c.members, u.key)
	delete(u.convs, c.id)
	h.setOffline(c, u.key)
	for _, s := range u.sessions {
		c.unsubscribe(s)
	}
	if len(c.members) == 0 {
		h.convMu.Lock()
		h.dropConv(c)
		h.convMu.Unlock()
	}
}

// Disconnect unregisters a connection. When it was the user's last, the user
// goes offline after the presence grace period unless they come back
// (presence.go).
func (h *Hub) Disconnect(s Sink) {
	h.mu.Lock()
	defer h.mu.Unlock()
	u := h.sinks[s]
	if u == nil {
		return
	}
	delete(h.sinks, s)
	u.sessions.remove(s)
	for _, c := range u.convs {
		c.unsubscribe(s)
	}
	if len(u.sessions) == 0 {
		h.startGrace(u)
	}
}

// userOf returns the local user of key. Callers hold h.mu.
func (h *Hub) userOf(key string) (*user, error) {
	u := h.users[key]
	if u == nil {
		return nil, chat.Errorf(chat.CodeNeedName, "the session has no user")
	}
	return u, nil
}

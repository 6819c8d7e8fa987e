package hub

import (
	"context"
	"slices"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/markup"
	"github.com/founding/chat/server/names"
)

// Requests without a connection: the HTTP API and incoming webhooks (the
// server's api.go) act for a user between Use and its release, through
// the same methods as a connection's frames (Post, Page, Edit, ...), so
// that what they store takes the same once-only path. Such a user does
// not come online: a bot posting through the API is not "here".

// Use makes the user who local to this hub until release is called, so
// that the methods that act for a user work without a connection. Calls
// may overlap, with each other and with the user's connections; the user
// is forgotten once the last release and the last connection are gone.
func (h *Hub) Use(ctx context.Context, who User) (release func(), err error) {
	for attempt := 0; attempt < 3; attempt++ {
		h.mu.Lock()
		loaded := h.users[who.Key] != nil
		h.mu.Unlock()
		var p *profile
		if !loaded {
			if p, err = h.loadProfile(ctx, who.Key); err != nil {
				return nil, h.storageError("load your conversations", err)
			}
		}
		if u := h.use(who, p); u != nil {
			return func() { h.release(u) }, nil
		}
	}
	return nil, chat.Errorf(chat.CodeInternal, "the server is busy; try again")
}

// use does Use's work under the lock; nil when the user went away
// meanwhile and their profile must be read again.
func (h *Hub) use(who User, p *profile) *user {
	h.mu.Lock()
	defer h.mu.Unlock()
	u := h.users[who.Key]
	if u == nil {
		if p == nil {
			return nil
		}
		u = h.newUser(who, p)
	}
	h.known[names.Key(who.Name)] = who
	u.password = who.Password // as the accounts have it now, like connect
	u.uses++
	return u
}

// useLinger is how long a user stays loaded after their last Use ends:
// a bot's requests one after another load its profile once.
// Memberships changed meanwhile reach a loaded user like anyone (the
// directory's watch), so what is kept stays true.
const useLinger = 30 * time.Second

// release ends one Use of u: without connections, uses or a grace period
// running, this hub forgets u (as goOffline does) after useLinger.
func (h *Hub) release(u *user) {
	h.mu.Lock()
	defer h.mu.Unlock()
	u.uses--
	if !h.idle(u) {
		return
	}
	if u.linger != nil {
		u.linger.Stop()
	}
	u.lingerGen++
	gen := u.lingerGen
	u.linger = time.AfterFunc(useLinger, func() { h.endLinger(u, gen) })
}

// idle reports whether nothing holds u here: no connection, use or grace
// period. Callers hold h.mu.
func (h *Hub) idle(u *user) bool {
	return !h.closed && u.uses == 0 && len(u.sessions) == 0 && u.offTimer == nil && !u.online && h.users[u.key] == u
}

// endLinger forgets u once the linger after the last use is over, if
// nothing took u up meanwhile.
func (h *Hub) endLinger(u *user, gen uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if u.lingerGen != gen {
		return
	}
	u.linger = nil
	if h.idle(u) {
		h.forget(u)
	}
}

// forget drops u, who has no connection, use or grace period left, from
// this hub. Callers hold h.mu.
func (h *Hub) forget(u *user) {
	if u.linger != nil {
		u.linger.Stop()
		u.linger = nil
		u.lingerGen++
	}
	for _, c := range u.convs {
		h.detach(u, c)
	}
	delete(h.users, u.key)
}

// Conversations lists the conversations of the user key, who must be
// local (Use), as the Welcome frame does.
func (h *Hub) Conversations(key string) ([]chat.ConvInfo, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	u, err := h.userOf(key)
	if err != nil {
		return nil, err
	}
	return u.infos(), nil
}

// Roster returns who is online in conversation convID, on any node, if
// the user key is in it: a room's roster, or the two of a private
// conversation who are online.
func (h *Hub) Roster(ctx context.Context, key, convID string) (*chat.Roster, error) {
	if _, _, err := h.member(ctx, key, convID); err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.conv(convID)
	if c == nil {
		return &chat.Roster{Conv: convID, Users: []string{}}, nil
	}
	if c.kind == chat.KindRoom {
		return h.roster(c, h.opts.PresenceLimit), nil
	}
	r := &chat.Roster{Conv: convID, Users: []string{}}
	for _, m := range c.pair {
		u := h.users[m.Key]
		here := u != nil && u.online
		elsewhere := h.remoteAnywhere(m.Key)
		if here || elsewhere != nil {
			rosterAdd(r, escape(m.Name), here && u.bot || elsewhere != nil && elsewhere.bot)
		}
	}
	return r, nil
}

// remoteAnywhere is the user key as another node holds them online in
// some room, or nil. Callers hold h.mu.
func (h *Hub) remoteAnywhere(key string) *remoteMember {
	for _, in := range h.remoteIn {
		if m := in[key]; m != nil {
			return m
		}
	}
	return nil
}

// Owns reports whether the user key may manage room convID (its owner,
// or an admin): make and revoke its webhooks.
func (h *Hub) Owns(ctx context.Context, key, convID string) (bool, error) {
	u, c, err := h.member(ctx, key, convID)
	if err != nil {
		return false, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return c.kind == chat.KindRoom && (u.isAdmin() || c.owner.Key != "" && c.owner.Key == key), nil
}

// Note records in room convID that the user key did something to subject
// (a name) that the room should see in its history, as an entry of kind
// with On and HTML saying what (after the user's name: "made the webhook
// ci").
func (h *Hub) Note(ctx context.Context, key, convID string, kind chat.EntryKind, subject string, on bool, what string) error {
	u, c, err := h.member(ctx, key, convID)
	if err != nil {
		return err
	}
	e := chat.Entry{Conv: c.id, Kind: kind, From: escape(u.name), Subject: escape(subject), On: on, HTML: markup.Event(u.name, what)}
	if _, err := h.log.Append(ctx, e); err != nil {
		return h.storageError("record the "+string(kind), err)
	}
	return nil
}

// AddMember makes the user who a member of room convID on behalf of the
// user key, who must be in it: how a room's owner brings a webhook's bot
// in, whatever the room's rules (a bot neither asks nor is banned). The
// bot's membership is recorded like anyone's, without an entry.
func (h *Hub) AddMember(ctx context.Context, key, convID string, who User) error {
	if _, _, err := h.member(ctx, key, convID); err != nil {
		return err
	}
	ids, err := h.dir.Memberships(ctx, who.Key)
	if err != nil {
		return h.storageError("add the member", err)
	}
	if slices.Contains(ids, convID) {
		return nil
	}
	if _, err := h.dir.SetMember(ctx, who.Key, convID, true); err != nil {
		return h.storageError("add the member", err)
	}
	return h.applyMember(ctx, who.Key, convID, true)
}

// PostVia is PostReply for a message a webhook carries: via is the
// sender's name it gave (shown as "via"), plain text, escaped here.
func (h *Hub) PostVia(ctx context.Context, key, convID, text, via string, id chat.MsgID) (chat.Ack, error) {
	return h.post(ctx, key, convID, text, 0, via, false, id)
}

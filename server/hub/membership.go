package hub

import (
	"context"
	"errors"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/names"
)

// Join makes the user key a member of the room named room, creating it. The
// join is an entry of the room, but in a large room (see crowded); the
// user's connections get the room and its roster. Joining a room one is in
// already just sends them again.
func (h *Hub) Join(ctx context.Context, key, room string) (chat.ConvInfo, error) {
	clean, err := chat.CleanRoom(room)
	if err != nil {
		return chat.ConvInfo{}, err
	}
	id := "r:" + names.Key(clean)
	h.mu.Lock()
	u, err := h.userOf(key)
	if err != nil {
		h.mu.Unlock()
		return chat.ConvInfo{}, err
	}
	if c := u.convs[id]; c != nil {
		info := c.info(u)
		u.send(encode(&chat.Conv{ConvInfo: info}))
		u.send(h.rosterFrame(c))
		h.mu.Unlock()
		return info, nil
	}
	if len(u.rooms()) >= h.opts.MaxRooms {
		h.mu.Unlock()
		return chat.ConvInfo{}, chat.Errorf(chat.CodeTooManyRooms, "you are in %d rooms, the most allowed; leave one first", h.opts.MaxRooms)
	}
	name := u.name
	h.mu.Unlock()

	if h.opts.Joinable != nil {
		if err := h.opts.Joinable(ctx, id); err != nil {
			return chat.ConvInfo{}, err
		}
	}
	if err := h.checkNewRoom(ctx, id, clean); err != nil {
		return chat.ConvInfo{}, err
	}
	invited, err := h.mayJoin(ctx, key, id)
	if err != nil {
		return chat.ConvInfo{}, err
	}
	rec, err := h.dir.CreateConv(ctx, ConvRecord{ID: id, Kind: chat.KindRoom, Name: clean, Owner: Member{Key: key, Name: name}})
	h.missing.forget(id)
	if err != nil {
		return chat.ConvInfo{}, h.storageError("create the room", err)
	}
	joined, err := h.dir.SetMember(ctx, key, rec.ID, true)
	if err != nil {
		return chat.ConvInfo{}, h.storageError("join the room", err)
	}
	if err := h.notBannedMeanwhile(ctx, key, rec.ID, joined); err != nil {
		return chat.ConvInfo{}, err
	}
	if err := h.applyMember(ctx, key, rec.ID, true); err != nil {
		return chat.ConvInfo{}, h.storageError("join the room", err)
	}
	if invited {
		if err := h.useInvitation(ctx, key, rec.ID); err != nil {
			return chat.ConvInfo{}, err
		}
	}
	if joined && !h.crowded(key, rec.ID) {
		if err := h.appendEvent(ctx, rec.ID, chat.EntryJoin, name, "joined"); err != nil {
			return chat.ConvInfo{}, err
		}
	}
	return h.infoFor(key, rec.ID), nil
}

// Leave ends the user key's membership of room convID. The leave is an
// entry of the room, but in a large room (see crowded).
func (h *Hub) Leave(ctx context.Context, key, convID string) error {
	h.mu.Lock()
	u, err := h.userOf(key)
	var c *conv
	var name string
	if err == nil {
		c, name = h.memberConv(u, convID), u.name
	}
	h.mu.Unlock()
	switch {
	case err != nil:
		return err
	case c == nil:
		return h.refusal(ctx, convID)
	case chat.IsGroup(c.id):
		return h.leaveGroup(ctx, key, convID, name) // group.go
	case c.kind != chat.KindRoom || c.id == LobbyID:
		return chat.Errorf(chat.CodeCannotLeave, "only named rooms can be left")
	}
	left, err := h.dir.SetMember(ctx, key, convID, false)
	if err != nil {
		return h.storageError("leave the room", err)
	}
	if !left { // another tab left first
		return chat.Errorf(chat.CodeNotMember, "you are not in that room")
	}
	if !h.crowded(key, convID) {
		err = h.appendEvent(ctx, convID, chat.EntryLeave, name, "left")
	}
	if applyErr := h.applyMember(ctx, key, convID, false); err == nil && applyErr != nil {
		err = h.storageError("leave the room", applyErr)
	}
	return err
}

// Open returns the private conversation between the user key and the user
// named with, creating it and telling both users about it the first time.
func (h *Hub) Open(ctx context.Context, key, with string) (chat.ConvInfo, error) {
	clean, err := chat.CleanName(with)
	if err != nil {
		return chat.ConvInfo{}, err
	}
	h.mu.Lock()
	u, err := h.userOf(key)
	var me Member
	if u != nil {
		me = Member{Key: u.key, Name: u.name, Bot: u.bot}
	}
	h.mu.Unlock()
	if err != nil {
		return chat.ConvInfo{}, err
	}
	peer, err := h.findUser(ctx, clean)
	if err != nil {
		return chat.ConvInfo{}, err
	}
	if peer.Key == key {
		return chat.ConvInfo{}, chat.Errorf(chat.CodeBadRequest, "you cannot send a private message to yourself")
	}
	pair := []Member{me, {Key: peer.Key, Name: peer.Name, Bot: peer.Bot}}
	if pair[0].Key > pair[1].Key {
		pair[0], pair[1] = pair[1], pair[0]
	}
	id := "p:" + pair[0].Key + "|" + pair[1].Key
	rec, err := h.dir.CreateConv(ctx, ConvRecord{ID: id, Kind: chat.KindPrivate, Members: pair})
	h.missing.forget(id)
	if err != nil {
		return chat.ConvInfo{}, h.storageError("open the conversation", err)
	}
	for _, m := range rec.Members {
		if _, err := h.dir.SetMember(ctx, m.Key, rec.ID, true); err != nil {
			return chat.ConvInfo{}, h.storageError("open the conversation", err)
		}
		if err := h.applyMember(ctx, m.Key, rec.ID, true); err != nil {
			return chat.ConvInfo{}, h.storageError("open the conversation", err)
		}
	}
	return h.infoFor(key, rec.ID), nil
}

// PostTo sends a private message from the user key to the user named to,
// opening their private conversation if needed, with the files of ids
// attached (PostReply).
func (h *Hub) PostTo(ctx context.Context, key, to, text string, id chat.MsgID, files ...string) (chat.Ack, error) {
	info, err := h.Open(ctx, key, to)
	if err != nil {
		return chat.Ack{}, err
	}
	return h.Post(ctx, key, info.ID, text, id, files...)
}

// applyMember brings this process in line with a membership change, made
// here or by another process: the user's local connections subscribe to the
// conversation (and are told of it) or leave it. It does nothing for users
// with no connection here, and nothing twice.
func (h *Hub) applyMember(ctx context.Context, key, id string, member bool) (err error) {
	h.missing.forget(id) // the conversation exists now, wherever it was made
	if chat.IsGroup(id) {
		defer func() {
			if refreshErr := h.refreshGroup(ctx, id); err == nil {
				err = refreshErr
			}
		}()
	}
	h.mu.Lock()
	u := h.users[key]
	if u == nil || (u.convs[id] != nil) == member {
		h.mu.Unlock()
		return nil
	}
	if !member {
		defer h.mu.Unlock()
		c := u.convs[id]
		if _, ok := c.online[u.key]; ok {
			h.presence(c, u, false, true)
		}
		h.detach(u, c)
		u.send(encode(&chat.Gone{Conv: id}))
		for _, t := range threadsOf(u, id) {
			h.detach(u, t)
			u.send(encode(&chat.Gone{Conv: t.id}))
		}
		if u.online && c.kind == chat.KindRoom {
			h.announce(u) // the other nodes' rosters of the room
		}
		return nil
	}
	h.mu.Unlock()

	rec, err := h.record(ctx, id)
	if err != nil {
		return err
	}
	last, err := h.log.Last(ctx, id)
	if err != nil {
		return err
	}
	rules, err := h.loadRules(ctx, []ConvRecord{rec})
	if err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if u = h.users[key]; u == nil || u.convs[id] != nil {
		return nil
	}
	c := h.attach(u, rec, last)
	h.adoptRules(u, rules)
	for _, s := range u.sessions {
		c.subscribe(s)
	}
	if u.online && c.kind == chat.KindRoom {
		h.setOnline(c, u)
		h.presence(c, u, true, true)
		h.announce(u)
	}
	u.send(encode(&chat.Conv{ConvInfo: c.info(u)}))
	if c.kind == chat.KindRoom {
		u.send(h.rosterFrame(c))
		if len(c.rules.Bans) > 0 && h.moderatesHere(u, c) {
			u.send(encode(c.bansFrame()))
		}
	}
	return nil
}

// infoFor describes conversation id as the local user key sees it.
func (h *Hub) infoFor(key, id string) chat.ConvInfo {
	h.mu.Lock()
	defer h.mu.Unlock()
	if u := h.users[key]; u != nil {
		if c := u.convs[id]; c != nil {
			return c.info(u)
		}
	}
	return chat.ConvInfo{ID: id}
}

// memberConv returns the conversation id if u is in it, or nil. Callers
// hold h.mu.
func (h *Hub) memberConv(u *user, id string) *conv { return u.convs[id] }

// refusal is the error for a conversation the user is not in: not_member
// for a room, no_such_conv otherwise, so nobody learns which private
// conversations exist.
func (h *Hub) refusal(ctx context.Context, id string) error {
	if len(id) <= chat.MaxConvIDBytes {
		if rec, err := h.record(ctx, id); err == nil && rec.Kind == chat.KindRoom {
			return chat.Errorf(chat.CodeNotMember, "you are not in room %q; join it first", rec.Name)
		}
	}
	return chat.Errorf(chat.CodeNoSuchConv, "no conversation %.80q", id)
}

// checkNewRoom lets a room be created only under a name that meets the
// rules for new names (chat.CheckNewRoom) and does not look like a room that
// exists ("gr0up" beside "group"); a room that exists may be joined
// whatever its name.
func (h *Hub) checkNewRoom(ctx context.Context, id, name string) error {
	_, err := h.dir.Conv(ctx, id)
	if err == nil {
		return nil
	}
	if !errors.Is(err, ErrNotFound) {
		return h.storageError("find the room", err)
	}
	if err := chat.CheckNewRoom(name); err != nil {
		return err
	}
	holder, err := h.dir.HoldLook(ctx, names.Skeleton(name), id)
	if err != nil {
		return h.storageError("create the room", err)
	}
	if holder == id {
		return nil
	}
	other, err := h.dir.Conv(ctx, holder)
	if errors.Is(err, ErrNotFound) {
		return nil // held by a creation that never finished
	}
	if err != nil {
		return h.storageError("find the room", err)
	}
	return chat.Errorf(chat.CodeBadRoom, "%q looks like the room %q; join that one or pick another name", name, other.Name)
}

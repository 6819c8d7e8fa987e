package hub

import (
	"context"
	"html"
	"slices"
	"strings"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/markup"
	"github.com/founding/chat/server/names"
)

// Moderation: whoever creates a room owns it (ConvRecord.Owner), and the
// server's admins (Options.Admins, and the admin console's: SetAdmins)
// moderate every room. Rooms made before
// owners have none; only admins moderate them. A moderator makes a room
// invite-only or open, removes a member, bans a name (and lifts the ban)
// and deletes anyone's message (Delete, through Moderates). In an
// invite-only room any member invites; the invitation is kept in the
// Directory until a Join of the room uses it up or the invitee declines.
// Nobody moderates the lobby (everyone is in it) but for deletes by admins,
// nor private conversations; nobody removes or bans themselves, the room's
// owner or an admin.
//
// Every action is an entry of the room (chat.IsModeration), appended before
// the membership changes so that the member removed gets it live; every
// node's deliver then brings its cached rules (conv.rules) in line and
// tells its local members (moderationDelivered). Removals reach the other
// nodes through the Directory's membership watch like any leave.
//
// Mutes are a user's own: kept in the Directory, sent with the Welcome and,
// after every change, to each of the user's connections on every node (the
// Directory's watch); nothing is sent to the muted.

// Moderates reports whether the user key may moderate conversation conv:
// an admin may any room, an owner their room. It is what Options.MayModerate
// is wired to.
func (h *Hub) Moderates(ctx context.Context, key, conv string) bool {
	if !strings.HasPrefix(conv, "r:") {
		return false
	}
	if h.admin(key) {
		return true
	}
	rec, err := h.record(ctx, conv)
	return err == nil && rec.Kind == chat.KindRoom && rec.Owner.Key != "" && rec.Owner.Key == key
}

// admin reports whether the user key is one of the admins (adminKey) and
// has a password: a name without one is released after a while to whoever
// picks it, who must not inherit the admin's powers. Only users with a
// connection here are known to be either.
func (h *Hub) admin(key string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	u := h.users[key]
	return u != nil && u.isAdmin()
}

// isAdmin reports whether u is an admin with a password or single
// sign-on (a name that is never released). Callers hold Hub.mu.
func (u *user) isAdmin() bool { return u.admin && (u.password || u.sso) }

// adminKey reports whether the user key is one of the admins: named in
// Options.Admins (the -admin flag) or by the last SetAdmins (the admin
// console's). Callers hold Hub.mu.
func (h *Hub) adminKey(key string) bool {
	return h.admins[key] || slices.Contains(h.opts.Admins, key)
}

// SetAdmins makes keys the admins besides Options.Admins: the server calls
// it with the admin console's list whenever that may have changed, on
// every node. A user here who becomes or stops being an admin moderates
// every room, or no longer does, from now on, and their connections get
// each room's description again (its Moderator flag).
func (h *Hub) SetAdmins(keys []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !replaceSet(&h.admins, keys) {
		return
	}
	for _, u := range h.users {
		u.readmit(func() { u.admin = h.adminKey(u.key) })
	}
}

// PasswordSet tells the hub that the user key set a password, on a
// connection here (their others end): an admin's powers, which need one,
// hold from now on, not only after they connect again.
func (h *Hub) PasswordSet(key string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if u := h.users[key]; u != nil {
		u.readmit(func() { u.password = true })
	}
}

// readmit makes change to u and, when that made them an admin or no
// longer one, sends each of their rooms' descriptions again (its
// Moderator flag) to their connections. Callers hold Hub.mu.
func (u *user) readmit(change func()) {
	was := u.isAdmin()
	if change(); u.isAdmin() == was {
		return
	}
	for _, c := range u.convs {
		if c.kind == chat.KindRoom {
			u.send(encode(&chat.Conv{ConvInfo: c.info(u)}))
		}
	}
}

// SetInviteOnly makes room convID invite-only (on) or open again.
func (h *Hub) SetInviteOnly(ctx context.Context, key, convID string, on bool) error {
	u, c, err := h.moderated(ctx, key, convID)
	if err != nil {
		return err
	}
	changed, err := h.dir.SetInviteOnly(ctx, c.id, on)
	if err != nil {
		return h.storageError("change the room", err)
	}
	if !changed {
		return nil
	}
	what := "opened the room to everyone"
	if on {
		what = "made the room invite-only"
	}
	return h.appendModeration(ctx, chat.Entry{Conv: c.id, Kind: chat.EntryInviteOnly, From: escape(u.name), On: on, HTML: markup.Event(u.name, what)})
}

// Remove ends the membership of the user named name in room convID. They
// may join again (with a new invitation, if the room is invite-only).
func (h *Hub) Remove(ctx context.Context, key, convID, name string) error {
	u, c, err := h.moderated(ctx, key, convID)
	if err != nil {
		return err
	}
	target, err := h.subject(ctx, key, c.id, name)
	if err != nil {
		return err
	}
	convs, err := h.dir.Memberships(ctx, target.Key)
	if err != nil {
		return h.storageError("find the member", err)
	}
	if !slices.Contains(convs, c.id) {
		return chat.Errorf(chat.CodeNotMember, "%s is not in this room", target.Name)
	}
	e := chat.Entry{Conv: c.id, Kind: chat.EntryRemove, From: escape(u.name), Subject: escape(target.Name),
		HTML: markup.Event(u.name, "removed "+target.Name)}
	if err := h.appendModeration(ctx, e); err != nil {
		return err
	}
	return h.dropMember(ctx, target.Key, c.id)
}

// Ban keeps the user named name out of room convID (on), removing them if
// they are in it and dropping their invitation, or lets them in again.
func (h *Hub) Ban(ctx context.Context, key, convID, name string, on bool) error {
	u, c, err := h.moderated(ctx, key, convID)
	if err != nil {
		return err
	}
	target, err := h.subject(ctx, key, c.id, name)
	if err != nil {
		return err
	}
	changed, err := h.dir.SetBan(ctx, c.id, Member{Key: target.Key, Name: target.Name}, on)
	if err != nil {
		return h.storageError("change the bans", err)
	}
	if !changed {
		return nil
	}
	e := chat.Entry{Conv: c.id, Kind: chat.EntryUnban, From: escape(u.name), Subject: escape(target.Name),
		HTML: markup.Event(u.name, "lifted the ban on "+target.Name)}
	if on {
		e.Kind, e.HTML = chat.EntryBan, markup.Event(u.name, "banned "+target.Name)
	}
	if err := h.appendModeration(ctx, e); err != nil || !on {
		return err
	}
	if _, err := h.dir.DropInvitation(ctx, target.Key, c.id); err != nil {
		return h.storageError("drop the invitation", err)
	}
	return h.dropMember(ctx, target.Key, c.id)
}

// Invite invites the user named name to the invite-only room convID, which
// the user key is in.
func (h *Hub) Invite(ctx context.Context, key, convID, name string) error {
	u, c, err := h.member(ctx, key, convID)
	if err != nil {
		return err
	}
	if c.kind != chat.KindRoom {
		return chat.Errorf(chat.CodeBadRequest, "only invite-only rooms take invitations")
	}
	rules, err := h.dir.Rules(ctx, c.id)
	if err != nil {
		return h.storageError("read the room's rules", err)
	}
	if !rules.InviteOnly {
		return chat.Errorf(chat.CodeBadRequest, "only invite-only rooms take invitations; anyone may join this one")
	}
	target, err := h.named(ctx, name)
	if err != nil {
		return err
	}
	if target.Key == key {
		return chat.Errorf(chat.CodeAlreadyMember, "you are in this room already")
	}
	if rules.Banned(target.Key) {
		return chat.Errorf(chat.CodeBanned, "%s is banned from this room", target.Name)
	}
	convs, err := h.dir.Memberships(ctx, target.Key)
	if err != nil {
		return h.storageError("find the member", err)
	}
	if slices.Contains(convs, c.id) {
		return chat.Errorf(chat.CodeAlreadyMember, "%s is in this room already", target.Name)
	}
	if err := h.dir.Invite(ctx, target.Key, Invitation{Conv: c.id, Room: c.name, By: Member{Key: u.key, Name: u.name}}); err != nil {
		return h.storageError("record the invitation", err)
	}
	return h.appendModeration(ctx, chat.Entry{Conv: c.id, Kind: chat.EntryInvite, From: escape(u.name), Subject: escape(target.Name),
		HTML: markup.Event(u.name, "invited "+target.Name)})
}

// Decline drops the user key's invitation to convID; declining one that is
// gone already (another device did) is no error.
func (h *Hub) Decline(ctx context.Context, key, convID string) error {
	if _, err := h.dir.DropInvitation(ctx, key, convID); err != nil {
		return h.storageError("decline the invitation", err)
	}
	return nil
}

// Mute hides the messages of the user named name from the user key (on),
// on all their devices, or shows them again.
func (h *Hub) Mute(ctx context.Context, key, name string, on bool) error {
	target, err := h.named(ctx, name)
	if err != nil {
		return err
	}
	if target.Key == key {
		return chat.Errorf(chat.CodeBadRequest, "you cannot mute yourself")
	}
	if _, err := h.dir.SetMute(ctx, key, Member{Key: target.Key, Name: target.Name}, on); err != nil {
		return h.storageError("change your muted people", err)
	}
	return nil
}

// moderated returns the user key and room convID if the user is in it and
// may moderate it, or the error to answer.
func (h *Hub) moderated(ctx context.Context, key, convID string) (*user, *conv, error) {
	u, c, err := h.member(ctx, key, convID)
	switch {
	case err != nil:
		return nil, nil, err
	case c.kind != chat.KindRoom:
		return nil, nil, chat.Errorf(chat.CodeCannotModerate, "a private conversation has no moderators")
	case c.id == LobbyID:
		return nil, nil, chat.Errorf(chat.CodeCannotModerate, "the lobby is everyone's: it cannot be closed, and nobody can be removed from it")
	case !h.Moderates(ctx, key, c.id):
		return nil, nil, chat.Errorf(chat.CodeNotOwner, "only the room's owner or an admin may do that")
	}
	return u, c, nil
}

// named finds the user called name, as a frame gave it: bad_name for a
// name that breaks the rules, no_such_user for nobody's.
func (h *Hub) named(ctx context.Context, name string) (User, error) {
	clean, err := chat.CleanName(name)
	if err != nil {
		return User{}, err
	}
	return h.findUser(ctx, clean)
}

// subject finds the user named name whom a moderator acts upon in room
// conv: not the moderator, the room's owner or an admin.
func (h *Hub) subject(ctx context.Context, key, conv, name string) (User, error) {
	target, err := h.named(ctx, name)
	if err != nil {
		return User{}, err
	}
	rec, err := h.record(ctx, conv)
	if err != nil {
		return User{}, h.storageError("find the room", err)
	}
	h.mu.Lock()
	admin := h.adminKey(target.Key)
	h.mu.Unlock()
	switch {
	case target.Key == key:
		return User{}, chat.Errorf(chat.CodeCannotModerate, "you cannot do that to yourself; leave the room instead")
	case target.Key == rec.Owner.Key:
		return User{}, chat.Errorf(chat.CodeCannotModerate, "%s owns this room", target.Name)
	case admin:
		return User{}, chat.Errorf(chat.CodeCannotModerate, "%s is an admin", target.Name)
	}
	return target, nil
}

// dropMember ends the membership of the user key in conv; the Directory's
// watch takes it to every node (applyMember).
func (h *Hub) dropMember(ctx context.Context, key, conv string) error {
	if _, err := h.dir.SetMember(ctx, key, conv, false); err != nil {
		return h.storageError("remove the member", err)
	}
	return nil
}

// appendModeration appends a moderation entry.
func (h *Hub) appendModeration(ctx context.Context, e chat.Entry) error {
	if _, err := h.log.Append(ctx, e); err != nil {
		return h.storageError("record the "+string(e.Kind), err)
	}
	return nil
}

// mayJoin checks that the user key may join room id, which may not exist
// yet: not banned, and invited if it is invite-only (moderators need no
// invitation). It reports whether an invitation lets them in.
func (h *Hub) mayJoin(ctx context.Context, key, id string) (invited bool, err error) {
	rules, err := h.dir.Rules(ctx, id)
	if err != nil {
		return false, h.storageError("read the room's rules", err)
	}
	if rules.Banned(key) {
		return false, chat.Errorf(chat.CodeBanned, "you are banned from this room")
	}
	if !rules.InviteOnly || h.Moderates(ctx, key, id) {
		return false, nil
	}
	held, err := h.dir.Invitations(ctx, key)
	if err != nil {
		return false, h.storageError("read your invitations", err)
	}
	if !slices.ContainsFunc(held, func(inv Invitation) bool { return inv.Conv == id }) {
		return false, chat.Errorf(chat.CodeInviteOnly, "this room is invite-only; a member must invite you")
	}
	return true, nil
}

// notBannedMeanwhile checks, once the user key is a member of room id,
// that no ban came between mayJoin and the membership: a ban records the
// ban before it ends the membership, so either the ban's removal comes
// after this join, or this reads the ban and undoes a join it made.
func (h *Hub) notBannedMeanwhile(ctx context.Context, key, id string, joined bool) error {
	rules, err := h.dir.Rules(ctx, id)
	if err != nil {
		return h.storageError("read the room's rules", err)
	}
	if !rules.Banned(key) {
		return nil
	}
	if joined {
		if err := h.dropMember(ctx, key, id); err != nil {
			return err
		}
	}
	return chat.Errorf(chat.CodeBanned, "you are banned from this room")
}

// useInvitation drops the invitation a join used.
func (h *Hub) useInvitation(ctx context.Context, key, id string) error {
	if _, err := h.dir.DropInvitation(ctx, key, id); err != nil {
		return h.storageError("use the invitation", err)
	}
	return nil
}

// personal is what the Directory keeps for one user alone: whom they muted
// and the invitations they hold.
type personal struct {
	mutes   []Member
	invites []Invitation
}

// loadPersonal reads the user key's mutes and invitations.
func (h *Hub) loadPersonal(ctx context.Context, key string) (personal, error) {
	var p personal
	var err error
	if p.mutes, err = h.dir.Mutes(ctx, key); err != nil {
		return p, err
	}
	p.invites, err = h.dir.Invitations(ctx, key)
	return p, err
}

// loadRules reads the rules of the rooms among recs that no local user is
// in yet (those known here are kept up to date by deliver).
func (h *Hub) loadRules(ctx context.Context, recs []ConvRecord) (map[string]RoomRules, error) {
	rules := make(map[string]RoomRules)
	for _, rec := range recs {
		if rec.Kind != chat.KindRoom || rec.ID == LobbyID || h.hasConv(rec.ID) {
			continue
		}
		r, err := h.dir.Rules(ctx, rec.ID)
		if err != nil {
			return nil, err
		}
		rules[rec.ID] = r
	}
	return rules, nil
}

// hasConv reports whether conversation id has local members.
func (h *Hub) hasConv(id string) bool { return h.conv(id) != nil }

// conv returns conversation id from the table, or nil. Callers may hold
// h.mu; the table itself is guarded by convMu alone, as threadConv adds
// threads without h.mu.
func (h *Hub) conv(id string) *conv {
	h.convMu.RLock()
	defer h.convMu.RUnlock()
	return h.convs[id]
}

// adoptRules gives the conversations of u just attached the rules read for
// them. Callers hold h.mu.
func (h *Hub) adoptRules(u *user, rules map[string]RoomRules) {
	for id, r := range rules {
		if c := u.convs[id]; c != nil && !c.rulesKnown {
			c.rules, c.rulesKnown = r, true
		}
	}
}

// watchModeration follows changes of invitations and mutes made by any
// process, for the local users.
func (h *Hub) watchModeration(ctx context.Context) error {
	stop, err := h.dir.WatchInvitations(ctx, func(key string) { h.refreshPersonal(key, true) })
	if err != nil {
		return err
	}
	h.stops = append(h.stops, stop)
	stop, err = h.dir.WatchMutes(ctx, func(key string) { h.refreshPersonal(key, false) })
	if err != nil {
		return err
	}
	h.stops = append(h.stops, stop)
	return nil
}

// refreshPersonal reads the invitations (or the mutes) of the user key
// again, if they are here, and sends them to every connection of theirs.
func (h *Hub) refreshPersonal(key string, invitations bool) {
	h.mu.Lock()
	here := h.users[key] != nil
	h.mu.Unlock()
	if !here {
		return
	}
	ctx := context.Background()
	p, err := h.loadPersonal(ctx, key)
	if err != nil {
		h.opts.Logger.Error("invitations or mutes not read again", "user", key, "err", err)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	u := h.users[key]
	if u == nil {
		return
	}
	u.personal = p
	if invitations {
		u.send(encode(&chat.Invites{List: u.invitations()}))
	} else {
		u.send(encode(&chat.Mutes{Names: u.muteNames()}))
	}
}

// invitations is what the user is told of their invitations. Callers hold
// h.mu.
func (u *user) invitations() []chat.Invitation {
	list := make([]chat.Invitation, 0, len(u.personal.invites))
	for _, inv := range u.personal.invites {
		list = append(list, chat.Invitation{Conv: inv.Conv, Room: escape(inv.Room), By: escape(inv.By.Name)})
	}
	return list
}

// muteNames is what the user is told of whom they muted. Callers hold h.mu.
func (u *user) muteNames() []string {
	list := make([]string, 0, len(u.personal.mutes))
	for _, m := range u.personal.mutes {
		list = append(list, escape(m.Name))
	}
	return list
}

// sendBans sends s the ban list of every room u moderates that bans
// anyone. Callers hold h.mu.
func (h *Hub) sendBans(u *user, s Sink) {
	for _, c := range u.rooms() {
		if len(c.rules.Bans) > 0 && h.moderatesHere(u, c) {
			s.Send(encode(c.bansFrame()))
		}
	}
}

// moderatesHere is Moderates from what is cached: u is an admin or owns c.
// Callers hold h.mu.
func (h *Hub) moderatesHere(u *user, c *conv) bool {
	return c.kind == chat.KindRoom && (u.isAdmin() || (c.owner.Key != "" && c.owner.Key == u.key))
}

// bansFrame lists c's bans. Callers hold h.mu.
func (c *conv) bansFrame() *chat.Bans {
	f := &chat.Bans{Conv: c.id, Names: make([]string, 0, len(c.rules.Bans))}
	for _, m := range c.rules.Bans {
		f.Names = append(f.Names, escape(m.Name))
	}
	return f
}

// moderationDelivered brings this node in line with moderation entry e,
// appended by any node: the room's cached rules change, its local members
// get the room's new description (invite-only) or its moderators the new
// ban list, and a member removed or banned who is no longer subscribed
// gets the entry all the same, to know why the room went.
func (h *Hub) moderationDelivered(e chat.Entry) {
	subject := Member{Name: html.UnescapeString(e.Subject)}
	subject.Key = names.Key(subject.Name)
	c := h.conv(e.Conv)
	h.mu.Lock()
	defer h.mu.Unlock()
	if e.Kind == chat.EntryRemove || e.Kind == chat.EntryBan {
		if u := h.users[subject.Key]; u != nil && u.convs[e.Conv] == nil {
			u.send(encode(&e))
		}
	}
	if c == nil {
		return
	}
	switch e.Kind {
	case chat.EntryInviteOnly, chat.EntryRetention:
		if e.Kind == chat.EntryRetention {
			c.rules.RetainDays = e.Days
		} else {
			c.rules.InviteOnly = e.On
		}
		for _, u := range c.members {
			u.send(encode(&chat.Conv{ConvInfo: c.info(u)}))
		}
	case chat.EntryBan, chat.EntryUnban:
		c.rules.Bans = slices.DeleteFunc(slices.Clone(c.rules.Bans), func(m Member) bool { return m.Key == subject.Key })
		if e.Kind == chat.EntryBan {
			c.rules.Bans = append(c.rules.Bans, subject)
			slices.SortFunc(c.rules.Bans, func(a, b Member) int { return strings.Compare(a.Key, b.Key) })
		}
		frame := encode(c.bansFrame())
		for _, u := range c.members {
			if h.moderatesHere(u, c) {
				u.send(frame)
			}
		}
	}
}

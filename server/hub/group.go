package hub

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/markup"
)

// Group conversations (chat/group.go): private conversations of 3 to
// Options.GroupLimit people, with ids that start with chat.GroupPrefix.
//
// The group's record (ConvRecord) holds its members now and, for each
// member added later, the first sequence they may see (Since): the entry
// that says they were added. Every read of history a member asks for
// (Page, and so Resume) is clamped to it, as are replies (post) and
// search (server/search). Members are directory memberships like a
// room's, so the Directory's membership watch brings a change to every
// node: the one that holds a leaver's connections sends them Gone
// (applyMember), and every node that holds members refreshes its copy of
// the record (refreshGroup) and tells them the new member list.

// DefaultGroupLimit is Options.GroupLimit's default.
const DefaultGroupLimit = 16

// groupIDEncoding spells a group's random id.
var groupIDEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewGroup starts a group conversation of the user key and the users named
// with, named name (none when empty), and tells every member of it.
func (h *Hub) NewGroup(ctx context.Context, key, name string, with []string) (chat.ConvInfo, error) {
	clean, err := chat.CleanGroupName(name)
	if err != nil {
		return chat.ConvInfo{}, err
	}
	h.mu.Lock()
	u, err := h.userOf(key)
	var me Member
	if u != nil {
		me = Member{Key: u.key, Name: u.name}
	}
	h.mu.Unlock()
	if err != nil {
		return chat.ConvInfo{}, err
	}
	others, err := h.findUsers(ctx, with)
	if err != nil {
		return chat.ConvInfo{}, err
	}
	others = slices.DeleteFunc(others, func(m Member) bool { return m.Key == key })
	members := append([]Member{me}, others...)
	switch {
	case len(members) < 3:
		return chat.ConvInfo{}, chat.Errorf(chat.CodeGroupTooFew, "a group needs at least two other people; for one, open a private conversation")
	case len(members) > h.opts.GroupLimit:
		return chat.ConvInfo{}, chat.Errorf(chat.CodeGroupFull, "a group may have at most %d people; this one would have %d", h.opts.GroupLimit, len(members))
	}
	b := make([]byte, 10)
	rand.Read(b)
	id := chat.GroupPrefix + strings.ToLower(groupIDEncoding.EncodeToString(b))
	rec, err := h.dir.CreateConv(ctx, ConvRecord{ID: id, Kind: chat.KindPrivate, Name: clean, Members: members})
	h.missing.forget(id)
	if err != nil {
		return chat.ConvInfo{}, h.storageError("start the group", err)
	}
	if err := h.appendAdd(ctx, id, me.Name, others); err != nil {
		return chat.ConvInfo{}, err
	}
	for _, m := range rec.Members {
		if err := h.enterGroup(ctx, m.Key, id); err != nil {
			return chat.ConvInfo{}, err
		}
	}
	return h.infoFor(key, id), nil
}

// AddToGroup adds the users named names to group convID, which the user
// key is in. They see its history from the entry that says so on.
func (h *Hub) AddToGroup(ctx context.Context, key, convID string, names []string) error {
	u, c, err := h.member(ctx, key, convID)
	if err != nil {
		return err
	}
	if !chat.IsGroup(c.id) {
		return chat.Errorf(chat.CodeBadRequest, "only group conversations take new members; start a group instead")
	}
	h.mu.Lock()
	adder := u.name
	h.mu.Unlock()
	added, err := h.findUsers(ctx, names)
	if err != nil {
		return err
	}
	last, err := h.log.Last(ctx, c.id)
	if err != nil {
		return h.storageError("add to the group", err)
	}
	_, err = h.updateGroup(ctx, c.id, "add to the group", func(r *ConvRecord) error {
		if !slices.ContainsFunc(r.Members, func(m Member) bool { return m.Key == key }) {
			return h.refusal(ctx, c.id) // left meanwhile, on another device
		}
		var in []string
		for _, a := range added {
			if slices.ContainsFunc(r.Members, func(m Member) bool { return m.Key == a.Key }) {
				in = append(in, a.Name)
			}
		}
		if len(in) > 0 {
			return chat.Errorf(chat.CodeAlreadyMember, "%s %s in this conversation already", strings.Join(in, ", "), isAre(len(in)))
		}
		if n := len(r.Members) + len(added); n > h.opts.GroupLimit {
			return chat.Errorf(chat.CodeGroupFull, "a group may have at most %d people; this one would have %d", h.opts.GroupLimit, n)
		}
		if r.Since == nil {
			r.Since = make(map[string]uint64, len(added))
		}
		for _, a := range added {
			r.Members = append(r.Members, a)
			r.Since[a.Key] = last + 1
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := h.appendAdd(ctx, c.id, adder, added); err != nil {
		return err
	}
	for _, a := range added {
		if err := h.enterGroup(ctx, a.Key, c.id); err != nil {
			return err
		}
	}
	return nil
}

// updateGroup changes the record of group id by change (which may refuse
// with a chat error, returned as it is) and keeps the new one; doing says
// what failed when the directory does.
func (h *Hub) updateGroup(ctx context.Context, id, doing string, change func(*ConvRecord) error) (ConvRecord, error) {
	rec, err := h.dir.UpdateConv(ctx, id, change)
	var ce *chat.Error
	switch {
	case errors.As(err, &ce):
		return rec, err
	case err != nil:
		return rec, h.storageError(doing, err)
	}
	h.mu.Lock()
	h.records[rec.ID] = rec
	h.mu.Unlock()
	return rec, nil
}

// leaveGroup ends the user key's membership of group convID, the leave an
// entry of it. Callers checked that key is a local member.
func (h *Hub) leaveGroup(ctx context.Context, key, convID, name string) error {
	_, err := h.updateGroup(ctx, convID, "leave the conversation", func(r *ConvRecord) error {
		i := slices.IndexFunc(r.Members, func(m Member) bool { return m.Key == key })
		if i < 0 {
			return chat.Errorf(chat.CodeNotMember, "you are not in that conversation")
		}
		r.Members = slices.Delete(r.Members, i, i+1)
		delete(r.Since, key)
		return nil
	})
	if err != nil {
		return err
	}
	err = h.appendEvent(ctx, convID, chat.EntryLeave, name, "left")
	if _, setErr := h.dir.SetMember(ctx, key, convID, false); setErr != nil && err == nil {
		err = h.storageError("leave the conversation", setErr)
	}
	if applyErr := h.applyMember(ctx, key, convID, false); applyErr != nil && err == nil {
		err = h.storageError("leave the conversation", applyErr)
	}
	return err
}

// enterGroup makes the user key a member of group id, in the directory and
// here.
func (h *Hub) enterGroup(ctx context.Context, key, id string) error {
	if _, err := h.dir.SetMember(ctx, key, id, true); err != nil {
		return h.storageError("add to the group", err)
	}
	if err := h.applyMember(ctx, key, id, true); err != nil {
		return h.storageError("add to the group", err)
	}
	return nil
}

// appendAdd records in group id that who added the members added.
func (h *Hub) appendAdd(ctx context.Context, id, who string, added []Member) error {
	names := make([]string, len(added))
	for i, m := range added {
		names[i] = m.Name
	}
	list := strings.Join(names, ", ")
	_, err := h.log.Append(ctx, chat.Entry{Conv: id, Kind: chat.EntryAdd, From: escape(who), Subject: escape(list),
		HTML: markup.Event(who, "added "+list)})
	if err != nil {
		return h.storageError("record the addition", err)
	}
	return nil
}

// findUsers looks up the users named names, once each, or says which
// names nobody has.
func (h *Hub) findUsers(ctx context.Context, names []string) ([]Member, error) {
	var found []Member
	var unknown []string
	for _, n := range names {
		clean, err := chat.CleanName(n)
		if err != nil {
			return nil, err
		}
		u, err := h.findUser(ctx, clean)
		var ce *chat.Error
		switch {
		case errors.As(err, &ce) && ce.Code == chat.CodeNoSuchUser:
			unknown = append(unknown, clean)
			continue
		case err != nil:
			return nil, err
		}
		if !slices.ContainsFunc(found, func(m Member) bool { return m.Key == u.Key }) {
			found = append(found, Member{Key: u.Key, Name: u.Name})
		}
	}
	if len(unknown) > 0 {
		return nil, chat.Errorf(chat.CodeNoSuchUser, "nobody is called %s", strings.Join(unknown, ", "))
	}
	return found, nil
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

// refreshGroup reads group id's record and its members' read positions
// again, after a membership change made here or elsewhere, and tells its
// local members who is in it now, if that changed.
func (h *Hub) refreshGroup(ctx context.Context, id string) error {
	rec, err := h.dir.Conv(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	reads := make(map[string]uint64, len(rec.Members))
	for _, m := range rec.Members {
		if reads[m.Key], err = h.dir.Cursor(ctx, m.Key, id); err != nil {
			return err
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.records[id] = rec
	c := h.localConv(id)
	if c == nil {
		return nil
	}
	same := slices.Equal(c.pair, rec.Members) && c.name == rec.Name
	c.pair, c.name = rec.Members, rec.Name
	for key, seq := range reads {
		c.noteRead(key, seq)
	}
	if same {
		return nil // each member was told already (a group's members enter one by one)
	}
	for _, u := range c.members {
		u.send(encode(&chat.Conv{ConvInfo: c.info(u)}))
	}
	return nil
}

// groupInfo fills in what info says of group c as u sees it. Callers hold
// Hub.mu.
func (c *conv) groupInfo(u *user, info *chat.ConvInfo) {
	g := &chat.GroupInfo{Named: c.name != ""}
	var others []string
	for _, m := range c.pair {
		g.Members = append(g.Members, escape(m.Name))
		if m.Key == u.key {
			continue
		}
		others = append(others, m.Name)
		if seq := c.readBy[m.Key]; seq > 0 {
			if g.Reads == nil {
				g.Reads = make(map[string]uint64)
			}
			g.Reads[escape(m.Name)] = seq
		}
	}
	sort.Strings(g.Members)
	chat.SortNames(others)
	info.Name = escape(c.name)
	if c.name == "" {
		info.Name = escape(strings.Join(others, ", "))
	}
	info.Seen, info.Group = 0, g
}

// groupSince returns the first sequence of conversation id the user key
// may see: 0 (all of it) but in a group they were added to later. It
// reads the group's record from the directory, so that a member added or
// gone on another node a moment ago is clamped or refused here too.
func (h *Hub) groupSince(ctx context.Context, key, id string) (uint64, error) {
	if parent, root, ok := chat.ThreadOf(id); ok && chat.IsGroup(parent) {
		// A thread is read whole, if its root is at or after the floor.
		since, err := h.groupSince(ctx, key, parent)
		if err == nil && root < since {
			err = h.refusal(ctx, id)
		}
		return 0, err
	}
	if !chat.IsGroup(id) {
		return 0, nil
	}
	rec, err := h.dir.Conv(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return 0, h.refusal(ctx, id)
	}
	if err != nil {
		return 0, h.storageError("read the conversation", err)
	}
	if !slices.ContainsFunc(rec.Members, func(m Member) bool { return m.Key == key }) {
		return 0, h.refusal(ctx, id)
	}
	return rec.Since[key], nil
}

// clampQuery makes q ask for nothing before since (none when 0 or 1), and
// reports whether nothing is left to ask for.
func clampQuery(q chat.History, since uint64) (chat.History, bool) {
	if since <= 1 {
		return q, false
	}
	if q.Before != 0 && q.Before <= since {
		return q, true
	}
	if q.After != 0 && q.After < since-1 {
		q.After = since - 1
	}
	return q, false
}

// clampPage drops from p what precedes since: entries, and actions upon
// them.
func clampPage(p *chat.Page, since uint64) {
	if since <= 1 {
		return
	}
	p.Entries = slices.DeleteFunc(p.Entries, func(e chat.Entry) bool {
		return e.Seq < since || (e.Target != 0 && e.Target < since)
	})
	p.First = max(p.First, since)
}

// visible answers no_such_message for a message of conversation id that
// the user key may not see (before they were added to the group).
func (h *Hub) visible(ctx context.Context, key, id string, seq uint64) error {
	since, err := h.groupSince(ctx, key, id)
	if err != nil {
		return err
	}
	if seq < since {
		return chat.Errorf(chat.CodeNoSuchMessage, "there is no message %d in this conversation (or it is no longer held)", seq)
	}
	return nil
}

// RenameGroup gives group convID, which the user key is in, the name name
// (none when empty: it is then shown by its members' names), says so in an
// entry, and tells every member on every node: each node reads the record
// again when the entry reaches it (groupRenamed).
func (h *Hub) RenameGroup(ctx context.Context, key, convID, name string) error {
	clean, err := chat.CleanGroupName(name)
	if err != nil {
		return err
	}
	u, c, err := h.member(ctx, key, convID)
	if err != nil {
		return err
	}
	if !chat.IsGroup(c.id) {
		return chat.Errorf(chat.CodeBadRequest, "only group conversations can be renamed")
	}
	h.mu.Lock()
	who := u.name
	h.mu.Unlock()
	if _, err := h.updateGroup(ctx, c.id, "rename the group", func(r *ConvRecord) error {
		if !slices.ContainsFunc(r.Members, func(m Member) bool { return m.Key == key }) {
			return h.refusal(ctx, c.id) // left meanwhile, on another device
		}
		r.Name = clean
		return nil
	}); err != nil {
		return err
	}
	what := "named the group " + clean
	if clean == "" {
		what = "took the group's name away"
	}
	if _, err := h.log.Append(ctx, chat.Entry{Conv: c.id, Kind: chat.EntryRename, From: escape(who), Subject: escape(clean),
		HTML: markup.Event(who, what)}); err != nil {
		return h.storageError("record the new name", err)
	}
	return h.refreshGroup(ctx, c.id)
}

// groupRenamed reads group e.Conv's record again when an entry that
// renamed it reaches this node (from the log's watch, whichever node
// renamed it), and tells its local members its new name.
func (h *Hub) groupRenamed(e chat.Entry) {
	if e.Kind != chat.EntryRename || !chat.IsGroup(e.Conv) || h.localConv(e.Conv) == nil {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := h.refreshGroup(ctx, e.Conv); err != nil {
			h.opts.Logger.Warn("group not refreshed after a rename", "conv", e.Conv, "err", err)
		}
	}()
}

// GroupLimit is the most people a group conversation may have here
// (Options.GroupLimit).
func (h *Hub) GroupLimit() int { return h.opts.GroupLimit }

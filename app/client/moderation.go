package client

import (
	"html"
	"slices"
	"strconv"

	"github.com/founding/chat/app/chat"
)

// Moderation is what the client knows of room moderation and of whom the
// user muted (chat/moderation.go): the lists the server sends, the
// rooms the user was removed or banned from, and which muted messages the
// user chose to see. The Model holds one; Apply keeps it.
type Moderation struct {
	Muted    []string            // names the user muted (unescaped), on every device
	Invites  []chat.Invitation   // invitations held (escaped, as sent)
	Bans     map[string][]string // room id -> banned names (unescaped), for the rooms the user moderates
	Removals []Removal           // rooms the user was removed or banned from, until dismissed

	revealed  map[string]bool   // "conv seq" of muted messages shown on request
	goneNames map[string]string // room id -> name, of rooms gone lately
}

// Removal says that By removed (or banned) the user from room Room (Conv).
type Removal struct {
	Conv, Room, By string // unescaped
	Banned         bool
}

// moderate applies what f says of moderation and mutes. It runs before the
// rest of Apply, so that a room about to go is still there.
func (m *Model) moderate(f chat.Frame) {
	d := &m.Moderation
	switch f := f.(type) {
	case *chat.Welcome:
		if !f.NeedName {
			d.Muted, d.Invites = unescapeAll(f.Mutes), f.Invites
		}
	case *chat.Mutes:
		d.Muted = unescapeAll(f.Names)
	case *chat.Invites:
		d.Invites = f.List
	case *chat.Bans:
		if d.Bans == nil {
			d.Bans = make(map[string][]string)
		}
		d.Bans[f.Conv] = unescapeAll(f.Names)
	case *chat.Gone:
		if c := m.Convs[f.Conv]; c != nil {
			if d.goneNames == nil {
				d.goneNames = make(map[string]string)
			}
			d.goneNames[f.Conv] = c.Name
		}
	case *chat.Entry:
		m.removedMe(f)
	}
}

// removedMe notes a removal or a ban of the user.
func (m *Model) removedMe(e *chat.Entry) {
	if e.Kind != chat.EntryRemove && e.Kind != chat.EntryBan || html.UnescapeString(e.Subject) != m.Me {
		return
	}
	d := &m.Moderation
	if slices.ContainsFunc(d.Removals, func(r Removal) bool { return r.Conv == e.Conv && r.Banned == (e.Kind == chat.EntryBan) }) {
		return // the same news again (a second device, a replay)
	}
	room := d.goneNames[e.Conv]
	if c := m.Convs[e.Conv]; c != nil {
		room = c.Name
	}
	d.Removals = append(d.Removals, Removal{Conv: e.Conv, Room: room, By: html.UnescapeString(e.From), Banned: e.Kind == chat.EntryBan})
}

// DismissRemoval forgets the news of a removal from room conv.
func (m *Model) DismissRemoval(conv string) {
	m.Moderation.Removals = slices.DeleteFunc(m.Moderation.Removals, func(r Removal) bool { return r.Conv == conv })
}

// DropInvite forgets the invitation to room conv at once, before the
// server's new list confirms it (a Join or a Decline sent).
func (m *Model) DropInvite(conv string) {
	m.Moderation.Invites = slices.DeleteFunc(slices.Clone(m.Moderation.Invites), func(inv chat.Invitation) bool { return inv.Conv == conv })
}

// IsMuted reports whether the user muted name (as shown, unescaped).
func (m *Model) IsMuted(name string) bool { return slices.Contains(m.Moderation.Muted, name) }

// HiddenFromMuted reports whether entry e is a message of someone the user
// muted that the user has not chosen to see.
func (m *Model) HiddenFromMuted(e chat.Entry) bool {
	if e.Kind != chat.EntryMessage || len(m.Moderation.Muted) == 0 || m.Moderation.revealed[revealKey(e.Conv, e.Seq)] {
		return false
	}
	return m.IsMuted(html.UnescapeString(e.From))
}

// Reveal shows the muted messages seqs of conversation conv.
func (m *Model) Reveal(conv string, seqs []uint64) {
	if m.Moderation.revealed == nil {
		m.Moderation.revealed = make(map[string]bool)
	}
	for _, seq := range seqs {
		m.Moderation.revealed[revealKey(conv, seq)] = true
	}
}

func revealKey(conv string, seq uint64) string { return conv + " " + strconv.FormatUint(seq, 10) }

package memory

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/founding/chat/server/hub"
)

// moderation is the memory Directory's hub.Moderation: rooms' rules,
// invitations and mutes. Watchers are called after unlocking.
type moderation struct {
	mu          sync.Mutex
	rules       map[string]hub.RoomRules             // conv -> rules
	invitations map[string]map[string]hub.Invitation // user -> conv -> invitation
	mutes       map[string]map[string]hub.Member     // user -> muted key -> muted
	onInvite    []func(string)
	onMute      []func(string)
}

func newModeration() moderation {
	return moderation{
		rules:       make(map[string]hub.RoomRules),
		invitations: make(map[string]map[string]hub.Invitation),
		mutes:       make(map[string]map[string]hub.Member),
	}
}

// Rules returns the rules of room conv.
func (d *Directory) Rules(_ context.Context, conv string) (hub.RoomRules, error) {
	d.mod.mu.Lock()
	defer d.mod.mu.Unlock()
	r := d.mod.rules[conv]
	r.Bans = slices.Clone(r.Bans)
	return r, nil
}

// SetInviteOnly makes room conv invite-only or open.
func (d *Directory) SetInviteOnly(_ context.Context, conv string, on bool) (bool, error) {
	d.mod.mu.Lock()
	defer d.mod.mu.Unlock()
	r := d.mod.rules[conv]
	if r.InviteOnly == on {
		return false, nil
	}
	r.InviteOnly = on
	d.mod.rules[conv] = r
	return true, nil
}

// SetRetention sets room conv's retention policy.
func (d *Directory) SetRetention(_ context.Context, conv string, days int) (bool, error) {
	d.mod.mu.Lock()
	defer d.mod.mu.Unlock()
	r := d.mod.rules[conv]
	if r.RetainDays == days {
		return false, nil
	}
	r.RetainDays = days
	d.mod.rules[conv] = r
	return true, nil
}

// SetBan bans m from room conv or lifts the ban.
func (d *Directory) SetBan(_ context.Context, conv string, m hub.Member, banned bool) (bool, error) {
	d.mod.mu.Lock()
	defer d.mod.mu.Unlock()
	r := d.mod.rules[conv]
	i, found := slices.BinarySearchFunc(r.Bans, m.Key, func(b hub.Member, key string) int { return strings.Compare(b.Key, key) })
	switch {
	case found == banned:
		return false, nil
	case banned:
		r.Bans = slices.Insert(slices.Clone(r.Bans), i, m)
	default:
		r.Bans = slices.Delete(slices.Clone(r.Bans), i, i+1)
	}
	d.mod.rules[conv] = r
	return true, nil
}

// Invite records inv for user.
func (d *Directory) Invite(_ context.Context, user string, inv hub.Invitation) error {
	d.mod.mu.Lock()
	held := d.mod.invitations[user]
	if held == nil {
		held = make(map[string]hub.Invitation)
		d.mod.invitations[user] = held
	}
	held[inv.Conv] = inv
	watchers := d.mod.onInvite
	d.mod.mu.Unlock()
	for _, w := range watchers {
		w(user)
	}
	return nil
}

// DropInvitation removes user's invitation to conv.
func (d *Directory) DropInvitation(_ context.Context, user, conv string) (bool, error) {
	d.mod.mu.Lock()
	_, ok := d.mod.invitations[user][conv]
	delete(d.mod.invitations[user], conv)
	watchers := d.mod.onInvite
	d.mod.mu.Unlock()
	if ok {
		for _, w := range watchers {
			w(user)
		}
	}
	return ok, nil
}

// Invitations lists user's invitations, sorted by conversation.
func (d *Directory) Invitations(_ context.Context, user string) ([]hub.Invitation, error) {
	d.mod.mu.Lock()
	defer d.mod.mu.Unlock()
	return sortedValues(d.mod.invitations[user], func(inv hub.Invitation) string { return inv.Conv }), nil
}

// SetMute records that user muted m, or no longer does.
func (d *Directory) SetMute(_ context.Context, user string, m hub.Member, muted bool) (bool, error) {
	d.mod.mu.Lock()
	held := d.mod.mutes[user]
	if held == nil {
		held = make(map[string]hub.Member)
		d.mod.mutes[user] = held
	}
	_, was := held[m.Key]
	if muted {
		held[m.Key] = m
	} else {
		delete(held, m.Key)
	}
	watchers := d.mod.onMute
	d.mod.mu.Unlock()
	if was == muted {
		return false, nil
	}
	for _, w := range watchers {
		w(user)
	}
	return true, nil
}

// Mutes lists whom user muted, sorted by key.
func (d *Directory) Mutes(_ context.Context, user string) ([]hub.Member, error) {
	d.mod.mu.Lock()
	defer d.mod.mu.Unlock()
	return sortedValues(d.mod.mutes[user], func(m hub.Member) string { return m.Key }), nil
}

// sortedValues returns the values of m sorted by key(v), never nil.
func sortedValues[V any](m map[string]V, key func(V) string) []V {
	list := make([]V, 0, len(m))
	for _, v := range m {
		list = append(list, v)
	}
	slices.SortFunc(list, func(a, b V) int { return strings.Compare(key(a), key(b)) })
	return list
}

// WatchInvitations calls fn for every later change of a user's invitations.
func (d *Directory) WatchInvitations(_ context.Context, fn func(string)) (func(), error) {
	d.mod.mu.Lock()
	d.mod.onInvite = append(d.mod.onInvite, fn)
	d.mod.mu.Unlock()
	return func() {}, nil
}

// WatchMutes calls fn for every later change of a user's mutes.
func (d *Directory) WatchMutes(_ context.Context, fn func(string)) (func(), error) {
	d.mod.mu.Lock()
	d.mod.onMute = append(d.mod.onMute, fn)
	d.mod.mu.Unlock()
	return func() {}, nil
}

package jetstream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/founding/chat/server/hub"
)

// Buckets of the Directory's hub.Moderation.
const (
	rulesBucket       = "rules"       // <conv> -> rulesValue, JSON
	invitationsBucket = "invitations" // <user>.<conv> -> invitationValue, JSON
	mutesBucket       = "mutes"       // <user>.<muted> -> the muted user's name
)

// rulesValue is a room's rules as chat_rules stores them: one value per
// room, changed by compare-and-set.
type rulesValue struct {
	InviteOnly bool          `json:"invite_only,omitempty"`
	Bans       []memberValue `json:"bans,omitempty"` // sorted by key
	RetainDays int           `json:"retain_days,omitempty"`
}

// invitationValue is an invitation as chat_invitations stores it.
type invitationValue struct {
	Room string      `json:"room"`
	By   memberValue `json:"by"`
}

// openModeration opens the buckets of the moderation.
func (d *Directory) openModeration(ctx context.Context, js jetstream.JetStream, replicas int) error {
	for _, b := range []struct {
		kv                *jetstream.KeyValue
		name, description string
	}{
		{&d.rules, rulesBucket, "rooms' rules: invite-only, bans"},
		{&d.invitations, invitationsBucket, "invitations to invite-only rooms"},
		{&d.mutes, mutesBucket, "whom each user muted"},
	} {
		kv, err := openBucket(ctx, js, b.name, b.description, replicas)
		if err != nil {
			return err
		}
		*b.kv = kv
	}
	return nil
}

// Rules returns the rules of room conv.
func (d *Directory) Rules(ctx context.Context, conv string) (hub.RoomRules, error) {
	v, _, err := d.readRules(ctx, conv)
	if err != nil {
		return hub.RoomRules{}, err
	}
	r := hub.RoomRules{InviteOnly: v.InviteOnly, RetainDays: v.RetainDays}
	for _, m := range v.Bans {
		r.Bans = append(r.Bans, hub.Member(m))
	}
	return r, nil
}

// readRules returns conv's rules and their revision, 0 when none are
// stored.
func (d *Directory) readRules(ctx context.Context, conv string) (rulesValue, uint64, error) {
	var v rulesValue
	e, err := d.rules.Get(ctx, token(conv))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return v, 0, nil
	}
	if err != nil {
		return v, 0, err
	}
	if err := json.Unmarshal(e.Value(), &v); err != nil {
		return v, 0, fmt.Errorf("jetstream: rules of %q: %w", conv, err)
	}
	return v, e.Revision(), nil
}

// changeRules applies change to conv's rules by compare-and-set, trying
// again when another process changed them meanwhile; change reports
// whether it changed anything.
func (d *Directory) changeRules(ctx context.Context, conv string, change func(*rulesValue) bool) (bool, error) {
	for attempt := 0; attempt < 8; attempt++ {
		v, rev, err := d.readRules(ctx, conv)
		if err != nil {
			return false, err
		}
		if !change(&v) {
			return false, nil
		}
		data, err := json.Marshal(v)
		if err != nil {
			return false, err
		}
		if rev == 0 {
			_, err = d.rules.Create(ctx, token(conv), data)
		} else {
			_, err = d.rules.Update(ctx, token(conv), data, rev)
		}
		if err == nil {
			return true, nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) && !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			return false, err
		}
	}
	return false, errors.New("jetstream: the room's rules kept changing")
}

// SetInviteOnly makes room conv invite-only or open.
func (d *Directory) SetInviteOnly(ctx context.Context, conv string, on bool) (bool, error) {
	return d.changeRules(ctx, conv, func(v *rulesValue) bool {
		if v.InviteOnly == on {
			return false
		}
		v.InviteOnly = on
		return true
	})
}

// SetRetention sets room conv's retention policy.
func (d *Directory) SetRetention(ctx context.Context, conv string, days int) (bool, error) {
	return d.changeRules(ctx, conv, func(v *rulesValue) bool {
		if v.RetainDays == days {
			return false
		}
		v.RetainDays = days
		return true
	})
}

// SetBan bans m from room conv or lifts the ban.
func (d *Directory) SetBan(ctx context.Context, conv string, m hub.Member, banned bool) (bool, error) {
	return d.changeRules(ctx, conv, func(v *rulesValue) bool {
		i, found := slices.BinarySearchFunc(v.Bans, m.Key, func(b memberValue, key string) int { return strings.Compare(b.Key, key) })
		switch {
		case found == banned:
			return false
		case banned:
			v.Bans = slices.Insert(v.Bans, i, memberValue(m))
		default:
			v.Bans = slices.Delete(v.Bans, i, i+1)
		}
		return true
	})
}

// Invite records inv for user.
func (d *Directory) Invite(ctx context.Context, user string, inv hub.Invitation) error {
	data, err := json.Marshal(invitationValue{Room: inv.Room, By: memberValue(inv.By)})
	if err != nil {
		return err
	}
	_, err = d.invitations.Put(ctx, pairKey(user, inv.Conv), data)
	return err
}

// DropInvitation removes user's invitation to conv.
func (d *Directory) DropInvitation(ctx context.Context, user, conv string) (bool, error) {
	return deletePair(ctx, d.invitations, pairKey(user, conv))
}

// deletePair deletes key from kv if it is there, and reports whether it
// was (and not deleted by someone else meanwhile).
func deletePair(ctx context.Context, kv jetstream.KeyValue, key string) (bool, error) {
	e, err := kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	err = kv.Delete(ctx, key, jetstream.LastRevision(e.Revision()))
	if errors.Is(err, jetstream.ErrKeyRevisionMismatch) || errors.Is(err, jetstream.ErrKeyExists) {
		return false, nil
	}
	return err == nil, err
}

// Invitations lists user's invitations, sorted by conversation.
func (d *Directory) Invitations(ctx context.Context, user string) ([]hub.Invitation, error) {
	values, err := d.latest(ctx, d.invitations, token(user)+".*")
	if err != nil {
		return nil, err
	}
	list := make([]hub.Invitation, 0, len(values))
	for key, data := range values {
		_, conv, ok := splitPair(key)
		var v invitationValue
		if !ok || json.Unmarshal(data, &v) != nil {
			continue // not written by this package
		}
		list = append(list, hub.Invitation{Conv: conv, Room: v.Room, By: hub.Member(v.By)})
	}
	slices.SortFunc(list, func(a, b hub.Invitation) int { return strings.Compare(a.Conv, b.Conv) })
	return list, nil
}

// SetMute records that user muted m, or no longer does.
func (d *Directory) SetMute(ctx context.Context, user string, m hub.Member, muted bool) (bool, error) {
	key := pairKey(user, m.Key)
	if !muted {
		return deletePair(ctx, d.mutes, key)
	}
	_, err := d.mutes.Create(ctx, key, []byte(m.Name))
	if errors.Is(err, jetstream.ErrKeyExists) {
		return false, nil
	}
	return err == nil, err
}

// Mutes lists whom user muted, sorted by key.
func (d *Directory) Mutes(ctx context.Context, user string) ([]hub.Member, error) {
	values, err := d.latest(ctx, d.mutes, token(user)+".*")
	if err != nil {
		return nil, err
	}
	list := make([]hub.Member, 0, len(values))
	for key, name := range values {
		if _, muted, ok := splitPair(key); ok {
			list = append(list, hub.Member{Key: muted, Name: string(name)})
		}
	}
	slices.SortFunc(list, func(a, b hub.Member) int { return strings.Compare(a.Key, b.Key) })
	return list, nil
}

// WatchInvitations calls fn, from one goroutine, for every later change of
// a user's invitations made by any process.
func (d *Directory) WatchInvitations(ctx context.Context, fn func(string)) (func(), error) {
	return d.watchPairs(ctx, "invitations", d.invitations, func(user, _ string, _ jetstream.KeyValueEntry) { fn(user) }, false)
}

// WatchMutes calls fn, from one goroutine, for every later change of a
// user's mutes made by any process.
func (d *Directory) WatchMutes(ctx context.Context, fn func(string)) (func(), error) {
	return d.watchPairs(ctx, "mutes", d.mutes, func(user, _ string, _ jetstream.KeyValueEntry) { fn(user) }, false)
}

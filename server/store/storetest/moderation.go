package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/hub"
)

// TestModeration checks an empty hub.Directory's moderation: a room keeps
// its owner, the invite-only flag and bans change once each and are read
// back, invitations are kept per user and room and dropped once, mutes are
// kept per user, and changes of invitations and mutes are watched.
func TestModeration(t *testing.T, d hub.Directory) {
	t.Helper()
	ctx := context.Background()
	invited := make(chan string, 10)
	stop, err := d.WatchInvitations(ctx, func(user string) { invited <- user })
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	muted := make(chan string, 10)
	stopMutes, err := d.WatchMutes(ctx, func(user string) { muted <- user })
	if err != nil {
		t.Fatal(err)
	}
	defer stopMutes()

	ann, bob, cy := hub.Member{Key: "ann", Name: "Ann"}, hub.Member{Key: "bob", Name: "Bob"}, hub.Member{Key: "cy", Name: "Cy"}
	room := hub.ConvRecord{ID: "r:den", Kind: chat.KindRoom, Name: "Den", Owner: ann}
	if _, err := d.CreateConv(ctx, room); err != nil {
		t.Fatal(err)
	}
	if got, err := d.Conv(ctx, room.ID); err != nil || got.Owner != ann {
		t.Fatalf("the room's owner = %+v, %v; want %+v", got.Owner, err, ann)
	}
	if got, err := d.Rules(ctx, room.ID); err != nil || !reflect.DeepEqual(got, hub.RoomRules{}) {
		t.Fatalf("rules of a new room = %+v, %v; want none", got, err)
	}

	for _, step := range []struct {
		on, change bool
	}{{true, true}, {true, false}, {false, true}, {false, false}, {true, true}} {
		if changed, err := d.SetInviteOnly(ctx, room.ID, step.on); err != nil || changed != step.change {
			t.Fatalf("SetInviteOnly(%v) = %v, %v; want %v", step.on, changed, err, step.change)
		}
	}
	for _, step := range []struct {
		who            hub.Member
		banned, change bool
	}{{cy, true, true}, {bob, true, true}, {bob, true, false}, {cy, false, true}, {cy, false, false}, {cy, true, true}} {
		if changed, err := d.SetBan(ctx, room.ID, step.who, step.banned); err != nil || changed != step.change {
			t.Fatalf("SetBan(%s, %v) = %v, %v; want %v", step.who.Key, step.banned, changed, err, step.change)
		}
	}
	rules, err := d.Rules(ctx, room.ID)
	want := hub.RoomRules{InviteOnly: true, Bans: []hub.Member{bob, cy}}
	if err != nil || !reflect.DeepEqual(rules, want) {
		t.Fatalf("rules = %+v, %v; want %+v", rules, err, want)
	}
	if !rules.Banned("bob") || rules.Banned("ann") {
		t.Fatalf("Banned: bob %v, ann %v", rules.Banned("bob"), rules.Banned("ann"))
	}
	if other, _ := d.Rules(ctx, "r:other"); other.InviteOnly || len(other.Bans) != 0 {
		t.Fatalf("another room has the first one's rules: %+v", other)
	}

	inv := hub.Invitation{Conv: room.ID, Room: "Den", By: ann}
	if err := d.Invite(ctx, "bob", inv); err != nil {
		t.Fatal(err)
	}
	wantUser(t, "invitation", invited, "bob")
	again := hub.Invitation{Conv: room.ID, Room: "Den", By: cy}
	if err := d.Invite(ctx, "bob", again); err != nil {
		t.Fatal(err)
	}
	wantUser(t, "invitation", invited, "bob")
	second := hub.Invitation{Conv: "r:attic", Room: "Attic", By: cy}
	if err := d.Invite(ctx, "bob", second); err != nil {
		t.Fatal(err)
	}
	wantUser(t, "invitation", invited, "bob")
	list, err := d.Invitations(ctx, "bob")
	if err != nil || !reflect.DeepEqual(list, []hub.Invitation{second, again}) {
		t.Fatalf("invitations = %+v, %v; want the second to each room, by room", list, err)
	}
	if none, _ := d.Invitations(ctx, "ann"); len(none) != 0 {
		t.Fatalf("ann holds bob's invitations: %+v", none)
	}
	if dropped, err := d.DropInvitation(ctx, "bob", room.ID); err != nil || !dropped {
		t.Fatalf("DropInvitation = %v, %v", dropped, err)
	}
	wantUser(t, "invitation", invited, "bob")
	if dropped, err := d.DropInvitation(ctx, "bob", room.ID); err != nil || dropped {
		t.Fatalf("DropInvitation again = %v, %v; want nothing dropped", dropped, err)
	}
	if list, _ := d.Invitations(ctx, "bob"); !reflect.DeepEqual(list, []hub.Invitation{second}) {
		t.Fatalf("invitations after dropping one = %+v", list)
	}

	for _, step := range []struct {
		who           hub.Member
		muted, change bool
	}{{cy, true, true}, {cy, true, false}, {bob, true, true}, {cy, false, true}, {cy, false, false}, {cy, true, true}} {
		changed, err := d.SetMute(ctx, "ann", step.who, step.muted)
		if err != nil || changed != step.change {
			t.Fatalf("SetMute(%s, %v) = %v, %v; want %v", step.who.Key, step.muted, changed, err, step.change)
		}
		if changed {
			wantUser(t, "mute", muted, "ann")
		}
	}
	if got, err := d.Mutes(ctx, "ann"); err != nil || !reflect.DeepEqual(got, []hub.Member{bob, cy}) {
		t.Fatalf("mutes = %+v, %v", got, err)
	}
	if got, _ := d.Mutes(ctx, "bob"); len(got) != 0 {
		t.Fatalf("bob has ann's mutes: %+v", got)
	}
}

// wantUser waits for a watch to report a change of user's.
func wantUser(t *testing.T, what string, ch <-chan string, user string) {
	t.Helper()
	select {
	case got := <-ch:
		if got != user {
			t.Fatalf("watched a change of %s's %s, want %s's", got, what, user)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("no change of %s was watched", what)
	}
}

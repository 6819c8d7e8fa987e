package client_test

import (
	"slices"
	"testing"

	"github.com/founding/chat/app/chat"
)

func TestModerationListsComeFromTheServer(t *testing.T) {
	m := named(t, roomInfo(lobby, "lobby", 0, 0))
	m.Apply(&chat.Welcome{Me: "ann", Mutes: []string{"B&amp;B"}, Invites: []chat.Invitation{{Conv: "r:den", Room: "den", By: "bob"}}})
	if !m.IsMuted("B&B") || len(m.Invites) != 1 {
		t.Fatalf("after the welcome: muted %v, invites %+v", m.Muted, m.Invites)
	}
	m.Apply(&chat.Mutes{Names: nil})
	if m.IsMuted("B&B") {
		t.Error("a mutes frame did not replace the list")
	}
	m.DropInvite("r:den")
	if len(m.Invites) != 0 {
		t.Errorf("invites after dropping the only one: %+v", m.Invites)
	}
	m.Apply(&chat.Bans{Conv: group, Names: []string{"cy"}})
	if !slices.Equal(m.Bans[group], []string{"cy"}) {
		t.Errorf("bans = %v", m.Bans)
	}
}

func TestRemovalOfTheUserIsNotedOnceWhicheverComesFirst(t *testing.T) {
	for _, tc := range []struct {
		name      string
		goneFirst bool
	}{{"entry first", false}, {"gone first", true}} {
		t.Run(tc.name, func(t *testing.T) {
			m := named(t, roomInfo(group, "group A", 1, 1))
			m.Apply(page(group, 1, 1, entries(group, 1, 1, "bob")))
			removal := &chat.Entry{Conv: group, Seq: 2, Kind: chat.EntryRemove, From: "bob", Subject: "ann"}
			frames := []chat.Frame{removal, &chat.Gone{Conv: group}, removal}
			if tc.goneFirst {
				frames = []chat.Frame{&chat.Gone{Conv: group}, removal, removal}
			}
			for _, f := range frames {
				m.Apply(f)
			}
			want := []string{"group A/bob"}
			var got []string
			for _, r := range m.Removals {
				got = append(got, r.Room+"/"+r.By)
			}
			if !slices.Equal(got, want) || m.Removals[0].Banned {
				t.Fatalf("removals = %+v, want one removal from group A by bob", m.Removals)
			}
			m.Apply(&chat.Entry{Conv: "r:other", Seq: 5, Kind: chat.EntryBan, From: "bob", Subject: "cy"})
			if len(m.Removals) != 1 {
				t.Errorf("someone else's ban was noted: %+v", m.Removals)
			}
			m.DismissRemoval(group)
			if len(m.Removals) != 0 {
				t.Errorf("after dismissing: %+v", m.Removals)
			}
		})
	}
}

func TestMutedMessagesAreHiddenUntilRevealed(t *testing.T) {
	m, c := ready(t, 3)
	m.Apply(&chat.Mutes{Names: []string{"bob"}})
	for _, e := range c.Entries {
		if !m.HiddenFromMuted(e) {
			t.Fatalf("bob's message %d is not hidden", e.Seq)
		}
	}
	join := chat.Entry{Conv: lobby, Seq: 9, Kind: chat.EntryJoin, From: "bob"}
	if m.HiddenFromMuted(join) {
		t.Error("an event of a muted person is hidden")
	}
	m.Reveal(lobby, []uint64{1, 2})
	if m.HiddenFromMuted(c.Entries[0]) || m.HiddenFromMuted(c.Entries[1]) || !m.HiddenFromMuted(c.Entries[2]) {
		t.Error("revealing 1 and 2 did not show exactly them")
	}
	m.Apply(&chat.Mutes{Names: nil})
	if m.HiddenFromMuted(c.Entries[2]) {
		t.Error("an unmuted person's message is hidden")
	}
}

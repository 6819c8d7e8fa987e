package hub_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/hub"
	"github.com/founding/chat/server/store/memory"
)

// typists returns the Typist frames r got after the first n frames.
func typists(t testing.TB, r *recorder, n int) []*chat.Typist {
	t.Helper()
	return framesOf[chat.Typist](r.since(t, n), nil)
}

func TestTypingReachesTheOtherMembersOnly(t *testing.T) {
	ctx := context.Background()
	h := newHub(t, hub.Options{})
	ann, annTab, bob, cid := connect(h, "<Ann>"), connect(h, "<Ann>"), connect(h, "bob"), connect(h, "cid")
	room, err := h.Join(ctx, key("<Ann>"), "den")
	mustNot(t, err)
	_, err = h.Join(ctx, key("bob"), "den")
	mustNot(t, err)
	before := map[*recorder]int{ann: ann.count(), annTab: annTab.count(), bob: bob.count(), cid: cid.count()}

	mustNot(t, h.Typing(ctx, key("<Ann>"), room.ID, true))
	got := typists(t, bob, before[bob])
	if len(got) != 1 || *got[0] != (chat.Typist{Conv: room.ID, User: "&lt;Ann&gt;", On: true}) {
		t.Fatalf("bob got %+v, want one escaped Typist of ann", got)
	}
	for _, r := range []*recorder{ann, annTab, cid} {
		if got := typists(t, r, before[r]); len(got) != 0 {
			t.Errorf("%s got %+v: the typer's own tabs and non-members get nothing", r.name, got)
		}
	}
	// Cid is not in the room: refused, and nobody hears of it.
	n := bob.count()
	wantCode(t, h.Typing(ctx, key("cid"), room.ID, true), chat.CodeNotMember)
	wantCode(t, h.Typing(ctx, key("cid"), "p:ann|bob", true), chat.CodeNoSuchConv)
	if got := typists(t, bob, n); len(got) != 0 {
		t.Errorf("bob heard a non-member type: %+v", got)
	}
	// Nothing was stored.
	p, err := h.Page(ctx, key("bob"), chat.History{Conv: room.ID})
	mustNot(t, err)
	for _, e := range p.Entries {
		if e.Kind != chat.EntryJoin {
			t.Errorf("the room holds a %s entry after typing", e.Kind)
		}
	}
}

func TestTypingDropsRepeatsAndEmptyStops(t *testing.T) {
	ctx := context.Background()
	h := newHub(t, hub.Options{})
	connect(h, "ann")
	bob := connect(h, "bob")
	n := bob.count()
	mustNot(t, h.Typing(ctx, key("ann"), hub.LobbyID, false)) // nothing to stop
	for range 20 {
		mustNot(t, h.Typing(ctx, key("ann"), hub.LobbyID, true)) // a flood: one goes through
	}
	mustNot(t, h.Typing(ctx, key("ann"), hub.LobbyID, false))
	mustNot(t, h.Typing(ctx, key("ann"), hub.LobbyID, false)) // stopped already
	got := typists(t, bob, n)
	if len(got) != 2 || !got[0].On || got[1].On {
		t.Fatalf("bob got %+v, want one start and one stop", got)
	}
	// After a stop, a new start goes through at once.
	mustNot(t, h.Typing(ctx, key("ann"), hub.LobbyID, true))
	if got := typists(t, bob, n); len(got) != 3 || !got[2].On {
		t.Errorf("bob got %+v, want a second start after the stop", got)
	}
}

func TestTypingIsNotRelayedInACrowdedRoom(t *testing.T) {
	ctx := context.Background()
	h := newHub(t, hub.Options{PresenceLimit: 3, PresenceGrace: time.Millisecond})
	var users []*recorder
	for i := range 4 {
		users = append(users, connect(h, fmt.Sprintf("u%d", i)))
	}
	n := users[1].count()
	mustNot(t, h.Typing(ctx, key("u0"), hub.LobbyID, true)) // 4 online, above the limit of 3
	if got := typists(t, users[1], n); len(got) != 0 {
		t.Fatalf("typing relayed in a crowded lobby: %+v", got)
	}
	// Private conversations are never crowded.
	info, err := h.Open(ctx, key("u0"), "u1")
	mustNot(t, err)
	n = users[1].count()
	mustNot(t, h.Typing(ctx, key("u0"), info.ID, true))
	if got := typists(t, users[1], n); len(got) != 1 || got[0].Conv != info.ID {
		t.Errorf("u1 got %+v in the private conversation", got)
	}
	// At the limit the room is not crowded (the rule of presence notices).
	h.Disconnect(users[3])
	eventually(t, 5*time.Second, func() bool { return !h.Online("u3") }, "u3 goes offline")
	n = users[1].count()
	mustNot(t, h.Typing(ctx, key("u0"), hub.LobbyID, true))
	if got := typists(t, users[1], n); len(got) != 1 || got[0].Conv != hub.LobbyID {
		t.Errorf("u1 got %+v in a lobby at the limit, want ann's signal", got)
	}
}

func TestTypingCrossesHubsSharingTyping(t *testing.T) {
	ctx := context.Background()
	log, dir, typing := memory.NewLog(), memory.NewDirectory(), memory.NewTyping()
	opts := hub.Options{Log: log, Directory: dir, Presence: memory.NewPresence(), Typing: typing}
	a, b := newHub(t, opts), newHub(t, opts)
	connect(a, "ann")
	annOnB := connect(b, "ann")
	bob := connect(b, "bob")
	n, own := bob.count(), annOnB.count()
	mustNot(t, a.Typing(ctx, key("ann"), hub.LobbyID, true))
	eventually(t, 5*time.Second, func() bool { return len(typists(t, bob, n)) == 1 }, "bob, on the other hub, hears ann type")
	mustNot(t, a.Typing(ctx, key("ann"), hub.LobbyID, false))
	eventually(t, 5*time.Second, func() bool {
		got := typists(t, bob, n)
		return len(got) == 2 && !got[1].On
	}, "bob hears ann stop")
	if got := typists(t, annOnB, own); len(got) != 0 {
		t.Errorf("ann's tab on the other hub got her own typing: %+v", got)
	}
}

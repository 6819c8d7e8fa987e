package hub_test

import (
	"context"
	"testing"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/hub"
	"github.com/founding/chat/server/store/memory"
)

// seens returns the Seen frames r got after the first n frames.
func seens(t testing.TB, r *recorder, n int) []*chat.Seen {
	t.Helper()
	return framesOf[chat.Seen](r.since(t, n), nil)
}

func TestSeenTellsTheOtherMemberOfAPrivateConversation(t *testing.T) {
	ctx := context.Background()
	h := newHub(t, hub.Options{})
	ann, bob, bobTab := connect(h, "ann"), connect(h, "bob"), connect(h, "bob")
	info, err := h.Open(ctx, key("ann"), "bob")
	mustNot(t, err)
	for i := range uint64(3) {
		post(t, h, "ann", info.ID, "hi", id("device-a", i+1))
	}
	n := map[*recorder]int{ann: ann.count(), bob: bob.count(), bobTab: bobTab.count()}
	mustNot(t, h.MarkRead(ctx, key("bob"), info.ID, 2))
	if got := seens(t, ann, n[ann]); len(got) != 1 || *got[0] != (chat.Seen{Conv: info.ID, Seq: 2}) {
		t.Fatalf("ann got %+v, want Seen 2", got)
	}
	for _, r := range []*recorder{bob, bobTab} {
		if got := seens(t, r, n[r]); len(got) != 0 {
			t.Errorf("the reader's own tab got %+v", got)
		}
	}
	// Unchanged or behind: nothing more.
	mustNot(t, h.MarkRead(ctx, key("bob"), info.ID, 2))
	mustNot(t, h.MarkRead(ctx, key("bob"), info.ID, 1))
	if got := seens(t, ann, n[ann]); len(got) != 1 {
		t.Errorf("ann got %d Seen frames, want 1", len(got))
	}
	// A new tab of ann's, and ann after a reconnect, have it in the Welcome.
	w := connect(h, "ann").frames(t)[0].(*chat.Welcome)
	if c := convOf(w, info.ID); c == nil || c.Seen != 2 {
		t.Errorf("ann's new tab sees %+v, want seen 2", c)
	}
	// Bob's own view of the conversation carries ann's position (none).
	if c := convOf(connect(h, "bob").frames(t)[0].(*chat.Welcome), info.ID); c == nil || c.Seen != 0 || c.Read != 2 {
		t.Errorf("bob's new tab sees %+v, want read 2 and seen 0", c)
	}
}

func TestRoomsHaveNoSeen(t *testing.T) {
	ctx := context.Background()
	h := newHub(t, hub.Options{})
	ann := connect(h, "ann")
	connect(h, "bob")
	post(t, h, "ann", hub.LobbyID, "hi", id("device-a", 1))
	n := ann.count()
	mustNot(t, h.MarkRead(ctx, key("bob"), hub.LobbyID, 1))
	if got := seens(t, ann, n); len(got) != 0 {
		t.Errorf("ann got %+v for the lobby", got)
	}
	if c := convOf(connect(h, "ann").frames(t)[0].(*chat.Welcome), hub.LobbyID); c == nil || c.Seen != 0 {
		t.Errorf("the lobby's info is %+v, want no seen", c)
	}
}

func TestSeenCrossesHubsAndSurvivesAReload(t *testing.T) {
	ctx := context.Background()
	log, dir := memory.NewLog(), memory.NewDirectory()
	anyone := func(_ context.Context, name string) (hub.User, error) {
		return hub.User{Key: key(name), Name: name}, nil
	}
	opts := hub.Options{Log: log, Directory: dir, Presence: memory.NewPresence(), FindUser: anyone}
	a, b := newHub(t, opts), newHub(t, opts)
	ann := connect(a, "ann")
	connect(b, "bob")
	info, err := a.Open(ctx, key("ann"), "bob")
	mustNot(t, err)
	post(t, a, "ann", info.ID, "one", id("device-a", 1))
	post(t, a, "ann", info.ID, "two", id("device-a", 2))
	// Bob's hub learns of the conversation and its last entry.
	eventually(t, 5*time.Second, func() bool { return b.MarkRead(ctx, key("bob"), info.ID, 2) == nil }, "bob's hub knows entry 2")
	eventually(t, 5*time.Second, func() bool {
		got := seens(t, ann, 0)
		return len(got) > 0 && got[len(got)-1].Seq == 2
	}, "ann, on the other hub, sees that bob read 2")
	// A hub that ann first connects to reads bob's position from the
	// directory.
	c := newHub(t, opts)
	if info := convOf(connect(c, "ann").frames(t)[0].(*chat.Welcome), info.ID); info == nil || info.Seen != 2 {
		t.Errorf("ann's Welcome on a third hub has %+v, want seen 2", info)
	}
}

// convOf returns the conversation id of w, or nil.
func convOf(w *chat.Welcome, id string) *chat.ConvInfo {
	for i := range w.Convs {
		if w.Convs[i].ID == id {
			return &w.Convs[i]
		}
	}
	return nil
}

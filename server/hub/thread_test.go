package hub_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/hub"
	"github.com/founding/chat/server/store/memory"
)

// TestThreadRepliesStayOutOfTheRoom: a reply in a thread is an entry of
// the thread's own conversation, not of the room; the root's summary in
// the room counts it, with its time and author; its author, the root's
// author and whom it mentions follow it; a thread of no message, or of a
// room one is not in, is refused.
func TestThreadRepliesStayOutOfTheRoom(t *testing.T) {
	ctx := context.Background()
	h := newHub(t, hub.Options{})
	ann, bob := connect(h, "Ann"), connect(h, "Bob")
	connect(h, "Cy")
	root := post(t, h, "Ann", hub.LobbyID, "shall we ship?", id("ann", 1))
	tid := chat.ThreadID(hub.LobbyID, root.Seq)

	r1, err := h.PostThread(ctx, key("Bob"), tid, "yes, @Cy agrees", 0, false, id("bob", 1))
	mustNot(t, err)
	if r1.Seq != 1 || r1.Conv != tid {
		t.Fatalf("the first reply's ack %+v, want seq 1 of %s", r1, tid)
	}
	again, err := h.PostThread(ctx, key("Bob"), tid, "yes, @Cy agrees", 0, false, id("bob", 1))
	mustNot(t, err)
	if again.Seq != r1.Seq {
		t.Fatalf("a resent reply got seq %d, want %d", again.Seq, r1.Seq)
	}
	if _, err := h.PostThread(ctx, key("Ann"), tid, "ok, shipping", 0, true, id("ann", 2)); err != nil {
		t.Fatal(err)
	}

	room := latest(t, h, "Cy", hub.LobbyID)
	var msgs []chat.Entry
	for _, e := range room {
		if e.Kind == chat.EntryMessage {
			msgs = append(msgs, e)
		}
	}
	if len(msgs) != 2 || msgs[1].Root != root.Seq || msgs[1].HTML == "" {
		t.Fatalf("the room's messages %+v: want the root and the reply sent to the room too", msgs)
	}
	got := entryAt(t, room, root.Seq).Thread
	if got == nil || got.Replies != 2 || len(got.Users) != 2 || got.Users[0] != "Bob" || got.Users[1] != "Ann" || got.Last == 0 {
		t.Fatalf("the root's summary %+v, want 2 replies by Bob then Ann (a resend counts once)", got)
	}
	thread := latest(t, h, "Cy", tid)
	if len(thread) != 2 || thread[0].Seq != 1 || thread[1].Seq != 2 {
		t.Fatalf("the thread's entries %+v, want its two replies as seq 1 and 2", thread)
	}

	// Who follows: the author (Bob), the root's author (Ann), the mentioned (Cy).
	for _, name := range []string{"Ann", "Bob", "Cy"} {
		infos, err := h.Conversations(key(name))
		mustNot(t, err)
		found := false
		for _, in := range infos {
			if in.ID == tid && in.Kind == chat.KindThread && in.Name == "shall we ship?" {
				found = true
			}
		}
		if !found {
			t.Errorf("%s does not follow %s: %+v", name, tid, infos)
		}
	}
	mustNot(t, h.Follow(ctx, key("Cy"), tid, false))
	if infos, _ := h.Conversations(key("Cy")); len(infos) != 1 {
		t.Errorf("Cy unfollowed but holds %+v", infos)
	}

	// The thread's entries reach the room's connections.
	if len(framesOf(bob.frames(t), func(e *chat.Entry) bool { return e.Conv == tid })) == 0 ||
		len(framesOf(ann.frames(t), func(e *chat.Entry) bool { return e.Conv == tid })) == 0 {
		t.Error("the thread's entries did not reach the room's connections")
	}

	// A deleted reply leaves the count; a deleted root keeps its thread.
	mustNot(t, errOf(h.Delete(ctx, key("Bob"), tid, r1.Seq, id("bob", 2))))
	mustNot(t, errOf(h.Delete(ctx, key("Ann"), hub.LobbyID, root.Seq, id("ann", 3))))
	r := entryAt(t, latest(t, h, "Bob", hub.LobbyID), root.Seq)
	if !r.Deleted || r.Thread == nil || r.Thread.Replies != 1 {
		t.Fatalf("the deleted root %+v, want deleted with 1 reply left", r)
	}
	if len(latest(t, h, "Bob", tid)) != 3 {
		t.Fatal("the thread of a deleted root is no longer readable")
	}
	if _, err := h.PostThread(ctx, key("Bob"), tid, "still here", 0, false, id("bob", 3)); err != nil {
		t.Fatal(err)
	}

	// Refusals: no such root, a room one is not in, a thread's thread.
	_, err = h.Page(ctx, key("Bob"), chat.History{Conv: chat.ThreadID(hub.LobbyID, 999)})
	wantCode(t, err, chat.CodeNoSuchConv)
	_, err = h.Join(ctx, key("Cy"), "attic")
	mustNot(t, err)
	attic := post(t, h, "Cy", "r:attic", "secret", id("cy", 1))
	_, err = h.PostThread(ctx, key("Bob"), chat.ThreadID("r:attic", attic.Seq), "let me in", 0, false, id("bob", 4))
	wantCode(t, err, chat.CodeNotMember)
	wantCode(t, h.Follow(ctx, key("Bob"), chat.ThreadID("r:attic", attic.Seq), true), chat.CodeNotMember)
	_, err = h.PostThread(ctx, key("Bob"), hub.LobbyID, "x", 0, true, id("bob", 5))
	wantCode(t, err, chat.CodeBadRequest)
}

// TestThreadReadPositionReachesEveryConnection: a followed thread's read
// position is kept like a conversation's and told to the user's other
// connections; leaving the room drops its threads.
func TestThreadReadPositionReachesEveryConnection(t *testing.T) {
	ctx := context.Background()
	h := newHub(t, hub.Options{})
	connect(h, "Ann")
	_, err := h.Join(ctx, key("Ann"), "den")
	mustNot(t, err)
	connect(h, "Bob")
	_, err = h.Join(ctx, key("Bob"), "den")
	mustNot(t, err)
	root := post(t, h, "Ann", "r:den", "root", id("ann", 1))
	tid := chat.ThreadID("r:den", root.Seq)
	mustNot(t, h.Follow(ctx, key("Ann"), tid, true))
	second := connect(h, "Ann")
	for i := range 3 {
		_, err := h.PostThread(ctx, key("Bob"), tid, "reply", 0, false, id("bob", uint64(i+1)))
		mustNot(t, err)
	}
	mustNot(t, h.MarkRead(ctx, key("Ann"), tid, 2))
	eventually(t, 10*time.Second, func() bool {
		return len(framesOf(second.frames(t), func(c *chat.Cursor) bool { return c.Conv == tid && c.Seq == 2 })) == 1
	}, "the thread's read position at Ann's other connection")
	infos, err := h.Conversations(key("Ann"))
	mustNot(t, err)
	for _, in := range infos {
		if in.ID == tid && (in.Read != 2 || in.Last != 3) {
			t.Fatalf("the thread as Ann sees it %+v, want read 2 of 3", in)
		}
	}
	mustNot(t, h.Leave(ctx, key("Ann"), "r:den"))
	eventually(t, 10*time.Second, func() bool {
		return len(framesOf(second.frames(t), func(g *chat.Gone) bool { return g.Conv == tid })) == 1
	}, "the thread gone with its room")
}

func errOf(_ chat.Ack, err error) error { return err }

// TestAnImportedReplyCountsOnceInItsThread: an imported reply goes to the
// thread of its root, whose summary counts it with its Slack time; an
// import that stopped after storing the reply but before its summary
// action gets the action when run again, and no run appends it twice.
func TestAnImportedReplyCountsOnceInItsThread(t *testing.T) {
	ctx := context.Background()
	log := memory.NewLog()
	h := newHub(t, hub.Options{Log: log})
	connect(h, "Ann")
	root := post(t, h, "Ann", hub.LobbyID, "shall we ship?", id("ann", 1))
	tid := chat.ThreadID(hub.LobbyID, root.Seq)
	reply := func(n uint64, sent int64) hub.Imported {
		return hub.Imported{Conv: hub.LobbyID, Root: root.Seq, From: "bob", Text: "yes", Sent: sent,
			Origin: hub.Origin{User: "slack.U2", ID: chat.MsgID{Device: "slack.C1", N: n}}}
	}
	summary := func() (*chat.ThreadSummary, int) {
		room := latest(t, h, "Ann", hub.LobbyID)
		p, err := h.Page(ctx, key("Ann"), chat.History{Conv: hub.LobbyID, After: 0, Limit: chat.MaxHistoryLimit})
		mustNot(t, err)
		actions := 0
		for _, e := range p.Entries {
			if e.Kind == chat.EntryThread {
				actions++
			}
		}
		return entryAt(t, room, root.Seq).Thread, actions
	}

	// A run stopped between the reply and its action: the reply alone.
	stored, _, err := log.AppendMessage(ctx, chat.Entry{Conv: tid, Kind: chat.EntryMessage, From: "bob", HTML: "yes", Sent: 5000}, reply(1000, 5000).Origin)
	mustNot(t, err)
	if th, n := summary(); th != nil || n != 0 {
		t.Fatalf("before the run again: summary %+v, %d actions", th, n)
	}
	for run := 1; run <= 2; run++ {
		ack, dup, err := h.Import(ctx, reply(1000, 5000))
		mustNot(t, err)
		if !dup || ack.Conv != tid || ack.Seq != stored.Seq {
			t.Fatalf("run %d: ack %+v dup %v, want the stored reply's", run, ack, dup)
		}
		if th, n := summary(); th == nil || th.Replies != 1 || th.Last != 5000 || n != 1 {
			t.Fatalf("run %d: summary %+v, %d actions; want 1 reply at 5000, one action", run, th, n)
		}
	}
	ack, dup, err := h.Import(ctx, reply(2000, 7000))
	mustNot(t, err)
	if dup || ack.Conv != tid || ack.Seq != 2 {
		t.Fatalf("a new reply: ack %+v dup %v", ack, dup)
	}
	if th, n := summary(); th == nil || th.Replies != 2 || th.Last != 7000 || n != 2 {
		t.Fatalf("after a new reply: summary %+v, %d actions", th, n)
	}
	if thread := latest(t, h, "Ann", tid); len(thread) != 2 || thread[1].Sent != 7000 {
		t.Fatalf("the thread holds %+v", thread)
	}
}

// TestThreadsOpenWhileTheTableIsRead: opening threads adds them to the
// conversation table while the roster ticker, Roster and String read it;
// under -race a reader holding only Hub.mu was caught here (CI, stop 36).
// Each opened thread is readable and empty.
func TestThreadsOpenWhileTheTableIsRead(t *testing.T) {
	ctx := context.Background()
	h := newHub(t, hub.Options{RosterInterval: time.Millisecond})
	connect(h, "Ann")
	const roots = 40
	seqs := make([]uint64, roots)
	for i := range seqs {
		seqs[i] = post(t, h, "Ann", hub.LobbyID, "root", id("ann", uint64(i+1))).Seq
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range roots {
			_ = h.String()
			if _, err := h.Roster(ctx, key("Ann"), hub.LobbyID); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for _, seq := range seqs {
		if got := latest(t, h, "Ann", chat.ThreadID(hub.LobbyID, seq)); len(got) != 0 {
			t.Fatalf("a new thread of %d holds %+v, want nothing", seq, got)
		}
	}
	<-done
}

// TestThreadsLeaveTheTableWithTheirRoom: a thread read here is in the
// conversation table while its room is, and goes with it when the room's
// last local member goes.
func TestThreadsLeaveTheTableWithTheirRoom(t *testing.T) {
	h := newHub(t, hub.Options{PresenceGrace: time.Millisecond})
	ann := connect(h, "Ann")
	root := post(t, h, "Ann", hub.LobbyID, "root", id("ann", 1))
	before := h.String()
	latest(t, h, "Ann", chat.ThreadID(hub.LobbyID, root.Seq))
	if after := h.String(); after == before {
		t.Fatalf("reading a thread left the table as it was: %s", after)
	}
	h.Disconnect(ann)
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(h.String(), " 0 conversations") {
		if time.Now().After(deadline) {
			t.Fatalf("after the last member went: %s, want no conversations", h.String())
		}
		time.Sleep(time.Millisecond)
	}
}

package server_test

import (
	"fmt"
	"testing"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
	"github.com/founding/chat/server/chattest"
	"github.com/founding/chat/server/hub"
)

// rootSummary returns the thread summary of message seq of conv as mc's
// window holds it.
func rootSummary(mc *chattest.ModelClient, conv string, seq uint64) *chat.ThreadSummary {
	for _, e := range mc.Entries(conv) {
		if e.Seq == seq {
			return e.Thread
		}
	}
	return nil
}

// unread returns the unread count of thread id in mc's Threads view, -1
// when it is not listed there.
func unread(mc *chattest.ModelClient, id string) int {
	for _, c := range mc.Model.Threads() {
		if c.Info.ID == id {
			return c.Unread
		}
	}
	return -1
}

// threadScene runs the threads' story on two tabs of ann's and one of
// bob's, each on any node: bob opens a thread on ann's message and
// replies, exactly once across a cut connection; the replies stay out of
// the lobby's timeline; ann's two tabs list the thread with the same
// unread count, kept at the server, which reading on one clears on the
// other; a tab that was offline resumes the thread without a gap.
func threadScene(t *testing.T, ann, ann2, bob *chattest.ModelClient) {
	t.Helper()
	for _, mc := range []*chattest.ModelClient{ann, ann2, bob} {
		mc.Until("the lobby", func() bool { return mc.Ready(hub.LobbyID) })
	}
	ann.Say(hub.LobbyID, "", "shall we ship on friday?")
	var root uint64
	bob.Until("ann's message", func() bool {
		for _, e := range bob.Entries(hub.LobbyID) {
			if e.Kind == chat.EntryMessage && e.From == "ann" {
				root = e.Seq
			}
		}
		return root != 0
	})
	tid := chat.ThreadID(hub.LobbyID, root)
	if err := bob.Session.OpenThread(hub.LobbyID, root); err != nil {
		t.Fatal(err)
	}
	bob.Until("the empty thread", func() bool { return bob.Ready(tid) })

	// The first reply is written, then the connection cut before its ack:
	// the next connection sends it again, and it is stored once.
	if _, err := bob.Session.ComposeInThread(tid, "yes, friday", false, nil, nil); err != nil {
		t.Fatal(err)
	}
	bob.Cut()
	bob.Until("the first reply stored", func() bool { return bob.Settled() && bob.Count(tid, "yes, friday") == 1 })
	for i := range 2 {
		if _, err := bob.Session.ComposeInThread(tid, fmt.Sprintf("reply %d", i+2), i == 1, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	bob.Until("three replies", func() bool { return bob.Settled() && len(bob.Entries(tid)) == 3 })

	// ann's tabs: the root counts 3 replies by bob; only the reply also
	// sent to the room is in the lobby; the thread is followed (ann wrote
	// its root) with 3 unread on both tabs.
	for _, mc := range []*chattest.ModelClient{ann, ann2} {
		// The copy in the room is appended after the summary's action.
		mc.Until("the summary, the unread count and the copy in the room", func() bool {
			s := rootSummary(mc, hub.LobbyID, root)
			return s != nil && s.Replies == 3 && len(s.Users) == 1 && s.Users[0] == "bob" && unread(mc, tid) == 3 &&
				mc.Count(hub.LobbyID, "reply 3") == 1
		})
		if mc.Count(hub.LobbyID, "yes, friday") != 0 || mc.Count(hub.LobbyID, "reply 2") != 0 {
			t.Errorf("%s's lobby holds the thread's replies: %+v", mc.Name, mc.Entries(hub.LobbyID))
		}
	}
	if c := bob.Model.Convs[tid]; c == nil || !c.Followed {
		t.Error("bob replied but does not follow the thread")
	}

	// ann reads the thread on one tab; the other follows.
	if err := ann.Session.OpenThread(hub.LobbyID, root); err != nil {
		t.Fatal(err)
	}
	ann.Until("the thread", func() bool { return ann.Ready(tid) && len(ann.Entries(tid)) == 3 })
	if f := ann.Model.MarkRead(tid); f == nil || !ann.Send(f) {
		t.Fatal("the thread's read position was not sent")
	}
	ann2.Until("the thread read elsewhere", func() bool { return unread(ann2, tid) == 0 })

	// ann's second tab is offline while bob replies twice: it resumes
	// the thread with both, no gap, no duplicate.
	ann2.Disconnect()
	ann2.Until("offline", func() bool { return ann2.State == client.Offline })
	for i := range 2 {
		bob.Say(tid, "", fmt.Sprintf("later %d", i+1))
	}
	bob.Until("stored", func() bool { return bob.Settled() && len(bob.Entries(tid)) == 5 })
	ann2.Conn.Reconnect()
	ann2.Until("resumed", func() bool { return unread(ann2, tid) == 2 && ann2.Model.Behind(tid) == 0 })
	if err := ann2.Session.OpenThread(hub.LobbyID, root); err != nil {
		t.Fatal(err)
	}
	ann2.Until("the thread complete", func() bool { return ann2.Count(tid, "later 2") == 1 && len(ann2.Entries(tid)) == 5 })
	if err := ann2.CheckWindow(tid); err != nil {
		t.Error(err)
	}
	if ann2.Count(tid, "yes, friday") != 1 {
		t.Errorf("the cut reply is there %d times", ann2.Count(tid, "yes, friday"))
	}
}

// TestThreadsThroughTheClient runs the threads' story on one node.
func TestThreadsThroughTheClient(t *testing.T) {
	s := chattest.New(t, faultOptions())
	ann := s.ModelClient(t, "ann", nil)
	bob := s.ModelClient(t, "bob", nil)
	ann.Until("named", func() bool { return ann.Ready(hub.LobbyID) })
	threadScene(t, ann, s.ModelClient(t, "", ann.Jar), bob)
}

// TestThreadsAcrossNodes runs it with each tab on another node of a
// three-server NATS cluster: ann's two tabs on two nodes, bob on a third.
func TestThreadsAcrossNodes(t *testing.T) {
	_, urls := chattest.NATSCluster(t, t.TempDir(), 3)
	var nodes []*chattest.Server
	for i := range 3 {
		s, _ := startNode(t, []string{urls[i]}, 3, nil)
		nodes = append(nodes, s)
	}
	ann := nodes[0].ModelClient(t, "ann", nil)
	ann.Until("named", func() bool { return ann.Ready(hub.LobbyID) })
	ann2 := chattest.NewModelClient(t, nodes[1].URL, chattest.ModelOptions{Jar: ann.Jar})
	bob := nodes[2].ModelClient(t, "bob", nil)
	threadScene(t, ann, ann2, bob)
}

// TestRootShowsPastItsThreadsActions: a thread of 300 replies leaves 300
// actions in the lobby after its root; a newcomer's first page of the
// lobby still holds the root, with its count, and no gap.
func TestRootShowsPastItsThreadsActions(t *testing.T) {
	const n = 300
	s, root, _ := bigThread(t, n)
	cy := s.ModelClient(t, "cy", nil)
	cy.Until("the root with its count in the first page", func() bool {
		sum := rootSummary(cy, hub.LobbyID, root)
		return cy.Ready(hub.LobbyID) && sum != nil && sum.Replies == n
	})
	if err := cy.CheckWindow(hub.LobbyID); err != nil {
		t.Error(err)
	}
}

// TestThreadFollowAndUnfollow: someone who only reads a thread follows it
// and then unfollows it; the thread stays open while it is, and the
// unread count goes with the following.
func TestThreadFollowAndUnfollow(t *testing.T) {
	s, root, tid := bigThread(t, 3)
	cy := s.ModelClient(t, "cy", nil)
	cy.Until("the lobby", func() bool { return cy.Ready(hub.LobbyID) })
	if err := cy.Session.OpenThread(hub.LobbyID, root); err != nil {
		t.Fatal(err)
	}
	cy.Until("the thread", func() bool { return cy.Ready(tid) && len(cy.Entries(tid)) == 3 })
	if unread(cy, tid) != -1 {
		t.Fatal("a thread only read is listed in Threads")
	}
	if err := cy.Session.Follow(tid, true); err != nil {
		t.Fatal(err)
	}
	cy.Until("followed", func() bool { c := cy.Model.Convs[tid]; return c != nil && c.Followed })
	// Read while open, as the page marks it (Shell.markThreadRead).
	if f := cy.Model.MarkRead(tid); f == nil || !cy.Send(f) {
		t.Fatal("the read position was not sent")
	}
	cy.Model.CloseThread()
	if cy.Model.Convs[tid] == nil {
		t.Fatal("a followed thread was forgotten when closed")
	}
	dan := s.ModelClient(t, "dan", nil)
	dan.Until("the lobby", func() bool { return dan.Ready(hub.LobbyID) })
	dan.Say(tid, "", "one more")
	cy.Until("an unread reply", func() bool { return unread(cy, tid) == 1 })

	if err := cy.Session.OpenThread(hub.LobbyID, root); err != nil {
		t.Fatal(err)
	}
	if err := cy.Session.Follow(tid, false); err != nil {
		t.Fatal(err)
	}
	cy.Until("unfollowed, still open", func() bool {
		c := cy.Model.Convs[tid]
		return unread(cy, tid) == -1 && c != nil && !c.Followed && cy.Model.Thread == tid
	})
	cy.Model.CloseThread()
	if cy.Model.Convs[tid] != nil {
		t.Error("an unfollowed thread is kept once closed")
	}
}

package client_test

import (
	"testing"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
)

// threadParent is the parent of the threads of these tests.
const threadParent = "r:lobby"

// TestThreadSavedAndRestored: a followed thread is saved and restored
// followed, with its unread count, listed in Threads and not with the
// conversations; its parent, whose last entries are the thread's actions,
// is not behind once restored, and resumes after them.
func TestThreadSavedAndRestored(t *testing.T) {
	t.Parallel()
	tid := chat.ThreadID(threadParent, 1)
	m := client.NewModel()
	m.Apply(&chat.Welcome{Me: "ann", Convs: []chat.ConvInfo{
		{ID: threadParent, Kind: chat.KindRoom, Name: "lobby", Last: 3},
		{ID: tid, Kind: chat.KindThread, Name: "cake?", Last: 2, Read: 1},
	}})
	m.Apply(&chat.Page{Conv: threadParent, First: 1, Last: 3, Entries: []chat.Entry{
		{Conv: threadParent, Seq: 1, Kind: chat.EntryMessage, From: "ann", HTML: "cake?"},
		{Conv: threadParent, Seq: 2, Kind: chat.EntryThread, From: "bob", Target: 1, On: true, Time: 5},
		{Conv: threadParent, Seq: 3, Kind: chat.EntryThread, From: "bob", Target: 1, On: true, Time: 6},
	}})
	m.Apply(&chat.Page{Conv: tid, First: 1, Last: 2, Entries: []chat.Entry{
		{Conv: tid, Seq: 1, Kind: chat.EntryMessage, From: "bob", HTML: "I do"},
		{Conv: tid, Seq: 2, Kind: chat.EntryMessage, From: "bob", HTML: "really"},
	}})
	if root, ok := m.Root(tid); !ok || root.Thread == nil || root.Thread.Replies != 2 {
		t.Fatalf("root %+v", root)
	}
	var saved []client.SavedConv
	for _, id := range []string{threadParent, tid} {
		sc, ok := m.SaveConv(id)
		if !ok {
			t.Fatalf("%s not saved", id)
		}
		saved = append(saved, sc)
	}

	r := client.NewModel()
	r.Restore(client.Saved{Me: "ann", Active: threadParent, Convs: saved})
	if n := r.Behind(threadParent); n != 0 {
		t.Errorf("the restored lobby is %d behind, want 0: its last entries were the thread's actions", n)
	}
	if list := r.Threads(); len(list) != 1 || list[0].Info.ID != tid || list[0].Unread != 1 || !list[0].Followed {
		t.Errorf("restored threads %+v", list)
	}
	for _, c := range r.Sorted() {
		if c.Info.ID == tid {
			t.Error("the thread is listed with the conversations")
		}
	}
	out := r.Apply(&chat.Welcome{Me: "ann", Convs: []chat.ConvInfo{
		{ID: threadParent, Kind: chat.KindRoom, Name: "lobby", Last: 3},
		{ID: tid, Kind: chat.KindThread, Name: "cake?", Last: 2, Read: 1},
	}})
	resume, ok := out[0].(*chat.Resume)
	if !ok || resume.Cursors[threadParent] != 3 || resume.Cursors[tid] != 2 {
		t.Fatalf("resume after restore = %+v", out[0])
	}
}

// TestOpenThreadClosesTheOther: opening a thread asks for its entries
// once; opening another forgets the first when not followed and keeps it
// when followed.
func TestOpenThreadClosesTheOther(t *testing.T) {
	t.Parallel()
	m := client.NewModel()
	m.Apply(&chat.Welcome{Me: "ann", Convs: []chat.ConvInfo{{ID: threadParent, Kind: chat.KindRoom, Name: "lobby", Last: 2}}})
	m.Apply(&chat.Page{Conv: threadParent, First: 1, Last: 2, Entries: []chat.Entry{
		{Conv: threadParent, Seq: 1, Kind: chat.EntryMessage, From: "ann", HTML: "one"},
		{Conv: threadParent, Seq: 2, Kind: chat.EntryMessage, From: "bob", HTML: "two"},
	}})
	one, two := chat.ThreadID(threadParent, 1), chat.ThreadID(threadParent, 2)
	if out := m.OpenThread(threadParent, 1); len(out) != 1 {
		t.Fatalf("opening asks %v, want its history", out)
	}
	if out := m.OpenThread(threadParent, 1); len(out) != 0 {
		t.Errorf("opening it again asks %v", out)
	}
	m.OpenThread(threadParent, 2)
	if m.Thread != two || m.Convs[one] != nil {
		t.Errorf("open %q, first still held: %v", m.Thread, m.Convs[one] != nil)
	}
	m.Apply(&chat.Conv{ConvInfo: chat.ConvInfo{ID: two, Kind: chat.KindThread, Name: "two"}})
	m.OpenThread(threadParent, 1)
	if c := m.Convs[two]; c == nil || !c.Followed {
		t.Error("a followed thread was forgotten when another opened")
	}
	if m.Threads()[0].Info.ID != two || len(m.Threads()) != 1 {
		t.Errorf("threads %v", m.Threads())
	}
}

package server_test

import (
	"strings"
	"testing"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/chattest"
)

// TestGroupThreadsHoldToTheFloor: a member added to a group later neither
// opens nor finds a thread whose root came before they were added; a
// thread started after that is theirs as any other.
func TestGroupThreadsHoldToTheFloor(t *testing.T) {
	s := chattest.New(t, fast())
	ann, dee := s.User(t, "ann"), s.User(t, "dee")
	s.User(t, "bob")
	s.User(t, "cid")
	ann.Send(&chat.NewGroup{With: []string{"bob", "cid"}})
	id := groupConv(ann, 3).ID
	say := func(n uint64, conv, text string) uint64 {
		t.Helper()
		ann.Send(&chat.Send{ID: msgID(n), Conv: conv, Text: text})
		return chattest.Expect(ann, func(a *chat.Ack) bool { return a.ID == msgID(n) }).Seq
	}
	old := say(1, id, "the old plan")
	say(2, chat.ThreadID(id, old), "papayas in the old thread")
	ann.Send(&chat.AddToGroup{Conv: id, Names: []string{"dee"}})
	groupConv(dee, 4)
	fresh := say(3, id, "the new plan")
	say(4, chat.ThreadID(id, fresh), "papayas in the new thread")

	dee.Send(&chat.History{Conv: chat.ThreadID(id, old)})
	groupError(dee, chat.TypeHistory, chat.CodeNoSuchConv)
	dee.Send(&chat.History{Conv: chat.ThreadID(id, fresh)})
	p := chattest.Expect(dee, func(p *chat.Page) bool { return p.Conv == chat.ThreadID(id, fresh) })
	if len(p.Entries) != 1 || !strings.Contains(p.Entries[0].HTML, "new thread") {
		t.Errorf("Dee's page of the new thread: %+v", p.Entries)
	}

	search := func(c *chattest.Client, n uint64) []chat.Hit {
		t.Helper()
		c.Send(&chat.Search{N: n, Q: "papayas"})
		return chattest.Expect(c, func(r *chat.Results) bool { return r.N == n }).Hits
	}
	if hits := search(ann, 1); len(hits) != 2 { // Ann follows both: indexed now
		t.Fatalf("Ann finds %d of the two threads' replies: %+v", len(hits), hits)
	}
	hits := search(dee, 2)
	if len(hits) != 1 || hits[0].Conv != chat.ThreadID(id, fresh) {
		t.Errorf("Dee finds %+v, want only the reply in the new thread", hits)
	}
}

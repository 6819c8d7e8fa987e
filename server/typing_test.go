package server_test

import (
	"testing"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/chattest"
	"github.com/founding/chat/server/hub"
)

// Integration tests of typing signals and "Seen": real servers on
// JetStream, real websocket clients.

// typistsBefore returns the Typist frames c got before the first frame
// that stop accepts (all of them when none does): what came ahead of a
// later frame sent on the same path.
func typistsBefore(c *chattest.Client, stop func(chat.Frame) bool) []chat.Typist {
	var out []chat.Typist
	for _, f := range c.Frames() {
		if stop(f) {
			break
		}
		if t, ok := f.(*chat.Typist); ok {
			out = append(out, *t)
		}
	}
	return out
}

// entryOf matches the entry whose HTML holds text.
func entryOf(text string) func(chat.Frame) bool {
	return func(f chat.Frame) bool {
		e, ok := f.(*chat.Entry)
		return ok && entryWith(text)(e)
	}
}

// TestTypingReachesMembersOnlyAndIsNotStored: Ann types in a room; Bob, a
// member, sees it, and then her stop; Cid, who is
// not in the room, sees nothing and is refused when he tries; Ann's own
// other tab gets nothing; the room's history has no trace of it.
func TestTypingReachesMembersOnlyAndIsNotStored(t *testing.T) {
	s := chattest.New(t, fast())
	ann, bob, cid := s.User(t, "Ann"), s.User(t, "bob"), s.User(t, "cid")
	annTab := s.Dial(t, ann.Jar)
	chattest.Expect(annTab, func(w *chat.Welcome) bool { return !w.NeedName })
	for _, c := range []*chattest.Client{ann, bob} {
		c.Send(&chat.Join{Room: "den"})
		chattest.Expect(c, func(f *chat.Conv) bool { return f.ID == "r:den" })
	}
	chattest.Expect(annTab, func(f *chat.Conv) bool { return f.ID == "r:den" })

	ann.Send(&chat.Typing{Conv: "r:den", On: true})
	got := chattest.Expect(bob, func(f *chat.Typist) bool { return f.Conv == "r:den" })
	if *got != (chat.Typist{Conv: "r:den", User: "Ann", On: true}) {
		t.Errorf("bob got %+v", got)
	}
	ann.Send(&chat.Typing{Conv: "r:den"})
	chattest.Expect(bob, func(f *chat.Typist) bool { return f.Conv == "r:den" && !f.On })

	cid.Send(&chat.Typing{Conv: "r:den", On: true})
	e := chattest.Expect(cid, func(e *chat.Error) bool { return e.Ref == chat.TypeTyping })
	if e.Code != chat.CodeNotMember {
		t.Errorf("cid typing in a room he is not in: %s %s, want not_member", e.Code, e.Message)
	}
	cid.Send(&chat.Typing{Conv: "p:nobody|else", On: true})
	chattest.Expect(cid, func(e *chat.Error) bool { return e.Ref == chat.TypeTyping && e.Code == chat.CodeNoSuchConv })

	// A message after the signals: whatever they reached came before it.
	ann.Send(&chat.Send{ID: msgID(1), Conv: "r:den", Text: "typed"})
	chattest.Expect(bob, entryWith("typed"))
	chattest.Expect(annTab, entryWith("typed"))
	if got := typistsBefore(annTab, entryOf("typed")); len(got) != 0 {
		t.Errorf("ann's other tab got her own typing: %+v", got)
	}
	ann.Send(&chat.Send{ID: msgID(2), Conv: hub.LobbyID, Text: "lobby"})
	chattest.Expect(cid, entryWith("lobby"))
	if got := typistsBefore(cid, entryOf("lobby")); len(got) != 0 {
		t.Errorf("cid, not in the room, got %+v", got)
	}

	bob.Send(&chat.History{Conv: "r:den"})
	p := chattest.Expect(bob, func(p *chat.Page) bool { return p.Conv == "r:den" })
	var kinds []chat.EntryKind
	for _, e := range p.Entries {
		kinds = append(kinds, e.Kind)
	}
	if len(p.Entries) != 3 || p.Last != 3 || p.Entries[2].Kind != chat.EntryMessage {
		t.Errorf("the room holds %v (last %d), want two joins and ann's message: typing stores nothing", kinds, p.Last)
	}
}

// TestTypingIsNotRelayedInACrowdedRoom: with more users online than the
// presence limit, the lobby relays no typing (the rule of its presence
// notices); a private conversation still does.
func TestTypingIsNotRelayedInACrowdedRoom(t *testing.T) {
	opts := fast()
	opts.PresenceLimit = 2
	s := chattest.New(t, opts)
	ann, bob := s.User(t, "ann"), s.User(t, "bob")
	cid := s.User(t, "cid") // three online: the lobby is crowded
	chattest.Expect(cid, func(r *chat.Roster) bool { return r.Conv == hub.LobbyID && r.Count == 3 })

	ann.Send(&chat.Typing{Conv: hub.LobbyID, On: true})
	ann.Send(&chat.Send{ID: msgID(1), Conv: hub.LobbyID, Text: "crowd"})
	chattest.Expect(bob, entryWith("crowd"))
	if got := typistsBefore(bob, entryOf("crowd")); len(got) != 0 {
		t.Errorf("typing relayed in a crowded lobby: %+v", got)
	}

	ann.Send(&chat.Open{With: "bob"})
	dm := chattest.Expect(ann, func(c *chat.Conv) bool { return c.Kind == chat.KindPrivate })
	chattest.Expect(bob, func(c *chat.Conv) bool { return c.ID == dm.ID })
	ann.Send(&chat.Typing{Conv: dm.ID, On: true})
	chattest.Expect(bob, func(f *chat.Typist) bool { return f.Conv == dm.ID && f.On && f.User == "ann" })
}

// TestTypingFloodIsRateLimited: a client sending typing frames as fast as
// it can is refused with rate_limited, and the others get at most one
// signal of it: none of it costs the log.
func TestTypingFloodIsRateLimited(t *testing.T) {
	s := chattest.New(t, fast())
	ann, bob := s.User(t, "ann"), s.User(t, "bob")
	for range 30 {
		ann.Send(&chat.Typing{Conv: hub.LobbyID, On: true})
	}
	e := chattest.Expect(ann, func(e *chat.Error) bool { return e.Ref == chat.TypeTyping })
	if e.Code != chat.CodeRateLimited {
		t.Errorf("a flood of typing: %s %s, want rate_limited", e.Code, e.Message)
	}
	ann.Send(&chat.Send{ID: msgID(1), Conv: hub.LobbyID, Text: "after the flood"})
	ack := chattest.Expect(ann, func(a *chat.Ack) bool { return a.ID == msgID(1) })
	chattest.Expect(bob, entryWith("after the flood"))
	if got := typistsBefore(bob, entryOf("after the flood")); len(got) != 1 {
		t.Errorf("bob got %d typing signals of a flood of 30, want 1", len(got))
	}
	if ack.Seq != 1 {
		t.Errorf("the message after the flood is entry %d of the lobby, want 1: typing took room in the log", ack.Seq)
	}
}

// TestSeenIsLiveAndInTheWelcome: in a private conversation, Bob reading
// reaches Ann as a Seen frame (not Bob's own tabs, which get their
// Cursor), and a new connection of Ann's has it in its conversation's
// info.
func TestSeenIsLiveAndInTheWelcome(t *testing.T) {
	s := chattest.New(t, fast())
	ann, bob := s.User(t, "ann"), s.User(t, "bob")
	ann.Send(&chat.Send{ID: msgID(1), To: "bob", Text: "one"})
	ann.Send(&chat.Send{ID: msgID(2), To: "bob", Text: "two"})
	two := chattest.Expect(bob, entryWith("two"))

	bob.Send(&chat.Read{Conv: two.Conv, Seq: two.Seq - 1})
	if got := chattest.Expect(ann, func(f *chat.Seen) bool { return f.Conv == two.Conv }); got.Seq != two.Seq-1 {
		t.Errorf("ann sees bob read %d, want %d", got.Seq, two.Seq-1)
	}
	bob.Send(&chat.Read{Conv: two.Conv, Seq: two.Seq})
	chattest.Expect(ann, func(f *chat.Seen) bool { return f.Conv == two.Conv && f.Seq == two.Seq })
	chattest.Expect(bob, func(f *chat.Cursor) bool { return f.Conv == two.Conv && f.Seq == two.Seq })
	for _, f := range bob.Frames() {
		if _, ok := f.(*chat.Seen); ok {
			t.Errorf("bob, the reader, got %+v", f)
		}
	}

	again := s.Dial(t, ann.Jar)
	w := chattest.Expect(again, func(w *chat.Welcome) bool { return !w.NeedName })
	for _, c := range w.Convs {
		if c.ID == two.Conv && c.Seen != two.Seq {
			t.Errorf("ann's new connection has %+v, want seen %d", c, two.Seq)
		}
		if c.Kind == chat.KindRoom && c.Seen != 0 {
			t.Errorf("a room has a seen position: %+v", c)
		}
	}
}

// TestTypingAndSeenCrossNodes: on a NATS cluster of three, Ann on one node
// and Bob on another: Bob sees Ann type and stop, and Ann sees Bob read
// her message, live.
func TestTypingAndSeenCrossNodes(t *testing.T) {
	_, urls := chattest.NATSCluster(t, t.TempDir(), 3)
	a, _ := startNode(t, []string{urls[0]}, 3, nil)
	b, _ := startNode(t, []string{urls[1]}, 3, nil)
	ann, bob := a.User(t, "ann"), b.User(t, "bob")

	ann.Send(&chat.Open{With: "bob"})
	dm := chattest.Expect(ann, func(c *chat.Conv) bool { return c.Kind == chat.KindPrivate })
	chattest.Expect(bob, func(c *chat.Conv) bool { return c.ID == dm.ID })
	ann.Send(&chat.Typing{Conv: dm.ID, On: true})
	chattest.Expect(bob, func(f *chat.Typist) bool { return f.Conv == dm.ID && f.User == "ann" && f.On })
	ann.Send(&chat.Typing{Conv: dm.ID})
	chattest.Expect(bob, func(f *chat.Typist) bool { return f.Conv == dm.ID && f.User == "ann" && !f.On })

	ann.Send(&chat.Send{ID: msgID(1), Conv: dm.ID, Text: "across"})
	e := chattest.Expect(bob, entryWith("across"))
	bob.Send(&chat.Read{Conv: dm.ID, Seq: e.Seq})
	chattest.Expect(ann, func(f *chat.Seen) bool { return f.Conv == dm.ID && f.Seq == e.Seq })
}

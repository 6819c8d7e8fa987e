package server_test

import (
	"strings"
	"testing"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
	"github.com/founding/chat/server/chattest"
	"github.com/founding/chat/server/hub"
)

// Integration tests of replies, edits, deletes and reactions: real servers
// on JetStream, real websocket clients, the real client Model.

func actID(device string, n uint64) chat.MsgID {
	return chat.MsgID{Device: "act-device-" + device, N: n}
}

// sent posts text as c under id and returns its ack.
func sent(t *testing.T, c *chattest.Client, id chat.MsgID, f chat.Frame) chat.Ack {
	t.Helper()
	c.Send(f)
	chattest.Eventually(t, chattest.Wait, func() bool {
		for _, fr := range c.Frames() {
			switch fr := fr.(type) {
			case *chat.Ack:
				if fr.ID == id {
					return true
				}
			case *chat.Error:
				if fr.ID != nil && *fr.ID == id {
					t.Fatalf("%s %v refused: %s: %s", f.FrameType(), id, fr.Code, fr.Message)
				}
			}
		}
		return false
	}, "no ack for "+string(f.FrameType()))
	return *chattest.Expect(c, func(a *chat.Ack) bool { return a.ID == id })
}

// refused waits for the error about message id and checks its code.
func refused(t *testing.T, c *chattest.Client, id chat.MsgID, ref chat.Type, code chat.Code) {
	t.Helper()
	e := chattest.Expect(c, func(e *chat.Error) bool { return e.ID != nil && *e.ID == id })
	if e.Code != code || e.Ref != ref {
		t.Errorf("error about %v: %s (ref %s): %s; want %s (ref %s)", id, e.Code, e.Ref, e.Message, code, ref)
	}
}

func TestActionsAuthorizationAndErrorCodes(t *testing.T) {
	s := chattest.New(t, fast())
	ann, bob, cy := s.User(t, "ann"), s.User(t, "bob"), s.User(t, "cy")
	cy.Send(&chat.Join{Room: "attic"})
	chattest.Expect(cy, func(c *chat.Conv) bool { return c.ID == "r:attic" })

	m := sent(t, ann, actID("ann", 1), &chat.Send{ID: actID("ann", 1), Conv: hub.LobbyID, Text: "hello"})
	for _, tc := range []struct {
		name  string
		who   *chattest.Client
		frame chat.Frame
		id    chat.MsgID
		code  chat.Code
	}{
		{"editByOther", bob, &chat.Edit{ID: actID("bob", 1), Conv: hub.LobbyID, Seq: m.Seq, Text: "mine"}, actID("bob", 1), chat.CodeNotAuthor},
		{"deleteByOther", bob, &chat.Delete{ID: actID("bob", 2), Conv: hub.LobbyID, Seq: m.Seq}, actID("bob", 2), chat.CodeNotAuthor},
		{"editOfNothing", ann, &chat.Edit{ID: actID("ann", 2), Conv: hub.LobbyID, Seq: 9999, Text: "x"}, actID("ann", 2), chat.CodeNoSuchMessage},
		{"reactionNotEmoji", bob, &chat.React{ID: actID("bob", 3), Conv: hub.LobbyID, Seq: m.Seq, Emoji: "<script>", On: true}, actID("bob", 3), chat.CodeBadEmoji},
		{"reactionNotMember", ann, &chat.React{ID: actID("ann", 3), Conv: "r:attic", Seq: 1, Emoji: "👍", On: true}, actID("ann", 3), chat.CodeNotMember},
		{"reactionNoSuchConv", ann, &chat.React{ID: actID("ann", 4), Conv: "p:nobody", Seq: 1, Emoji: "👍", On: true}, actID("ann", 4), chat.CodeNoSuchConv},
		{"replyToNothing", bob, &chat.Send{ID: actID("bob", 4), Conv: hub.LobbyID, Text: "re", Reply: 9998}, actID("bob", 4), chat.CodeNoSuchMessage},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.who.Send(tc.frame)
			refused(t, tc.who, tc.id, tc.frame.FrameType(), tc.code)
		})
	}

	sent(t, ann, actID("ann", 5), &chat.Delete{ID: actID("ann", 5), Conv: hub.LobbyID, Seq: m.Seq})
	ann.Send(&chat.Edit{ID: actID("ann", 6), Conv: hub.LobbyID, Seq: m.Seq, Text: "back"})
	refused(t, ann, actID("ann", 6), chat.TypeEdit, chat.CodeMessageDeleted)
	bob.Send(&chat.React{ID: actID("bob", 5), Conv: hub.LobbyID, Seq: m.Seq, Emoji: "👍", On: true})
	refused(t, bob, actID("bob", 5), chat.TypeReact, chat.CodeMessageDeleted)
	re := sent(t, bob, actID("bob", 6), &chat.Send{ID: actID("bob", 6), Conv: hub.LobbyID, Text: "re", Reply: m.Seq})
	if e := chattest.Expect(ann, func(e *chat.Entry) bool { return e.Seq == re.Seq }); e.Reply == nil || !e.Reply.Deleted || e.Reply.Text != "" {
		t.Errorf("a reply to a deleted message quotes %+v", e.Reply)
	}

	// Everyone carries on.
	sent(t, bob, actID("bob", 7), &chat.Send{ID: actID("bob", 7), Conv: hub.LobbyID, Text: "still here"})
	chattest.Expect(ann, entryWith("still here"))
	chattest.Expect(cy, entryWith("still here"))
}

// TestActionsNoSuchMessage checks the code for a target that is not a
// message, or beyond the conversation's end.
func TestActionsNoSuchMessage(t *testing.T) {
	s := chattest.New(t, fast())
	ann := s.User(t, "ann")
	ann.Send(&chat.Join{Room: "den"})
	chattest.Expect(ann, func(c *chat.Conv) bool { return c.ID == "r:den" })
	join := chattest.Expect(ann, func(e *chat.Entry) bool { return e.Conv == "r:den" && e.Kind == chat.EntryJoin })
	ann.Send(&chat.React{ID: actID("ann", 1), Conv: "r:den", Seq: join.Seq, Emoji: "👍", On: true})
	refused(t, ann, actID("ann", 1), chat.TypeReact, chat.CodeNoSuchMessage)
	ann.Send(&chat.Edit{ID: actID("ann", 2), Conv: "r:den", Seq: join.Seq + 100, Text: "x"})
	refused(t, ann, actID("ann", 2), chat.TypeEdit, chat.CodeNoSuchMessage)
}

func TestActionsFanOutAndFoldedHistory(t *testing.T) {
	s := chattest.New(t, fast())
	ann, bob := s.User(t, "ann"), s.User(t, "bob")

	m := sent(t, ann, actID("ann", 1), &chat.Send{ID: actID("ann", 1), Conv: hub.LobbyID, Text: "first line <b>\nsecond"})
	re := sent(t, bob, actID("bob", 1), &chat.Send{ID: actID("bob", 1), Conv: hub.LobbyID, Text: "answer", Reply: m.Seq})
	reply := chattest.Expect(ann, func(e *chat.Entry) bool { return e.Seq == re.Seq })
	if q := reply.Reply; q == nil || q.Seq != m.Seq || q.From != "ann" || q.Text != "first line &lt;b&gt;" {
		t.Fatalf("the reply's quote: %+v", q)
	}
	edit := sent(t, ann, actID("ann", 2), &chat.Edit{ID: actID("ann", 2), Conv: hub.LobbyID, Seq: m.Seq, Text: "better, @bob <i>"})
	e := chattest.Expect(bob, func(e *chat.Entry) bool { return e.Seq == edit.Seq })
	if e.Kind != chat.EntryEdit || e.Target != m.Seq || !strings.Contains(e.HTML, `data-user="bob"`) || strings.Contains(e.HTML, "<i>") {
		t.Errorf("edit entry: %+v", e)
	}
	react := sent(t, bob, actID("bob", 2), &chat.React{ID: actID("bob", 2), Conv: hub.LobbyID, Seq: m.Seq, Emoji: "❤", On: true})
	r := chattest.Expect(ann, func(e *chat.Entry) bool { return e.Seq == react.Seq })
	if r.Kind != chat.EntryReact || r.HTML != "" || r.Emoji != "❤️" || !r.On || r.From != "bob" {
		t.Errorf("reaction entry: %+v", r)
	}
	// A history page shows the message as it is now.
	ann.Send(&chat.History{Conv: hub.LobbyID, Before: m.Seq + 1, Limit: 1})
	p := chattest.Expect(ann, func(p *chat.Page) bool { return len(p.Entries) == 1 && p.Entries[0].Seq == m.Seq })
	got := p.Entries[0]
	if !strings.Contains(got.HTML, "better") || got.Edited != edit.Time || len(got.Reactions) != 1 || got.Reactions[0].Users[0] != "bob" {
		t.Errorf("folded message: %+v", got)
	}
}

// TestActionsExactlyOnceAcrossAReconnect resends each action with the same
// id on a new connection, as an outbox does after a drop: the first ack
// comes back and nothing is stored twice.
func TestActionsExactlyOnceAcrossAReconnect(t *testing.T) {
	s := chattest.New(t, fast())
	ann := s.User(t, "ann")
	m := sent(t, ann, actID("ann", 1), &chat.Send{ID: actID("ann", 1), Conv: hub.LobbyID, Text: "v1"})
	other := sent(t, ann, actID("ann", 2), &chat.Send{ID: actID("ann", 2), Conv: hub.LobbyID, Text: "other"})
	actions := []chat.Frame{
		&chat.Edit{ID: actID("ann", 3), Conv: hub.LobbyID, Seq: m.Seq, Text: "v2"},
		&chat.React{ID: actID("ann", 4), Conv: hub.LobbyID, Seq: m.Seq, Emoji: "👍", On: true},
		&chat.React{ID: actID("ann", 5), Conv: hub.LobbyID, Seq: m.Seq, Emoji: "👍", On: false},
		&chat.Send{ID: actID("ann", 6), Conv: hub.LobbyID, Text: "re", Reply: other.Seq},
		&chat.Delete{ID: actID("ann", 7), Conv: hub.LobbyID, Seq: other.Seq},
	}
	first := make(map[chat.MsgID]chat.Ack)
	for i, f := range actions {
		id := actID("ann", uint64(i+3))
		first[id] = sent(t, ann, id, f)
	}
	ann.Conn.CloseNow()
	again := s.Dial(t, ann.Jar)
	chattest.Expect(again, func(w *chat.Welcome) bool { return w.Me == "ann" })
	for i, f := range actions {
		id := actID("ann", uint64(i+3))
		again.Send(f)
		got := chattest.Expect(again, func(a *chat.Ack) bool { return a.ID == id })
		if *got != first[id] {
			t.Errorf("resent %s acked %+v, want the first ack %+v", f.FrameType(), *got, first[id])
		}
	}
	last := first[actID("ann", 7)].Seq
	again.Send(&chat.History{Conv: hub.LobbyID, After: last})
	if p := chattest.Expect(again, func(p *chat.Page) bool { return p.Conv == hub.LobbyID }); len(p.Entries) != 0 || p.Last != last {
		t.Errorf("the resends stored %d entries (last %d, want %d)", len(p.Entries), p.Last, last)
	}
	for _, f := range again.Frames() {
		if e, ok := f.(*chat.Error); ok {
			t.Errorf("a resend got an error: %s: %s", e.Code, e.Message)
		}
	}
}

// TestActionsOfflineClientSeesTheResult: bob's tab (the real client Model)
// is offline while ann edits, reacts, deletes and bob's reply loses its
// quote; back online it shows the result, and no action as a message. A
// new tab loading the history sees the same.
func TestActionsOfflineClientSeesTheResult(t *testing.T) {
	s := chattest.New(t, fast())
	ann := s.User(t, "ann")
	bob := s.ModelClient(t, "bob", nil)
	bob.Until("online", func() bool { return bob.Ready(hub.LobbyID) })

	keep := sent(t, ann, actID("ann", 1), &chat.Send{ID: actID("ann", 1), Conv: hub.LobbyID, Text: "keep me"})
	gone := sent(t, ann, actID("ann", 2), &chat.Send{ID: actID("ann", 2), Conv: hub.LobbyID, Text: "secret words"})
	bob.Until("both messages", func() bool {
		return bob.Count(hub.LobbyID, "secret words") == 1 && bob.Count(hub.LobbyID, "keep me") == 1
	})
	bob.Say(hub.LobbyID, "", "what words?")
	bob.Until("bob's message stored", func() bool { return bob.Settled() && bob.Count(hub.LobbyID, "what words?") == 1 })
	// bob's reply quoting the secret, sent by another tab of his.
	bobTab := s.Dial(t, bob.Jar)
	chattest.Expect(bobTab, func(w *chat.Welcome) bool { return w.Me == "bob" })
	sent(t, bobTab, actID("bob", 1), &chat.Send{ID: actID("bob", 1), Conv: hub.LobbyID, Text: "quoting", Reply: gone.Seq})
	bob.Until("the reply", func() bool { return bob.Count(hub.LobbyID, "quoting") == 1 })

	bob.Disconnect()
	bob.Until("offline", func() bool { return bob.State == client.Offline })
	sent(t, ann, actID("ann", 3), &chat.Edit{ID: actID("ann", 3), Conv: hub.LobbyID, Seq: keep.Seq, Text: "kept and edited"})
	sent(t, ann, actID("ann", 4), &chat.React{ID: actID("ann", 4), Conv: hub.LobbyID, Seq: keep.Seq, Emoji: "🎉", On: true})
	sent(t, ann, actID("ann", 5), &chat.React{ID: actID("ann", 5), Conv: hub.LobbyID, Seq: keep.Seq, Emoji: "👍", On: true})
	sent(t, ann, actID("ann", 6), &chat.React{ID: actID("ann", 6), Conv: hub.LobbyID, Seq: keep.Seq, Emoji: "👍", On: false})
	sent(t, ann, actID("ann", 7), &chat.Edit{ID: actID("ann", 7), Conv: hub.LobbyID, Seq: gone.Seq, Text: "secret words, edited"})
	del := sent(t, ann, actID("ann", 8), &chat.Delete{ID: actID("ann", 8), Conv: hub.LobbyID, Seq: gone.Seq})
	bob.Reconnect()

	check := func(mc *chattest.ModelClient) {
		t.Helper()
		mc.Until("the final state", func() bool {
			c := mc.Model.Convs[hub.LobbyID]
			return mc.Ready(hub.LobbyID) && c != nil && mc.Model.Behind(hub.LobbyID) == 0 && mc.Count(hub.LobbyID, "kept and edited") == 1 &&
				mc.Count(hub.LobbyID, "secret") == 0
		})
		mc.Drain(100 * time.Millisecond)
		for _, e := range mc.Entries(hub.LobbyID) {
			if chat.IsAction(e.Kind) {
				t.Errorf("%s shows an action as an entry: %+v", mc.Name, e)
			}
			if e.Reply != nil && strings.Contains(e.Reply.Text, "secret") {
				t.Errorf("%s still quotes the deleted text: %+v", mc.Name, e.Reply)
			}
			switch {
			case e.Seq == keep.Seq:
				if len(e.Reactions) != 1 || e.Reactions[0].Emoji != "🎉" || e.Edited == 0 {
					t.Errorf("%s: the kept message: %+v", mc.Name, e)
				}
			case e.Seq == gone.Seq:
				if !e.Deleted || e.HTML != chat.DeletedHTML {
					t.Errorf("%s: the deleted message: %+v", mc.Name, e)
				}
			case e.Reply != nil && e.Reply.Seq == gone.Seq:
				if !e.Reply.Deleted || e.Reply.Text != "" {
					t.Errorf("%s: the reply to the deleted message: %+v", mc.Name, e.Reply)
				}
			}
		}
		if err := mc.CheckFoldedWindow(hub.LobbyID); err != nil {
			t.Error(err)
		}
		if c := mc.Model.Convs[hub.LobbyID]; c.Info.Last < del.Seq {
			t.Errorf("%s: last %d, want at least %d", mc.Name, c.Info.Last, del.Seq)
		}
	}
	check(bob)
	check(s.ModelClient(t, "", bob.Jar)) // a new tab of bob's: the history as it is now
}

// TestActionsResentAfterALostAck: each action is written and the
// connection dropped at once, before its ack can be read; the tab's next
// connection sends it again. Each is stored once and the resend acked.
func TestActionsResentAfterALostAck(t *testing.T) {
	s := chattest.New(t, faultOptions())
	ann := s.User(t, "ann")
	m := sent(t, ann, actID("ann", 1), &chat.Send{ID: actID("ann", 1), Conv: hub.LobbyID, Text: "v1"})
	actions := []chat.Frame{
		&chat.Edit{ID: actID("ann", 2), Conv: hub.LobbyID, Seq: m.Seq, Text: "v2"},
		&chat.React{ID: actID("ann", 3), Conv: hub.LobbyID, Seq: m.Seq, Emoji: "👍", On: true},
		&chat.React{ID: actID("ann", 4), Conv: hub.LobbyID, Seq: m.Seq, Emoji: "🎉", On: true},
		&chat.React{ID: actID("ann", 5), Conv: hub.LobbyID, Seq: m.Seq, Emoji: "👍", On: false},
	}
	tab := ann
	for i, f := range actions {
		tab.Send(f)
		tab.Conn.CloseNow() // the ack, if it comes, is lost
		tab = s.Dial(t, ann.Jar)
		chattest.Expect(tab, func(w *chat.Welcome) bool { return w.Me == "ann" })
		sent(t, tab, actID("ann", uint64(i+2)), f)
	}
	tab.Send(&chat.History{Conv: hub.LobbyID, After: m.Seq - 1})
	p := chattest.Expect(tab, func(p *chat.Page) bool { return p.Conv == hub.LobbyID })
	if len(p.Entries) != 1+len(actions) {
		t.Fatalf("%d entries from the message on, want %d: %+v", len(p.Entries), 1+len(actions), p.Entries)
	}
	got := p.Entries[0]
	if !strings.Contains(got.HTML, "v2") || len(got.Reactions) != 1 || got.Reactions[0].Emoji != "🎉" {
		t.Errorf("the message as it is now: %+v", got)
	}
}

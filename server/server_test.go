package server_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server"
	"github.com/founding/chat/server/chattest"
	"github.com/founding/chat/server/hub"
)

// fast are options that make timing-based behaviour quick to observe.
func fast() server.Options {
	return server.Options{PresenceGrace: 300 * time.Millisecond}
}

func msgID(n uint64) chat.MsgID { return chat.MsgID{Device: "test-device", N: n} }

func entryWith(text string) func(*chat.Entry) bool {
	return func(e *chat.Entry) bool { return strings.Contains(e.HTML, text) }
}

func TestLobbyBroadcastReachesEveryoneWithEscapedHTML(t *testing.T) {
	s := chattest.New(t, fast())
	ann, bob, cid := s.User(t, "Ann"), s.User(t, "bob"), s.User(t, "小明")

	ann.Send(&chat.Send{ID: msgID(1), Conv: hub.LobbyID, Text: "<img src=x onerror=alert(1)>"})
	const escaped = "&lt;img src=x onerror=alert(1)&gt;"
	for _, c := range []*chattest.Client{ann, bob, cid} {
		e := chattest.Expect(c, entryWith(escaped))
		if e.From != "Ann" || e.Seq == 0 || e.Time == 0 || e.Kind != chat.EntryMessage {
			t.Errorf("entry = %+v", e)
		}
		if strings.Contains(e.HTML, "<img") {
			t.Errorf("raw markup reached a client: %s", e.HTML)
		}
	}
	ack := chattest.Expect(ann, func(a *chat.Ack) bool { return a.ID == msgID(1) })
	if ack.Conv != hub.LobbyID || ack.Seq == 0 {
		t.Errorf("ack = %+v", ack)
	}
}

func TestSenderIdentityComesFromTheSession(t *testing.T) {
	s := chattest.New(t, fast())
	ann, bob := s.User(t, "ann"), s.User(t, "bob")
	// A frame cannot claim another sender: fields it does not define are ignored.
	ann.SendRaw([]byte(`{"type":"send","id":{"d":"test-device","n":1},"conv":"r:lobby","text":"hi","from":"bob","user":"bob"}`))
	e := chattest.Expect(bob, entryWith("hi"))
	if e.From != "ann" {
		t.Fatalf("entry from %q, want ann", e.From)
	}
}

func TestNicknames(t *testing.T) {
	s := chattest.New(t, fast())
	ann := s.User(t, "Ann")

	t.Run("another browser cannot take the name in any case or width", func(t *testing.T) {
		for _, name := range []string{"Ann", "ann", "Ａｎｎ", " ANN "} {
			c := s.Dial(t, nil)
			chattest.Expect(c, func(w *chat.Welcome) bool { return w.NeedName })
			c.Send(&chat.Nick{Name: name})
			e := chattest.Expect(c, func(e *chat.Error) bool { return e.Ref == chat.TypeNick })
			if e.Code != chat.CodeNameTaken {
				t.Errorf("%q: error %+v, want name_taken", name, e)
			}
		}
	})

	t.Run("the same browser is the same user", func(t *testing.T) {
		tab := s.Dial(t, ann.Jar)
		w := chattest.Expect(tab, func(w *chat.Welcome) bool { return true })
		if w.NeedName || w.Me != "Ann" {
			t.Fatalf("second tab welcome = %+v", w)
		}
	})

	t.Run("invalid names are refused", func(t *testing.T) {
		c := s.Dial(t, nil)
		chattest.Expect(c, func(w *chat.Welcome) bool { return w.NeedName })
		for _, name := range []string{"a b", "<script>", strings.Repeat("x", 33), "tab\tname", "zero\u200bwidth"} {
			c.Send(&chat.Nick{Name: name})
		}
		chattest.Eventually(t, chattest.Wait, func() bool {
			n := 0
			for _, f := range c.Frames() {
				if e, ok := f.(*chat.Error); ok && e.Code == chat.CodeBadName {
					n++
				}
			}
			return n == 5
		}, "five bad_name errors")
	})

	t.Run("the page sets an HttpOnly SameSite session cookie", func(t *testing.T) {
		resp, _ := s.Get(t, chattest.NewJar(), "/")
		var found *http.Cookie
		for _, c := range resp.Cookies() {
			if c.Name == "chat_session" {
				found = c
			}
		}
		if found == nil || !found.HttpOnly || found.SameSite != http.SameSiteLaxMode {
			t.Fatalf("cookie = %+v", found)
		}
	})
}

func TestRoomsKeepTheirMessagesToMembers(t *testing.T) {
	s := chattest.New(t, fast())
	ann, bob, cid := s.User(t, "ann"), s.User(t, "bob"), s.User(t, "cid")

	ann.Send(&chat.Join{Room: "group A"})
	conv := chattest.Expect(ann, func(c *chat.Conv) bool { return c.Name == "group A" })
	// The room is told before the join is recorded; wait for the record.
	chattest.Expect(ann, func(e *chat.Entry) bool { return e.Conv == conv.ID && e.Kind == chat.EntryJoin && e.From == "ann" })
	bob.Send(&chat.Join{Room: "GROUP  a"}) // same room, other case and spacing
	chattest.Expect(bob, func(c *chat.Conv) bool { return c.ID == conv.ID })
	join := chattest.Expect(ann, func(e *chat.Entry) bool { return e.Conv == conv.ID && e.Kind == chat.EntryJoin && e.From == "bob" })
	if join.Seq != 2 {
		t.Errorf("bob's join is entry %d, want 2", join.Seq)
	}
	chattest.Expect(ann, func(p *chat.Presence) bool { return p.Conv == conv.ID && p.User == "bob" && p.Online && p.Quiet })

	bob.Send(&chat.Send{ID: msgID(1), Conv: conv.ID, Text: "only for group A"})
	chattest.Expect(ann, entryWith("only for group A"))
	chattest.Expect(bob, entryWith("only for group A"))

	cid.Send(&chat.Send{ID: msgID(1), Conv: conv.ID, Text: "let me in"})
	e := chattest.Expect(cid, func(e *chat.Error) bool { return e.Ref == chat.TypeSend })
	if e.Code != chat.CodeNotMember || e.ID == nil || *e.ID != msgID(1) {
		t.Errorf("outsider's send: %+v", e)
	}
	cid.Send(&chat.History{Conv: conv.ID})
	if e := chattest.Expect(cid, func(e *chat.Error) bool { return e.Ref == chat.TypeHistory }); e.Code != chat.CodeNotMember {
		t.Errorf("outsider's history: %+v", e)
	}
	chattest.Never(cid, 200*time.Millisecond, func(e *chat.Entry) bool { return e.Conv == conv.ID })

	bob.Send(&chat.Leave{Conv: conv.ID})
	chattest.Expect(bob, func(g *chat.Gone) bool { return g.Conv == conv.ID })
	chattest.Expect(ann, func(e *chat.Entry) bool { return e.Conv == conv.ID && e.Kind == chat.EntryLeave && e.From == "bob" })
	ann.Send(&chat.Send{ID: msgID(2), Conv: conv.ID, Text: "bob is gone"})
	chattest.Expect(ann, entryWith("bob is gone"))
	chattest.Never(bob, 200*time.Millisecond, entryWith("bob is gone"))
}

func TestPrivateMessagesReachOnlyThePair(t *testing.T) {
	s := chattest.New(t, fast())
	ann, bob, cid := s.User(t, "ann"), s.User(t, "Bob"), s.User(t, "cid")

	ann.Send(&chat.Send{ID: msgID(1), To: "bob", Text: "just between us"})
	ack := chattest.Expect(ann, func(a *chat.Ack) bool { return a.ID == msgID(1) })
	conv := chattest.Expect(bob, func(c *chat.Conv) bool { return c.ID == ack.Conv })
	if conv.Kind != chat.KindPrivate || conv.Name != "ann" {
		t.Errorf("bob sees the conversation as %+v", conv)
	}
	if c := chattest.Expect(ann, func(c *chat.Conv) bool { return c.ID == ack.Conv }); c.Name != "Bob" {
		t.Errorf("ann sees the conversation as %+v", c)
	}
	chattest.Expect(bob, entryWith("just between us"))
	chattest.Never(cid, 300*time.Millisecond, entryWith("just between us"))
	chattest.Never(cid, 0, func(c *chat.Conv) bool { return c.ID == ack.Conv })

	cid.Send(&chat.History{Conv: ack.Conv})
	if e := chattest.Expect(cid, func(e *chat.Error) bool { return e.Ref == chat.TypeHistory }); e.Code != chat.CodeNoSuchConv {
		t.Errorf("a third user reading the pair's history: %+v", e)
	}
	cid.Send(&chat.Send{ID: msgID(1), Conv: ack.Conv, Text: "intrude"})
	chattest.Expect(cid, func(e *chat.Error) bool { return e.Ref == chat.TypeSend && e.Code == chat.CodeNoSuchConv })

	ann.Send(&chat.Send{ID: msgID(2), To: "nobody", Text: "hello?"})
	chattest.Expect(ann, func(e *chat.Error) bool { return e.Code == chat.CodeNoSuchUser })
}

func TestPresenceNoticesAndRoster(t *testing.T) {
	s := chattest.New(t, fast())
	ann := s.User(t, "ann")
	r := chattest.Expect(ann, func(r *chat.Roster) bool { return r.Conv == hub.LobbyID })
	if len(r.Users) != 1 || r.Users[0] != "ann" {
		t.Fatalf("roster = %v", r.Users)
	}

	bob := s.User(t, "bob")
	chattest.Expect(ann, func(p *chat.Presence) bool { return p.User == "bob" && p.Online && !p.Quiet })
	r = chattest.Expect(bob, func(r *chat.Roster) bool { return r.Conv == hub.LobbyID })
	if strings.Join(r.Users, ",") != "ann,bob" {
		t.Fatalf("bob's roster = %v", r.Users)
	}

	// A second tab and a quick reconnect make no noise.
	tab := s.Dial(t, bob.Jar)
	chattest.Expect(tab, func(w *chat.Welcome) bool { return w.Me == "bob" })
	bob.Conn.CloseNow()
	again := s.Dial(t, bob.Jar)
	chattest.Expect(again, func(w *chat.Welcome) bool { return w.Me == "bob" })
	chattest.Never(ann, 600*time.Millisecond, func(p *chat.Presence) bool { return p.User == "bob" && !p.Online })

	// Closing every tab: "left" after the grace period, once.
	tab.Conn.CloseNow()
	again.Conn.CloseNow()
	chattest.Expect(ann, func(p *chat.Presence) bool { return p.User == "bob" && !p.Online && !p.Quiet })
	left := 0
	for _, f := range ann.Frames() {
		if p, ok := f.(*chat.Presence); ok && p.User == "bob" && !p.Online {
			left++
		}
	}
	if left != 1 {
		t.Errorf("%d left notices, want 1", left)
	}
}

func TestHeartbeatDropsAClientThatStoppedAnswering(t *testing.T) {
	opts := fast()
	opts.PingInterval = 100 * time.Millisecond
	opts.PingTimeout = 200 * time.Millisecond
	s := chattest.New(t, opts)
	ann := s.User(t, "ann")
	bob := s.User(t, "bob")
	bob.Conn.CloseNow()
	gone := s.DialSilent(t, bob.Jar) // bob's network dies: nothing is read or answered
	_ = gone
	chattest.Eventually(t, 5*time.Second, func() bool { return s.Stats().Heartbeats >= 1 }, "the silent connection was not dropped")
	chattest.Expect(ann, func(p *chat.Presence) bool { return p.User == "bob" && !p.Online })
	if s.Hub().Online("bob") {
		t.Error("bob is still online")
	}
}

func TestResumeDeliversExactlyWhatWasMissed(t *testing.T) {
	s := chattest.New(t, fast())
	ann, bob := s.User(t, "ann"), s.User(t, "bob")
	for i := uint64(1); i <= 3; i++ {
		bob.Send(&chat.Send{ID: msgID(i), Conv: hub.LobbyID, Text: "before " + string(rune('0'+i))})
	}
	last := chattest.Expect(ann, entryWith("before 3")).Seq
	ann.Conn.CloseNow()

	for i := uint64(4); i <= 8; i++ {
		bob.Send(&chat.Send{ID: msgID(i), Conv: hub.LobbyID, Text: "while away " + string(rune('0'+i))})
	}
	chattest.Expect(bob, func(a *chat.Ack) bool { return a.ID == msgID(8) })

	back := s.Dial(t, ann.Jar)
	chattest.Expect(back, func(w *chat.Welcome) bool { return w.Me == "ann" })
	back.Send(&chat.Resume{Cursors: map[string]uint64{hub.LobbyID: last}})
	p := chattest.Expect(back, func(p *chat.Page) bool { return p.Conv == hub.LobbyID })
	if len(p.Entries) != 5 || p.Entries[0].Seq != last+1 || p.Entries[4].Seq != last+5 || p.Last != last+5 {
		t.Fatalf("resume page: first %d, %d entries, last %d; want %d..%d", p.Entries[0].Seq, len(p.Entries), p.Last, last+1, last+5)
	}
	if !strings.Contains(p.Entries[0].HTML, "while away 4") {
		t.Errorf("first resumed entry = %s", p.Entries[0].HTML)
	}
}

func TestRetriedMessageIsStoredOnce(t *testing.T) {
	s := chattest.New(t, fast())
	ann, bob := s.User(t, "ann"), s.User(t, "bob")
	send := &chat.Send{ID: msgID(7), Conv: hub.LobbyID, Text: "once"}
	ann.Send(send)
	first := chattest.Expect(ann, func(a *chat.Ack) bool { return a.ID == msgID(7) })
	ann.Conn.CloseNow()
	again := s.Dial(t, ann.Jar)
	chattest.Expect(again, func(w *chat.Welcome) bool { return w.Me == "ann" })
	again.Send(send)
	second := chattest.Expect(again, func(a *chat.Ack) bool { return a.ID == msgID(7) })
	if *second != *first {
		t.Fatalf("retry ack %+v, first %+v", second, first)
	}
	// A message sent after it is the barrier: entries of a conversation
	// reach bob in order, so a second copy would have come before it.
	again.Send(&chat.Send{ID: msgID(8), Conv: hub.LobbyID, Text: "after"})
	chattest.Expect(bob, entryWith("after"))
	n := 0
	for _, f := range bob.Frames() {
		if e, ok := f.(*chat.Entry); ok && strings.Contains(e.HTML, "once") {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("bob got the message %d times", n)
	}
}

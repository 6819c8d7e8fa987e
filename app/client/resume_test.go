//go:build !js

package client_test

import (
	"errors"
	"fmt"
	"html"
	"strings"
	"testing"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
	"github.com/founding/chat/server"
	"github.com/founding/chat/server/chattest"
	"github.com/founding/chat/server/wsconn"
)

// ui plays the part of the browser's UI goroutine: it owns a Session, gets
// the connection's events through a channel and hands them to the Session
// on the test goroutine, as app/ui does on its own.
type ui struct {
	t       *testing.T
	name    string
	session *client.Session
	m       *client.Model
	conn    *client.Conn
	events  chan client.Event
	state   client.State
	notKept []error // what Handle returned for messages the Local could not store
}

func newUI(t *testing.T, s *chattest.Server, name string) *ui {
	t.Helper()
	return newUIWith(t, s, name, client.NewModel(), nil)
}

// newUIWith connects a UI that already holds model m and, with local set,
// keeps its outbox and conversations there.
func newUIWith(t *testing.T, s *chattest.Server, name string, m *client.Model, local *client.Local) *ui {
	t.Helper()
	return newUISession(t, name, client.SessionOptions{Conn: options(s, nil), Model: m, Local: local})
}

// newUISession connects a UI with a Session of opts, whose Deliver it sets.
func newUISession(t *testing.T, name string, opts client.SessionOptions) *ui {
	t.Helper()
	u := &ui{t: t, name: name, events: make(chan client.Event, 100000)}
	opts.Deliver = func(e client.Event) { u.events <- e }
	session, err := client.NewSession(opts)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	u.session, u.m, u.conn = session, session.Model(), session.Conn()
	run(t, session)
	return u
}

// apply hands one event to the Session, as the UI would; a name is picked
// when the server asks for one.
func (u *ui) apply(e client.Event) {
	u.t.Helper()
	if e.Changed {
		u.state = e.State
	}
	if e.Frame != nil {
		if w, ok := e.Frame.(*chat.Welcome); ok && w.NeedName {
			u.send(&chat.Nick{Name: u.name})
		}
		if ce, ok := e.Frame.(*chat.Error); ok {
			u.t.Logf("%s: server error %v", u.name, ce)
		}
	}
	if err := u.session.Handle(e); err != nil {
		if errors.Is(err, client.ErrNotSaved) {
			u.notKept = append(u.notKept, err)
			return
		}
		u.t.Errorf("%s: %v", u.name, err)
	}
}

// send writes f if there is a connection; the Session resends what
// matters after the next Welcome.
func (u *ui) send(f chat.Frame) { u.session.Send(f) }

// say writes a message to the lobby, as the composer does.
func (u *ui) say(text string) chat.MsgID {
	u.t.Helper()
	id, err := u.session.Compose(lobbyID, "", text)
	if err != nil {
		u.t.Fatalf("%s: saying %q: %v", u.name, text, err)
	}
	return id
}

// until applies events until cond holds.
func (u *ui) until(what string, cond func() bool) {
	u.t.Helper()
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for !cond() {
		select {
		case e := <-u.events:
			u.apply(e)
		case <-deadline.C:
			u.t.Fatalf("%s: %s did not happen within %v", u.name, what, wait)
		}
	}
}

// drain applies whatever events are waiting, for a moment.
func (u *ui) drain(d time.Duration) {
	u.t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case e := <-u.events:
			u.apply(e)
		case <-timer.C:
			return
		}
	}
}

func (u *ui) lobby() *client.Conversation { return u.m.Convs[lobbyID] }

const lobbyID = "r:lobby"

// count returns how many entries of the lobby hold text.
func (u *ui) count(text string) int {
	c := u.lobby()
	if c == nil {
		return 0
	}
	n := 0
	for _, e := range c.Entries {
		if strings.Contains(e.HTML, html.EscapeString(text)) {
			n++
		}
	}
	return n
}

func msgText(prefix string, i int) string { return fmt.Sprintf("%s #%03d.", prefix, i) }

func TestResumeWithoutGapOrDuplicate(t *testing.T) {
	t.Parallel()
	s := chattest.New(t, server.Options{PresenceGrace: 100 * time.Millisecond, MessageBurst: 200, Transport: wsconn.Transport{FrameBurst: 200}})
	bob := s.User(t, "bob")
	id := uint64(0)
	say := func(text string) chat.MsgID {
		id++
		mid := chat.MsgID{Device: "bob-device", N: id}
		bob.Send(&chat.Send{ID: mid, Conv: lobbyID, Text: text})
		return mid
	}

	ann := newUI(t, s, "ann")
	ann.until("a ready lobby", func() bool { return ann.m.Me == "ann" && ann.lobby() != nil && ann.lobby().Ready })

	const before, missed, racing = 5, 40, 10
	var texts []string
	for i := range before {
		texts = append(texts, msgText("before", i))
		say(texts[len(texts)-1])
	}
	ann.until("the first messages", func() bool { return ann.count(texts[before-1]) == 1 })

	ann.conn.Disconnect()
	ann.until("offline", func() bool { return ann.state == client.Offline })
	ann.say("written while offline")

	var last chat.MsgID
	for i := range missed {
		texts = append(texts, msgText("missed", i))
		last = say(texts[len(texts)-1])
	}
	chattest.Expect(bob, func(a *chat.Ack) bool { return a.ID == last })

	ann.conn.Reconnect()
	// More messages race with the resume: some come live before its page.
	for i := range racing {
		texts = append(texts, msgText("racing", i))
		say(texts[len(texts)-1])
	}
	ann.until("every message", func() bool {
		for _, text := range texts {
			if ann.count(text) == 0 {
				return false
			}
		}
		return ann.count("written while offline") == 1 && len(ann.m.Outbox) == 0
	})
	ann.drain(100 * time.Millisecond) // let any duplicate arrive

	c := ann.lobby()
	for k := 1; k < len(c.Entries); k++ {
		if c.Entries[k].Seq != c.Entries[k-1].Seq+1 {
			t.Fatalf("lobby window skips from %d to %d", c.Entries[k-1].Seq, c.Entries[k].Seq)
		}
	}
	for _, text := range append(texts, "written while offline") {
		if n := ann.count(text); n != 1 {
			t.Errorf("%q is in the window %d times", text, n)
		}
	}
	if c.Lost {
		t.Error("the lobby is marked Lost")
	}
	if got := c.Entries[len(c.Entries)-1].Seq; got != c.Info.Last {
		t.Errorf("window ends at %d, the conversation at %d", got, c.Info.Last)
	}
	// Bob saw ann's queued message exactly once as well. A marker written
	// after it comes after any duplicate: the lobby's entries reach bob in
	// order, so once bob has the marker he has all a duplicate would be.
	ann.say("marker after the queued message")
	chattest.Expect(bob, func(e *chat.Entry) bool { return strings.Contains(e.HTML, "marker after the queued message") })
	n := 0
	for _, f := range bob.Frames() {
		if e, ok := f.(*chat.Entry); ok && strings.Contains(e.HTML, "written while offline") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("bob got ann's queued message %d times", n)
	}
}

// TestResendOrderAfterRateLimit: a rate-limited message gets a new, higher
// id; sending it before an older unsent message makes the server refuse the
// older one as stale, because it keeps each device's high-water mark.
func TestResendOrderAfterRateLimit(t *testing.T) {
	t.Parallel()
	s := chattest.New(t, server.Options{})
	ann := newUI(t, s, "ann")
	ann.until("a ready lobby", func() bool { return ann.lobby() != nil && ann.lobby().Ready })

	a := ann.m.Compose(lobbyID, "", "message A")
	ann.m.Compose(lobbyID, "", "message B") // not written yet
	ann.m.Sent(a.ID)
	// What a server under load answers for A.
	ann.m.Apply(&chat.Error{Code: chat.CodeRateLimited, Message: "slow down", Ref: chat.TypeSend, ID: &a.ID})
	for _, f := range ann.m.Unsent() {
		ann.send(f)
	}
	ann.until("both messages", func() bool { return len(ann.m.Outbox) == 0 || ann.m.Outbox[0].Failed != "" })
	ann.until("both entries", func() bool { return ann.count("message A") >= 1 && ann.count("message B") >= 1 })
	for _, o := range ann.m.Outbox {
		t.Errorf("message %q (id %d) failed: %s", o.Text, o.ID.N, o.Failed)
	}
	if ann.count("message A") != 1 || ann.count("message B") != 1 {
		t.Errorf("lobby holds A %d times, B %d times", ann.count("message A"), ann.count("message B"))
	}
}

// TestModelKeepsLiveEntriesAfterServerLostHistory restarts the server (the
// memory store forgets everything) under a client that keeps its window.
func TestModelKeepsLiveEntriesAfterServerLostHistory(t *testing.T) {
	t.Parallel()
	s := chattest.New(t, server.Options{})
	bob := s.User(t, "bob")
	ann := newUI(t, s, "ann")
	ann.until("a ready lobby", func() bool { return ann.lobby() != nil && ann.lobby().Ready })
	for i := range 5 {
		bob.Send(&chat.Send{ID: chat.MsgID{Device: "bob-device", N: uint64(i + 1)}, Conv: lobbyID, Text: msgText("old", i)})
	}
	ann.until("old messages", func() bool { return ann.count(msgText("old", 4)) == 1 })

	// The server restarts with an empty store; the page stays open with
	// its model.
	ann.conn.Disconnect()
	ann.until("offline", func() bool { return ann.state == client.Offline })
	s2 := chattest.New(t, server.Options{})
	ann = newUIWith(t, s2, "ann", ann.m, nil)
	ann.until("welcome from the new server", func() bool { return ann.m.Me == "ann" && ann.state == client.Online })
	bob2 := s2.User(t, "bob")
	bob2.Send(&chat.Send{ID: chat.MsgID{Device: "bob-device2", N: 1}, Conv: lobbyID, Text: "after the restart"})
	ann.until("the message after the restart", func() bool { return ann.count("after the restart") == 1 })
}

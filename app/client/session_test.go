//go:build !js

package client_test

import (
	"errors"
	"html"
	"net/http"
	"strings"
	"testing"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
	"github.com/founding/chat/server"
	"github.com/founding/chat/server/chattest"
)

// sameBrowser returns the options of a Session of a browser with jar and
// the store local: one more tab of the same profile.
func sameBrowser(s *chattest.Server, jar http.CookieJar, local *client.Local) client.SessionOptions {
	opts := client.SessionOptions{Conn: options(s, nil), Local: local}
	opts.Conn.HTTPClient = &http.Client{Jar: jar}
	return opts
}

// openLocal opens the memory store name and closes it when the test ends.
func openLocal(t *testing.T, name string) *client.Local {
	t.Helper()
	l, err := client.OpenLocal(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	return l
}

// countIn returns how many entries c received hold text.
func countIn(c *chattest.Client, text string) int {
	n := 0
	for _, f := range c.Frames() {
		if e, ok := f.(*chat.Entry); ok && containsText(e.HTML, text) {
			n++
		}
	}
	return n
}

// TestSessionOutboxSurvivesATabClose: a message written offline is kept in
// the Local; the tab closes before the connection returns; a new tab of
// the same profile takes it over and sends it once the server is reachable,
// and it is stored exactly once.
func TestSessionOutboxSurvivesATabClose(t *testing.T) {
	t.Parallel()
	s := chattest.New(t, server.Options{})
	bob := s.User(t, "bob")
	jar := chattest.NewJar()
	name := freshProfile("session-" + t.Name())

	first := openLocal(t, name)
	ann := newUISession(t, "ann", sameBrowser(s, jar, first))
	ann.until("a ready lobby", func() bool { return ann.m.Me == "ann" && ann.lobby() != nil && ann.lobby().Ready })
	ann.conn.Disconnect()
	ann.until("offline", func() bool { return ann.state == client.Offline })
	id := ann.say("kept through a tab close")
	ann.until("the message stored", ann.session.Idle)
	if ann.session.Written() != 0 {
		t.Fatalf("%d messages written offline", ann.session.Written())
	}
	first.Close() // the tab closes: its device is free, its outbox stays

	again := newUISession(t, "ann", sameBrowser(s, jar, openLocal(t, name)))
	if o := again.m.Message(id); o == nil || o.Text != "kept through a tab close" {
		t.Fatalf("the new tab's outbox holds %v, want the closed tab's message %v", again.m.Outbox, id)
	}
	again.until("the message sent and acknowledged", func() bool {
		return again.count("kept through a tab close") == 1 && len(again.m.Outbox) == 0
	})
	// A marker written after it reaches bob after any duplicate would.
	again.say("marker after the kept message")
	again.until("the marker acknowledged", func() bool { return len(again.m.Outbox) == 0 })
	chattest.Expect(bob, func(e *chat.Entry) bool { return containsText(e.HTML, "marker after the kept message") })
	if n := countIn(bob, "kept through a tab close"); n != 1 {
		t.Errorf("bob got the kept message %d times, want once", n)
	}
	if n := again.count("kept through a tab close"); n != 1 {
		t.Errorf("the new tab shows the kept message %d times, want once", n)
	}
	// Nothing waits in the store any more.
	if list, err := openLocal(t, name).Adopt("ann"); err != nil || len(list) != 0 {
		t.Errorf("the store still holds %v (err %v), want nothing", list, err)
	}
}

// TestSessionReturnsAFailedSave: when the Local cannot store a new message,
// Handle says so once the Local has answered (a NotSavedError: ErrNotSaved,
// with the store's error and the text), and the message is neither kept
// nor sent: the text is the caller's to keep.
func TestSessionReturnsAFailedSave(t *testing.T) {
	t.Parallel()
	s := chattest.New(t, server.Options{})
	bob := s.User(t, "bob")
	name := freshProfile("session-" + t.Name())
	ann := newUISession(t, "ann", sameBrowser(s, chattest.NewJar(), openLocal(t, name)))
	ann.until("a ready lobby", func() bool { return ann.m.Me == "ann" && ann.lobby() != nil && ann.lobby().Ready })

	ann.until("what the store was asked done", ann.session.Idle)
	full := errors.New("quota exceeded")
	client.FailWrites(name, full)
	if _, err := ann.session.Compose(lobbyID, "", "not kept"); err != nil {
		t.Fatal(err)
	}
	ann.until("the store's refusal", func() bool { return len(ann.notKept) > 0 && ann.session.Idle() })
	client.FailWrites(name, nil)
	err := ann.notKept[0]
	var notSaved *client.NotSavedError
	if !errors.Is(err, client.ErrNotSaved) || !errors.Is(err, full) || !errors.As(err, &notSaved) || notSaved.Text != "not kept" {
		t.Fatalf("Handle after a full store = %v, want a NotSavedError of %q with ErrNotSaved and %v", err, "not kept", full)
	}
	if len(ann.m.Outbox) != 0 || ann.session.Written() != 0 {
		t.Fatalf("a message not saved is in the outbox (%v) or written (%d)", ann.m.Outbox, ann.session.Written())
	}
	// The next message goes; the refused one never does (bob gets the
	// lobby's entries in order).
	ann.say("saved this time")
	ann.until("the message acknowledged", func() bool { return len(ann.m.Outbox) == 0 })
	chattest.Expect(bob, func(e *chat.Entry) bool { return containsText(e.HTML, "saved this time") })
	if n := countIn(bob, "not kept"); n != 0 {
		t.Errorf("bob got the message that was not saved %d times", n)
	}
}

// containsText reports whether the markup of an entry holds text.
func containsText(markup, text string) bool {
	return strings.Contains(markup, html.EscapeString(text))
}

// TestModelClientOutboxCancelThenNewTab is the native half of a pair with
// server's TestBrowserSessionOutboxCancelThenReload: chattest.ModelClient
// runs the client.Session the browser runs, so a fault in its outbox
// (store before send, cancel in the store, take over at start) fails
// both. Offline, Ann writes two messages and cancels the second; the tab
// closes and a new one of the same profile connects: the first is
// delivered once, the cancelled one never.
func TestModelClientOutboxCancelThenNewTab(t *testing.T) {
	t.Parallel()
	s := chattest.New(t, server.Options{})
	bob := s.User(t, "bob")
	jar := chattest.NewJar()
	name := freshProfile("session-" + t.Name())

	first := openLocal(t, name)
	ann := chattest.NewModelClient(t, s.URL, chattest.ModelOptions{Name: "ann", Jar: jar, Local: first})
	ann.Until("a ready lobby", func() bool { return ann.Ready(lobbyID) })
	ann.Disconnect()
	ann.Until("offline", func() bool { return ann.State == client.Offline })
	if _, err := ann.Session.Compose(lobbyID, "", "kept offline"); err != nil {
		t.Fatal(err)
	}
	gone, err := ann.Session.Compose(lobbyID, "", "cancelled offline")
	if err != nil {
		t.Fatal(err)
	}
	if !ann.Session.CanCancel(ann.Model.Message(gone)) {
		t.Fatal("a message written offline cannot be cancelled")
	}
	if !ann.Session.Cancel(gone) {
		t.Fatal("Cancel did not set about it")
	}
	ann.Until("the cancel done", func() bool { return ann.Model.Message(gone) == nil && ann.Session.Idle() })
	first.Close() // the tab closes

	again := chattest.NewModelClient(t, s.URL, chattest.ModelOptions{Name: "ann", Jar: jar, Local: openLocal(t, name)})
	again.Until("the kept message acknowledged", func() bool {
		return again.Count(lobbyID, "kept offline") == 1 && len(again.Model.Outbox) == 0
	})
	again.Say(lobbyID, "", "marker after the kept message")
	again.Until("the marker acknowledged", func() bool { return len(again.Model.Outbox) == 0 })
	chattest.Expect(bob, func(e *chat.Entry) bool { return containsText(e.HTML, "marker after the kept message") })
	if n := countIn(bob, "kept offline"); n != 1 {
		t.Errorf("bob got the kept message %d times, want once", n)
	}
	if n := countIn(bob, "cancelled offline"); n != 0 {
		t.Errorf("bob got the cancelled message %d times, want never", n)
	}
}

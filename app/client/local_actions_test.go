//go:build !js

package client_test

import (
	"strings"
	"testing"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
	"github.com/founding/chat/server"
	"github.com/founding/chat/server/chattest"
)

// TestLocalKeepsActions checks that the browser's outbox keeps an action
// as it is, for the next page or another tab to send.
func TestLocalKeepsActions(t *testing.T) {
	t.Parallel()
	name := profile(t)
	a := openTab(t, name)
	m := a.model("ann")
	for _, f := range []chat.Frame{
		m.React(lobbyID, 3, "👍", true),
		m.ComposeReply(lobbyID, "yes", chat.Entry{Seq: 2, From: "bob", HTML: `<div>hi</div>`}),
		m.Edit(lobbyID, 4, "new"),
	} {
		id, _ := client.OutboxID(f)
		if err := a.local.Add(m.Message(id)); err != nil {
			t.Fatal(err)
		}
	}
	a.local.Close()
	b := openTab(t, name) // a new page takes the closed tab's device, and its outbox
	list := b.mine
	if len(list) != 3 {
		t.Fatalf("the new page found %d waiting, want 3", len(list))
	}
	if r := list[0]; r.Kind != chat.TypeReact || r.Target != 3 || r.Emoji != "👍" || !r.On {
		t.Errorf("reaction kept as %+v", r.Action)
	}
	if r := list[1]; r.Kind != "" || r.Reply == nil || r.Reply.Seq != 2 || r.Reply.Text != "hi" {
		t.Errorf("reply kept as %+v", r.Action)
	}
	if e := list[2]; e.Kind != chat.TypeEdit || e.Text != "new" || e.Target != 4 {
		t.Errorf("edit kept as %+v", e)
	}
}

// TestActionsMadeOfflineAreStoredOnce checks, with a real server, that an
// edit and a reaction made offline wait in the outbox, are sent when the
// connection is back, and are stored once. (Resends across a flapping
// connection: server/actions_test.go.)
func TestActionsMadeOfflineAreStoredOnce(t *testing.T) {
	t.Parallel()
	s := chattest.New(t, server.Options{})
	ann := s.ModelClient(t, "ann", nil)
	watcher := s.ModelClient(t, "watcher", nil)
	ann.Until("ann ready", func() bool { return ann.Ready(lobbyID) })
	ann.Say(lobbyID, "", "helo")
	ann.Until("the message stored", func() bool { return ann.Count(lobbyID, "helo") == 1 && len(ann.Model.Outbox) == 0 })
	var seq uint64
	for _, e := range ann.Entries(lobbyID) {
		if strings.Contains(e.HTML, "helo") {
			seq = e.Seq
		}
	}

	ann.Disconnect()
	ann.Until("offline", func() bool { return ann.Session.State() != client.Online })
	edit, err := ann.Session.Edit(lobbyID, seq, "hello")
	if err != nil {
		t.Fatal(err)
	}
	react, err := ann.Session.React(lobbyID, seq, "👍", true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ann.Session.React(lobbyID, seq, "<b>", true); err == nil {
		t.Error("a reaction of markup was taken")
	}
	if o := ann.Model.Message(edit); o == nil || o.Wired || o.InFlight {
		t.Errorf("the edit offline: %+v", o)
	}

	// Back online: both go out after the Welcome, and are acknowledged.
	ann.Reconnect()
	ann.Until("both acknowledged", func() bool {
		return ann.Session.State() == client.Online && ann.Model.Message(edit) == nil && ann.Model.Message(react) == nil
	})
	watcher.Until("the edit and the reaction seen", func() bool {
		for _, e := range watcher.Entries(lobbyID) {
			if e.Seq == seq {
				return strings.Contains(e.HTML, "hello") && len(e.Reactions) == 1
			}
		}
		return false
	})

	probe := s.User(t, "probe")
	probe.Send(&chat.History{Conv: lobbyID, Limit: chat.MaxHistoryLimit})
	page := chattest.Expect(probe, func(p *chat.Page) bool { return p.Conv == lobbyID && len(p.Entries) > 0 })
	edits, reacts := 0, 0
	for _, e := range page.Entries {
		if e.Target == seq && e.Kind == chat.EntryEdit {
			edits++
		}
		if e.Target == seq && e.Kind == chat.EntryReact {
			reacts++
		}
	}
	if edits != 1 || reacts != 1 {
		t.Errorf("stored %d edits and %d reactions, want one of each", edits, reacts)
	}
	for _, e := range ann.Errors {
		t.Errorf("ann got an error: %+v", e)
	}
}

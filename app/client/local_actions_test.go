//go:build !js

package client_test

import (
	"testing"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
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

//go:build !js

package client_test

import (
	"testing"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
	"github.com/founding/chat/server"
	"github.com/founding/chat/server/chattest"
)

// TestGroupWrittenOfflineArrivesOnce: Ann starts a group with Bob and Cid,
// goes offline and writes to it; the tab closes, and a new tab of the same
// browser profile delivers the message to both, once, with the group and
// its members restored.
func TestGroupWrittenOfflineArrivesOnce(t *testing.T) {
	t.Parallel()
	s := chattest.New(t, server.Options{})
	bob, cid := s.User(t, "bob"), s.User(t, "cid")
	jar := chattest.NewJar()
	name := freshProfile("session-" + t.Name())

	first := openLocal(t, name)
	ann := chattest.NewModelClient(t, s.URL, chattest.ModelOptions{Name: "ann", Jar: jar, Local: first})
	ann.Until("a ready lobby", func() bool { return ann.Ready(lobbyID) })
	if err := ann.Session.NewGroup("Trip", []string{"bob", "cid"}); err != nil {
		t.Fatal(err)
	}
	var id string
	ann.Until("the group", func() bool {
		for c := range ann.Model.Convs {
			if ann.Model.IsGroup(c) && ann.Ready(c) {
				id = c
				return true
			}
		}
		return false
	})
	ann.Disconnect()
	ann.Until("offline", func() bool { return ann.State == client.Offline })
	if _, err := ann.Session.Compose(id, "", "written on the train"); err != nil {
		t.Fatal(err)
	}
	ann.Session.SaveNow()
	ann.Until("saved", func() bool { return ann.Session.Idle() })
	first.Close()

	again := chattest.NewModelClient(t, s.URL, chattest.ModelOptions{Name: "ann", Jar: jar, Local: openLocal(t, name)})
	again.Until("the message acknowledged", func() bool {
		return again.Count(id, "written on the train") == 1 && len(again.Model.Outbox) == 0
	})
	if got := again.Model.GroupMembers(id); len(got) != 3 || again.Model.Convs[id].Name != "Trip" {
		t.Errorf("restored group: %q named %q", got, again.Model.Convs[id].Name)
	}
	again.Say(id, "", "marker")
	again.Until("the marker acknowledged", func() bool { return len(again.Model.Outbox) == 0 })
	for _, c := range []*chattest.Client{bob, cid} {
		chattest.Expect(c, func(e *chat.Entry) bool { return containsText(e.HTML, "marker") })
		if n := countIn(c, "written on the train"); n != 1 {
			t.Errorf("got the offline message %d times, want once", n)
		}
	}
}

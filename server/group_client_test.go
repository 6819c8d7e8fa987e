package server_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
	"github.com/founding/chat/server/chattest"
)

// TestGroupSessionSeenUnreadAndLeave: three tabs as the browser runs them
// (client.Session): Ann starts a named group with Bob and Cid through the
// Session; Bob's unread count and Ann's "Seen by" follow what Bob and Cid
// read; Bob adds Dee, whose window starts at the addition; Cid leaves and
// loses the group while the others' member lists drop Cid. Offline the
// Session refuses to start a group.
func TestGroupSessionSeenUnreadAndLeave(t *testing.T) {
	s := chattest.New(t, fast())
	ann := s.ModelClient(t, "ann", nil)
	bob := s.ModelClient(t, "bob", nil)
	cid := s.ModelClient(t, "cid", nil)
	dee := s.ModelClient(t, "dee", nil)
	for _, mc := range []*chattest.ModelClient{ann, bob, cid, dee} {
		mc.Until("the lobby", func() bool { return mc.Ready("r:lobby") })
	}

	if err := ann.Session.NewGroup("", []string{"bob"}); err == nil {
		t.Error("a group of two was sent")
	}
	if err := ann.Session.NewGroup("Trip", []string{"bob", "ann", "cid", "bob"}); err != nil {
		t.Fatal(err)
	}
	var id string
	ann.Until("the group", func() bool {
		for cid := range ann.Model.Convs {
			if ann.Model.IsGroup(cid) && ann.Ready(cid) {
				id = cid
				return true
			}
		}
		return false
	})
	if got := ann.Model.GroupMembers(id); !slices.Equal(got, []string{"ann", "bob", "cid"}) {
		t.Errorf("members %q, want ann, bob, cid", got)
	}
	if got := ann.Model.Convs[id].Name; got != "Trip" {
		t.Errorf("the group is called %q, want Trip", got)
	}
	for _, mc := range []*chattest.ModelClient{bob, cid} {
		mc.Until("the group", func() bool { return mc.Ready(id) })
	}

	ann.Say(id, "", "hello group")
	bob.Until("Ann's message, unread", func() bool { return bob.Count(id, "hello group") == 1 && bob.Model.Convs[id].Unread == 1 })
	ann.Until("Ann's message stored", func() bool { return ann.Count(id, "hello group") == 1 })
	msg := ann.Entries(id)[len(ann.Entries(id))-1].Seq
	if ann.Model.SeenAt(id) != 0 {
		t.Error("seen before anyone read")
	}
	for i, mc := range []*chattest.ModelClient{bob, cid} {
		mc.Until("Ann's message", func() bool { return mc.Count(id, "hello group") == 1 })
		mc.Send(mc.Model.MarkRead(id))
		mc.Until("read", func() bool { return mc.Model.Convs[id].Unread == 0 })
		ann.Until("seen by more", func() bool { return len(ann.Model.GroupSeenBy(id, msg)) == i+1 })
	}
	if at, by := ann.Model.SeenAt(id), ann.Model.GroupSeenBy(id, msg); at != msg || !slices.Equal(by, []string{"bob", "cid"}) {
		t.Errorf("seen at %d by %q, want %d by bob, cid", at, by, msg)
	}

	if err := bob.Session.AddToGroup(id, []string{"dee"}); err != nil {
		t.Fatal(err)
	}
	dee.Until("the group", func() bool { return dee.Ready(id) })
	if e := dee.Entries(id); len(e) == 0 || e[0].Kind != chat.EntryAdd || dee.Count(id, "hello group") != 0 {
		t.Errorf("Dee's window: %+v, want it to start at the addition", e)
	}
	dee.LoadOlder(id)
	if dee.Count(id, "hello group") != 0 || !dee.Model.Convs[id].Start {
		t.Error("Dee loaded what was said before being added")
	}
	ann.Until("Dee in the list", func() bool { return slices.Contains(ann.Model.GroupMembers(id), "dee") })

	if err := cid.Session.LeaveGroup(id); err != nil {
		t.Fatal(err)
	}
	cid.Until("the group gone", func() bool { return cid.Model.Convs[id] == nil })
	for _, mc := range []*chattest.ModelClient{ann, bob, dee} {
		mc.Until("Cid out of the list", func() bool {
			return mc.Model.IsGroup(id) && !slices.Contains(mc.Model.GroupMembers(id), "cid") && len(mc.Model.GroupMembers(id)) == 3
		})
	}
	if err := cid.Session.LeaveGroup("r:lobby"); err == nil {
		t.Error("LeaveGroup took a room")
	}

	dee.Disconnect()
	dee.Until("offline", func() bool { return dee.State != client.Online })
	if err := dee.Session.NewGroup("", []string{"ann", "bob"}); !errors.Is(err, client.ErrOffline) {
		t.Errorf("offline NewGroup: %v, want ErrOffline", err)
	}
}

package client_test

import (
	"slices"
	"testing"

	"github.com/founding/chat/app/chat"
)

// TestGroupSeenByFollowsEachMember: in a group, each Seen frame raises the
// position of the member it names, never lowers it; "Seen" goes under the
// last of the user's messages that one member read, and GroupSeenBy says
// who read a message.
func TestGroupSeenByFollowsEachMember(t *testing.T) {
	const g = "g:abc"
	m, _ := ready(t, 1)
	m.Apply(&chat.Conv{ConvInfo: chat.ConvInfo{ID: g, Kind: chat.KindPrivate, Name: "bob, &lt;c&gt;", Last: 3,
		Group: &chat.GroupInfo{Members: []string{"&lt;c&gt;", "ann", "bob"}, Reads: map[string]uint64{"bob": 1}}}})
	m.Apply(page(g, 1, 3, []chat.Entry{entry(g, 1, "ann"), entry(g, 2, "ann"), entry(g, 3, "bob")}))
	held := m.Convs[g].Info // what a UI may hold while the frames come
	if !m.IsGroup(g) || m.IsGroup(lobby) {
		t.Fatal("IsGroup tells groups wrongly")
	}
	if got := m.GroupMembers(g); !slices.Equal(got, []string{"<c>", "ann", "bob"}) {
		t.Errorf("members %q", got)
	}
	if at := m.SeenAt(g); at != 1 {
		t.Errorf("seen at %d, want 1", at)
	}
	m.Apply(&chat.Seen{Conv: g, Seq: 3, User: "&lt;c&gt;"})
	m.Apply(&chat.Seen{Conv: g, Seq: 2, User: "bob"})
	m.Apply(&chat.Seen{Conv: g, Seq: 1, User: "&lt;c&gt;"}) // late: no lower
	if at, by := m.SeenAt(g), m.GroupSeenBy(g, 2); at != 2 || !slices.Equal(by, []string{"<c>", "bob"}) {
		t.Errorf("seen at %d by %q, want 2 by <c>, bob", at, by)
	}
	if by := m.GroupSeenBy(g, 3); !slices.Equal(by, []string{"<c>"}) {
		t.Errorf("3 seen by %q, want <c>", by)
	}
	if held.Group.Reads["bob"] != 1 || len(held.Group.Reads) != 1 {
		t.Errorf("a Seen changed a copy of the info: %v", held.Group.Reads)
	}
	if m.Convs[g].Info.Seen != 0 {
		t.Error("a group's Seen went to the pair's position")
	}
	m.Apply(&chat.Gone{Conv: g})
	if m.IsGroup(g) || m.GroupMembers(g) != nil {
		t.Error("the group stayed after Gone")
	}
}

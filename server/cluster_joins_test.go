package server_test

import (
	"fmt"
	"testing"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/chattest"
)

// TestFirstJoinsOfANewRoomOnEveryNode: three people on three chat nodes of
// a 3-server NATS cluster (replicas 3) join the same new room at once, for
// rooms one after another. Each join succeeds on every node (none reads a
// replica that has not seen the room made on another node: "key not
// found", "hub: not found"), and each room has one owner for all.
func TestFirstJoinsOfANewRoomOnEveryNode(t *testing.T) {
	srvs, _, _ := clusterNodes(t, 3)
	var people []*chattest.Client
	for i, s := range srvs {
		people = append(people, s.User(t, fmt.Sprintf("joiner%d", i)))
	}
	const rooms = 12
	for r := range rooms {
		name := fmt.Sprintf("new room %d", r)
		for _, p := range people {
			p.Send(&chat.Join{Room: name})
		}
		owners := map[string]bool{}
		for i, p := range people {
			c := expectJoinOutcome(t, p, "r:"+name)
			if c == nil {
				t.Fatalf("room %d: joiner%d's join failed: %s", r, i, describeErrors(p))
			}
			owners[c.Owner] = true
		}
		if len(owners) != 1 {
			t.Errorf("room %d has owners %v as seen from the three nodes, want one", r, owners)
		}
	}
}

// expectJoinOutcome waits for c's answer to joining conv: its record, or
// nil when an error about a join came first.
func expectJoinOutcome(t *testing.T, c *chattest.Client, conv string) *chat.Conv {
	t.Helper()
	var got *chat.Conv
	answered := chattest.Within(chattest.Wait, func() bool {
		for _, f := range c.Frames() {
			switch f := f.(type) {
			case *chat.Conv:
				if f.ID == conv {
					got = f
					return true
				}
			case *chat.Error:
				if f.Ref == chat.TypeJoin {
					return true
				}
			}
		}
		return false
	})
	if !answered {
		t.Fatalf("no answer to joining %s in %v", conv, chattest.Wait)
	}
	return got
}

package server_test

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/coder/websocket"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server"
	"github.com/founding/chat/server/chattest"
	"github.com/founding/chat/server/hub"
)

// adminNodes starts two chat nodes over a 3-server NATS cluster (R3
// streams and buckets), each on its own first server, with root an admin
// by the -admin flag.
func adminNodes(t *testing.T) []*chattest.Server {
	t.Helper()
	_, urls := chattest.NATSCluster(t, t.TempDir(), 3)
	var srvs []*chattest.Server
	for i := range 2 {
		mine := append(slices.Clone(urls[i:]), urls[:i]...)
		s, _ := startNode(t, mine, 3, func(o *server.Options) { o.Admins = []string{"root"} })
		srvs = append(srvs, s)
	}
	return srvs
}

// TestAdminClusterDisableClosesEverywhere: on two chat nodes over a
// 3-server NATS cluster (R3 streams and buckets), an admin on node 0
// disables Ann, whose tab is on node 1: it closes with signed_out there,
// and her password no longer signs in on node 1. An admin made on node 0
// is one on node 1; both nodes list both nodes; node 1 reads the audit
// entries node 0 wrote.
func TestAdminClusterDisableClosesEverywhere(t *testing.T) {
	srvs := adminNodes(t)
	root := userWithPassword(t, srvs[0], "root", "root's long password")
	userWithPassword(t, srvs[0], "ann", "ann's own words")
	bob := userWithPassword(t, srvs[0], "bob", "bob's own words")
	phone := chattest.NewJar()
	if got := signIn(t, srvs[1], &http.Client{Jar: phone}, "ann", "ann's own words"); got != http.StatusOK {
		t.Fatalf("sign-in on node 1: %d", got)
	}
	tab := srvs[1].Dial(t, phone)
	chattest.Expect(tab, func(w *chat.Welcome) bool { return w.Me == "ann" })

	if code := adminCall(t, srvs[0].URL, root.Jar, "POST", "/api/admin/users/ann/disable", nil, nil); code != 200 {
		t.Fatalf("disable on node 0: %d", code)
	}
	if code := tab.WaitClosed(chattest.Wait); code != websocket.StatusCode(chat.CloseSignedOut.Code) {
		t.Errorf("ann's tab on node 1 closed with %d, want %d", code, chat.CloseSignedOut.Code)
	}
	if got := signIn(t, srvs[1], &http.Client{Jar: chattest.NewJar()}, "ann", "ann's own words"); got != http.StatusForbidden {
		t.Errorf("sign-in of a disabled account on node 1: %d", got)
	}

	if code := adminCall(t, srvs[0].URL, root.Jar, "PUT", "/api/admin/users/bob/admin", nil, nil); code != 200 {
		t.Fatalf("make bob an admin on node 0: %d", code)
	}
	if code := adminCall(t, srvs[1].URL, bob.Jar, "GET", "/api/admin/me", nil, nil); code != 200 {
		t.Errorf("bob as an admin on node 1: %d", code)
	}
	var nodes struct {
		Nodes []struct {
			Node  string `json:"node"`
			Ready bool   `json:"ready"`
		} `json:"nodes"`
	}
	for i, s := range srvs {
		if code := adminCall(t, s.URL, bob.Jar, "GET", "/api/admin/nodes", nil, &nodes); code != 200 || len(nodes.Nodes) != 2 ||
			nodes.Nodes[0].Node == nodes.Nodes[1].Node {
			t.Errorf("nodes from node %d: %d %+v", i, code, nodes)
		}
	}
	var log auditBody
	if code := adminCall(t, srvs[1].URL, bob.Jar, "GET", "/api/admin/audit", nil, &log); code != 200 || len(log.Entries) != 2 ||
		log.Entries[0].Action != "admin.add" || log.Entries[1].Action != "user.disable" {
		t.Errorf("audit from node 1: %d %+v", code, log)
	}
	var st struct {
		Stores []server.StoreUsage `json:"stores"`
	}
	if code := adminCall(t, srvs[1].URL, bob.Jar, "GET", "/api/admin/storage", nil, &st); code != 200 ||
		!slices.ContainsFunc(st.Stores, func(u server.StoreUsage) bool { return u.Kind == "stream" && u.Name == "chat_audit" && u.Messages == 2 }) ||
		!slices.ContainsFunc(st.Stores, func(u server.StoreUsage) bool { return u.Kind == "kv" && u.Name == "chat_accounts" }) {
		t.Errorf("storage: %d %+v", code, st)
	}

	// A new owner holds on the node that did not make the change.
	cy := srvs[1].User(t, "cy")
	den := room(t, cy, "den")
	room(t, bob, "den")
	if code := adminCall(t, srvs[0].URL, bob.Jar, "PUT", "/api/admin/rooms/"+den.ID+"/owner/bob", nil, nil); code != 200 {
		t.Fatalf("owner on node 0: %d", code)
	}
	chattest.Expect(cy, func(c *chat.Conv) bool { return c.ID == den.ID && c.Owner == "bob" && !c.Moderator })
	refusedWith(t, cy, &chat.SetInviteOnly{Conv: den.ID, On: true}, chat.CodeNotOwner)

	// An archive made on node 0 holds on node 1: cy's posts there are
	// refused once it arrives (at once when the word reaches the node,
	// within a second when it does not).
	if code := adminCall(t, srvs[0].URL, bob.Jar, "POST", "/api/admin/rooms/"+den.ID+"/archive", nil, nil); code != 200 {
		t.Fatalf("archive on node 0: %d", code)
	}
	chattest.Expect(cy, func(c *chat.Conv) bool { return c.ID == den.ID && c.Archived })
	n := uint64(100)
	chattest.Eventually(t, chattest.Wait, func() bool {
		if errorsAbout(cy, chat.TypeSend, chat.CodeArchived) > 0 {
			return true
		}
		if answered(cy, msgID(n)) {
			n++
			cy.Send(&chat.Send{ID: msgID(n), Conv: den.ID, Text: "still open?"})
		}
		return false
	}, "the archive made on node 0 did not hold on node 1")
}

// answered reports whether c got the ack or an error of message id, or
// sent no such message (id's counter below 101).
func answered(c *chattest.Client, id chat.MsgID) bool {
	if id.N <= 100 {
		return true
	}
	for _, f := range c.Frames() {
		switch f := f.(type) {
		case *chat.Ack:
			if f.ID == id {
				return true
			}
		case *chat.Error:
			if f.ID != nil && *f.ID == id {
				return true
			}
		}
	}
	return false
}

// TestAdminClusterConsoleAdminModerates: an admin made in the console of
// node 0 (two chat nodes over a 3-server NATS cluster) bans a member
// through a connection on node 1 made before, and loses the power there
// once node 0's console removes it.
func TestAdminClusterConsoleAdminModerates(t *testing.T) {
	srvs := adminNodes(t)
	consoleAdminModerates(t, srvs[0], srvs[1])
}

// TestAdminClusterOwnerFollowsTheRecord: a room's new owner reaches the
// other node from the room's record alone (the Directory's watch), with
// no word from the console at all, as for a node that missed it: Bob,
// made the owner in node 0's storage, moderates through his tab on node
// 1, and Cy, the owner before, no longer does.
func TestAdminClusterOwnerFollowsTheRecord(t *testing.T) {
	_, urls := chattest.NATSCluster(t, t.TempDir(), 3)
	_, _, st0 := startNodeStorage(t, urls, 3, nil)
	node1, _ := startNode(t, append(slices.Clone(urls[1:]), urls[0]), 3, nil)
	cy, bob, dan := node1.User(t, "cy"), node1.User(t, "bob"), node1.User(t, "dan")
	den := room(t, cy, "den")
	room(t, bob, "den")
	room(t, dan, "den")

	owners, ok := st0.Directory.(interface {
		SetOwner(ctx context.Context, id string, owner hub.Member) error
	})
	if !ok {
		t.Fatal("the directory cannot set owners")
	}
	if err := owners.SetOwner(context.Background(), den.ID, hub.Member{Key: "bob", Name: "bob"}); err != nil {
		t.Fatal(err)
	}
	chattest.Expect(bob, func(c *chat.Conv) bool { return c.ID == den.ID && c.Owner == "bob" && c.Moderator })
	chattest.Expect(cy, func(c *chat.Conv) bool { return c.ID == den.ID && c.Owner == "bob" && !c.Moderator })
	refusedWith(t, cy, &chat.Ban{Conv: den.ID, Name: "dan"}, chat.CodeNotOwner)
	bob.Send(&chat.Ban{Conv: den.ID, Name: "dan"})
	chattest.Expect(dan, func(g *chat.Gone) bool { return g.Conv == den.ID })
}

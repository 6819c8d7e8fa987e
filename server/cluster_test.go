package server_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	natsserver "github.com/nats-io/nats-server/v2/server"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server"
	"github.com/founding/chat/server/bus"
	"github.com/founding/chat/server/chattest"
	"github.com/founding/chat/server/hub"
)

// startNode starts a chat node of the cluster tests on the NATS servers
// at urls, with its own NATS connection and streams of replicas copies:
// the fault tests' lifted limits and short grace, heartbeats fast enough
// that a silent node is noticed soon, and what tune changes.
func startNode(t testing.TB, urls []string, replicas int, tune func(*server.Options)) (*chattest.Server, *bus.Bus) {
	t.Helper()
	s, b, _ := startNodeStorage(t, urls, replicas, tune)
	return s, b
}

// startNodeStorage is startNode that also returns the node's storage.
func startNodeStorage(t testing.TB, urls []string, replicas int, tune func(*server.Options)) (*chattest.Server, *bus.Bus, *server.Storage) {
	t.Helper()
	st, b := chattest.Node(t, urls, replicas)
	opts := faultOptions()
	opts.Storage = st
	opts.PresenceHeartbeat, opts.PresenceTTL = 100*time.Millisecond, 500*time.Millisecond
	if tune != nil {
		tune(&opts)
	}
	return chattest.New(t, opts), b, st
}

// nodes starts n chat nodes on the NATS at url.
func nodes(t *testing.T, url string, n int) ([]*chattest.Server, []*bus.Bus) {
	t.Helper()
	var srvs []*chattest.Server
	var buses []*bus.Bus
	for range n {
		s, b := startNode(t, []string{url}, 1, nil)
		srvs, buses = append(srvs, s), append(buses, b)
	}
	return srvs, buses
}

// readyStatus returns the status /readyz of s answers, 0 when it does not.
func readyStatus(s *chattest.Server) int {
	resp, err := http.Get(s.URL + "/readyz")
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// presences returns the lobby presence frames about user that c got.
func presences(c *chattest.Client, user string) []chat.Presence {
	var out []chat.Presence
	for _, f := range c.Frames() {
		if p, ok := f.(*chat.Presence); ok && p.Conv == hub.LobbyID && p.User == user {
			out = append(out, *p)
		}
	}
	return out
}

// lastRoster returns the users of the newest lobby roster c got.
func lastRoster(c *chattest.Client) []string {
	var last []string
	for _, f := range c.Frames() {
		if r, ok := f.(*chat.Roster); ok && r.Conv == hub.LobbyID {
			last = r.Users
		}
	}
	return last
}

// TestNodesShareOnePresence: users on different nodes see each other come
// online and go, in their rosters and notices, as on one node; a user with
// tabs on two nodes is one online user, who leaves once, when the last
// tab's grace ends; a node cut off without a word has its users go offline
// everywhere within the TTL.
func TestNodesShareOnePresence(t *testing.T) {
	_, url := chattest.NATS(t, t.TempDir())
	srvs, buses := nodes(t, url, 3)
	ann := srvs[0].User(t, "Ann")
	bob := srvs[1].User(t, "Bob")

	// Ann hears Bob arrive; Bob's roster, made on his node, lists Ann.
	chattest.Expect(ann, func(p *chat.Presence) bool { return p.Conv == hub.LobbyID && p.User == "Bob" && p.Online && !p.Quiet })
	chattest.Eventually(t, chattest.Wait, func() bool { return slices.Equal(lastRoster(bob), []string{"Ann", "Bob"}) },
		"Bob's roster does not list Ann")

	// A second tab of Bob's, on Ann's node, is no news.
	tab := srvs[0].Dial(t, bob.Jar)
	chattest.Expect(tab, func(w *chat.Welcome) bool { return w.Me == "Bob" })
	// The lobby's roster is a frame of its own after the welcome.
	chattest.Expect(tab, func(r *chat.Roster) bool { return r.Conv == hub.LobbyID })
	if r := lastRoster(tab); !slices.Equal(r, []string{"Ann", "Bob"}) {
		t.Errorf("the roster on Bob's second tab = %v", r)
	}
	// Bob closes the tab on his first node: he stays online through it.
	bob.Conn.CloseNow()
	cid := srvs[2].User(t, "Cid")
	chattest.Expect(ann, func(p *chat.Presence) bool { return p.User == "Cid" && p.Online })
	// Cid's roster is made after Bob's first node's grace may have ended:
	// Bob is still online, on Ann's node.
	chattest.Eventually(t, chattest.Wait, func() bool { return slices.Equal(lastRoster(cid), []string{"Ann", "Bob", "Cid"}) },
		"Cid's roster does not list Ann and Bob")
	if got := presences(ann, "Bob"); len(got) != 1 {
		t.Fatalf("Ann got %d presence frames about Bob, want only his arrival: %+v", len(got), got)
	}

	// Bob's last tab closes: after its grace he leaves, once, for everyone.
	tab.Conn.CloseNow()
	chattest.Expect(ann, func(p *chat.Presence) bool { return p.User == "Bob" && !p.Online })
	chattest.Expect(cid, func(p *chat.Presence) bool { return p.User == "Bob" && !p.Online })

	// Cid's node is cut off from NATS, as a killed process would be: no
	// goodbye. Within the TTL Cid is offline on the other nodes.
	buses[2].Conn.Close()
	chattest.Expect(ann, func(p *chat.Presence) bool { return p.User == "Cid" && !p.Online })
	chattest.Eventually(t, chattest.Wait, func() bool { return slices.Equal(lastRoster(ann), []string{"Ann"}) },
		"Ann's roster still lists someone who left")
	// Bob comes back on the second node and is online again for Ann.
	again := srvs[1].Dial(t, bob.Jar)
	chattest.Expect(again, func(w *chat.Welcome) bool { return w.Me == "Bob" })
	chattest.Eventually(t, chattest.Wait, func() bool {
		got := presences(ann, "Bob")
		return len(got) == 3 && got[2].Online
	}, "Ann does not see Bob come back")
}

// TestSessionsEndOnEveryNode: Ann's phone is connected to two nodes; a
// password change made on a third closes both with 4001 and the reason,
// and signing out of a browser on one node closes its tab on another.
func TestSessionsEndOnEveryNode(t *testing.T) {
	_, url := chattest.NATS(t, t.TempDir())
	srvs, _ := nodes(t, url, 3)
	ann := userWithPassword(t, srvs[2], "ann", "ann's own words")
	phone := chattest.NewJar()
	if got := signIn(t, srvs[0], &http.Client{Jar: phone}, "ann", "ann's own words"); got != http.StatusOK {
		t.Fatalf("sign-in: %d", got)
	}
	var tabs []*chattest.Client
	for _, s := range srvs[:2] {
		c := s.Dial(t, phone)
		chattest.Expect(c, func(w *chat.Welcome) bool { return w.Me == "ann" })
		tabs = append(tabs, c)
	}
	ann.Send(&chat.SetPassword{Old: "ann's own words", New: "a new secret"})
	for i, c := range tabs {
		if code := c.WaitClosed(chattest.Wait); code != websocket.StatusCode(chat.CloseSignedOut.Code) {
			t.Errorf("the phone's tab on node %d closed with %d, want %d", i, code, chat.CloseSignedOut.Code)
		}
		chattest.Expect(c, func(e *chat.Error) bool {
			return e.Code == chat.CodeSignedOut && e.Message == chat.ReasonPasswordChanged
		})
	}

	// Ann's own browser, with a tab on node 0, signs out through node 1.
	tab := srvs[0].Dial(t, ann.Jar)
	chattest.Expect(tab, func(w *chat.Welcome) bool { return w.Me == "ann" })
	req, _ := http.NewRequest(http.MethodPost, srvs[1].URL+"/api/signout", nil)
	req.Header.Set("Origin", srvs[1].URL)
	resp, err := (&http.Client{Jar: ann.Jar}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("sign-out: %d", resp.StatusCode)
	}
	if code := tab.WaitClosed(chattest.Wait); code != websocket.StatusCode(chat.CloseSignedOut.Code) {
		t.Errorf("the tab on another node closed with %d after the sign-out, want %d", code, chat.CloseSignedOut.Code)
	}
}

// clusterNodes starts n chat nodes on a 3-server NATS cluster, streams and
// buckets with 3 replicas, node i connected to NATS server i first, with a
// balancer in front; it returns the nodes' buses and the balancer.
func clusterNodes(t *testing.T, n int) ([]*chattest.Server, []*bus.Bus, *chattest.Balancer) {
	t.Helper()
	srvs, buses, bal, _ := clusterOfNATS(t, n)
	return srvs, buses, bal
}

// clusterOfNATS is clusterNodes that also returns the NATS servers.
func clusterOfNATS(t *testing.T, n int) ([]*chattest.Server, []*bus.Bus, *chattest.Balancer, []*natsserver.Server) {
	t.Helper()
	nats, urls := chattest.NATSCluster(t, t.TempDir(), 3)
	var srvs []*chattest.Server
	var buses []*bus.Bus
	var nodeURLs []string
	for i := range n {
		mine := append(slices.Clone(urls[i%3:]), urls[:i%3]...)
		s, b := startNode(t, mine, 3, nil)
		srvs, buses, nodeURLs = append(srvs, s), append(buses, b), append(nodeURLs, s.URL)
	}
	return srvs, buses, chattest.NewBalancer(t, nodeURLs), nats
}

// TestFaultClusterNodeKilled: six members of the lobby are spread over
// three chat nodes on a 3-server NATS cluster, and two of them send 500
// messages each. Midway the third node dies as a killed process does: its
// connections are cut and its NATS connection closes, with no goodbye. Its
// clients reconnect through the balancer to another node and resume; every
// member ends with all 1,000 messages exactly once, in order; the others see
// the dead node's users go offline within the TTL, and come back when they
// reconnect.
func TestFaultClusterNodeKilled(t *testing.T) {
	const each, killAt, window = 500, 150, 20
	_, buses, bal := clusterNodes(t, 3)
	names := []string{"ann", "bob", "cid", "dan", "eve", "fay"}
	var members []*chattest.ModelClient
	for i, name := range names {
		members = append(members, chattest.NewModelClient(t, bal.Front(i%3), chattest.ModelOptions{Name: name}))
	}
	for _, mc := range members {
		mc.Until("online", func() bool { return mc.Ready(hub.LobbyID) })
	}
	// Two who do not reconnect by themselves: an observer on the first
	// node, and Gus on the node that dies.
	obs := chattest.DialURL(t, bal.Front(0), nil)
	chattest.Expect(obs, func(w *chat.Welcome) bool { return w.NeedName })
	obs.Send(&chat.Nick{Name: "obs"})
	chattest.Expect(obs, func(w *chat.Welcome) bool { return w.Me == "obs" }) // Gus comes after: a notice, not in the roster
	gus := chattest.DialURL(t, bal.Front(2), nil)
	chattest.Expect(gus, func(w *chat.Welcome) bool { return w.NeedName })
	gus.Send(&chat.Nick{Name: "Gus"})
	chattest.Expect(obs, func(p *chat.Presence) bool { return p.User == "Gus" && p.Online })

	senders := []*chattest.ModelClient{members[0], members[2]} // on nodes 0 and 2
	var killed time.Time
	offline := make(chan time.Duration, 1) // how long until Gus was offline for the observer; -1 never
	for i := 1; i <= each; i++ {
		for _, s := range senders {
			s.Model.Compose(hub.LobbyID, "", faultText(s.Name, i, "said while a node dies"))
			s.Flush()
			if i%window == 0 {
				s.Until("the window acknowledged", func() bool { return len(s.Model.Outbox) == 0 })
			}
		}
		if i == killAt {
			bal.Kill(2)
			buses[2].Conn.Close()
			killed = time.Now()
			go func() {
				gone := chattest.Within(faultPatience, func() bool {
					return slices.ContainsFunc(presences(obs, "Gus"), func(p chat.Presence) bool { return !p.Online })
				})
				if !gone {
					offline <- -1
					return
				}
				offline <- time.Since(killed)
			}()
		}
	}
	// Gus's node is gone: within the TTL he is offline for the others.
	if took := <-offline; took < 0 {
		t.Fatalf("Gus never went offline for the others after his node died")
	} else {
		t.Logf("Gus went offline for the others %v after his node died (TTL %v, heartbeat %v)", took.Round(time.Millisecond), 500*time.Millisecond, 100*time.Millisecond)
	}
	again := chattest.DialURL(t, bal.Front(2), gus.Jar)
	chattest.Expect(again, func(w *chat.Welcome) bool { return w.Me == "Gus" })
	chattest.Eventually(t, faultPatience, func() bool {
		// Online again after having been offline: on a loaded machine the
		// short TTL may have flapped him before, so count nothing.
		ps := presences(obs, "Gus")
		went := slices.IndexFunc(ps, func(p chat.Presence) bool { return !p.Online })
		return went >= 0 && ps[len(ps)-1].Online
	}, "the observer does not see Gus come back")

	members[0].Model.Compose(hub.LobbyID, "", faultText("end", 1, "the last word"))
	members[0].Flush()
	for _, mc := range members {
		catchUp(t, mc, hub.LobbyID, "end", 1)
	}
	for _, mc := range members {
		entries := mc.Entries(hub.LobbyID)
		for _, s := range senders {
			checkRun(t, mc.Name, s.Name, entries, each)
		}
	}
	for _, s := range senders {
		s.Until("every message acknowledged", func() bool { return s.Settled() })
		seqs := make(map[chat.MsgID]uint64)
		for _, a := range s.Acks {
			if prev, ok := seqs[a.ID]; ok && prev != a.Seq {
				t.Errorf("%s: message %v acked as seq %d and as seq %d", s.Name, a.ID, prev, a.Seq)
			}
			seqs[a.ID] = a.Seq
		}
		for _, e := range s.Errors {
			t.Errorf("%s got an error: %s: %s", s.Name, e.Code, e.Message)
		}
	}
	if moved := members[2].Onlines; moved < 2 {
		t.Errorf("cid's client came online %d times: it never reconnected after its node died", moved)
	}
}

// TestFaultNATSServerKilled: three members on three chat nodes, each node
// connected to its own server of a 3-server NATS cluster; two of them send
// 300 messages each, and midway one NATS server dies. Its chat node moves
// to another server, the streams' leaders move if they were there, and no
// acknowledged message is lost: every member ends with all 600 exactly
// once, in order. The longest wait for an ack around the death is the
// pause, reported.
func TestFaultNATSServerKilled(t *testing.T) {
	const each, killAt, window = 300, 100, 20
	_, _, bal, nats := clusterOfNATS(t, 3)
	var members []*chattest.ModelClient
	for i, name := range []string{"ann", "bob", "cid"} {
		members = append(members, chattest.NewModelClient(t, bal.Front(i), chattest.ModelOptions{Name: name}))
	}
	for _, mc := range members {
		mc.Until("online", func() bool { return mc.Ready(hub.LobbyID) })
	}
	senders := []*chattest.ModelClient{members[0], members[1]} // on the nodes of NATS servers 0 and 1
	var pause, before time.Duration
	for i := 1; i <= each; i++ {
		for _, s := range senders {
			s.Model.Compose(hub.LobbyID, "", faultText(s.Name, i, "said while a NATS server dies"))
			s.Flush()
			if i%window == 0 {
				start := time.Now()
				s.Until("the window acknowledged", func() bool { return len(s.Model.Outbox) == 0 })
				switch took := time.Since(start); {
				case i <= killAt:
					before = max(before, took)
				case i <= killAt+2*window:
					pause = max(pause, took)
				}
			}
		}
		if i == killAt {
			nats[1].Shutdown()
		}
	}
	t.Logf("the longest wait for a window of %d acks: %v after NATS server 1 died, %v before", window, pause.Round(time.Millisecond), before.Round(time.Millisecond))
	members[0].Model.Compose(hub.LobbyID, "", faultText("end", 1, "the last word"))
	members[0].Flush()
	for _, mc := range members {
		catchUp(t, mc, hub.LobbyID, "end", 1)
		for _, s := range senders {
			checkRun(t, mc.Name, s.Name, mc.Entries(hub.LobbyID), each)
		}
	}
	for _, s := range senders {
		for _, e := range s.Errors {
			t.Errorf("%s got an error: %s: %s", s.Name, e.Code, e.Message)
		}
	}
}

// TestFaultNodeCutOffFromNATS: the line between Ann's chat node and NATS
// is cut while she writes. Her messages wait, pending and not failed, while
// Bob's node carries on; when the line is back they are stored, each once,
// and Bob gets all of them in order.
func TestFaultNodeCutOffFromNATS(t *testing.T) {
	const before, during = 20, 20
	_, urls := chattest.NATSCluster(t, t.TempDir(), 3)
	line := chattest.NewBalancer(t, urls[:1]) // Ann's node reaches NATS only through it
	var srvs []*chattest.Server
	for _, u := range []string{"nats://" + strings.TrimPrefix(line.Front(0), "http://"), urls[1]} {
		s, _ := startNode(t, []string{u}, 3, nil)
		srvs = append(srvs, s)
	}
	ann := srvs[0].ModelClient(t, "ann", nil)
	bob := srvs[1].ModelClient(t, "bob", nil)
	for _, mc := range []*chattest.ModelClient{ann, bob} {
		mc.Until("online", func() bool { return mc.Ready(hub.LobbyID) })
	}
	for i := 1; i <= before; i++ {
		ann.Model.Compose(hub.LobbyID, "", faultText("ann", i, "before the cut"))
		ann.Flush()
	}
	ann.Until("acknowledged", func() bool { return len(ann.Model.Outbox) == 0 })

	line.Cut(0)
	for i := before + 1; i <= before+during; i++ {
		ann.Model.Compose(hub.LobbyID, "", faultText("ann", i, "while the line is cut"))
		ann.Flush()
	}
	// Bob's node carries on meanwhile.
	bob.Model.Compose(hub.LobbyID, "", faultText("bob", 1, "on the other node"))
	bob.Flush()
	bob.Until("Bob's message acknowledged", func() bool { return len(bob.Model.Outbox) == 0 })
	// The node says it is not ready while it cannot reach NATS.
	chattest.Eventually(t, chattest.Wait, func() bool { return readyStatus(srvs[0]) == http.StatusServiceUnavailable },
		"the cut-off node still says it is ready")
	// Ann's messages, written before the node knew it was cut off, wait:
	// not lost, not failed.
	ann.Poll()
	if n := len(ann.Model.Outbox); n == 0 {
		t.Fatalf("Ann's messages were acknowledged while her node could not reach NATS")
	}
	for _, o := range ann.Model.Outbox {
		if o.Failed != "" {
			t.Errorf("message %d failed while the line was cut: %s", o.ID.N, o.Failed)
		}
	}
	line.Restore(0)
	restored := time.Now()
	chattest.Eventually(t, chattest.Wait, func() bool { return readyStatus(srvs[0]) == http.StatusOK },
		"the node is not ready again once the line is back")

	ann.Until("every message acknowledged once the line is back", func() bool { return ann.Settled() })
	t.Logf("Ann's %d messages acknowledged %v after the line was back", during, time.Since(restored).Round(time.Millisecond))
	ann.Model.Compose(hub.LobbyID, "", faultText("end", 1, "the last word"))
	ann.Flush()
	for _, mc := range []*chattest.ModelClient{ann, bob} {
		catchUp(t, mc, hub.LobbyID, "end", 1)
		checkRun(t, mc.Name, "ann", mc.Entries(hub.LobbyID), before+during)
		t.Logf("%s has every message %v after the line was back", mc.Name, time.Since(restored).Round(time.Millisecond))
	}
	for _, e := range ann.Errors {
		t.Logf("ann was told while cut off: %s: %s", e.Code, e.Message)
	}
}

// TestNodesShareReadPositionsAndMemberships: Ann has a tab on each of two
// nodes. What she reads on one is read on the other, and a room she joins
// or leaves on one appears or goes on the other; Bob's messages, from a
// third node, reach both.
func TestNodesShareReadPositionsAndMemberships(t *testing.T) {
	_, url := chattest.NATS(t, t.TempDir())
	srvs, _ := nodes(t, url, 3)
	here := srvs[0].User(t, "ann")
	there := srvs[1].Dial(t, here.Jar)
	chattest.Expect(there, func(w *chat.Welcome) bool { return w.Me == "ann" })
	bob := srvs[2].User(t, "bob")

	bob.Send(&chat.Send{ID: msgID(1), Conv: hub.LobbyID, Text: "read me"})
	ack := chattest.Expect(bob, func(a *chat.Ack) bool { return a.ID == msgID(1) })
	for _, tab := range []*chattest.Client{here, there} {
		chattest.Expect(tab, entryWith("read me"))
	}
	here.Send(&chat.Read{Conv: hub.LobbyID, Seq: ack.Seq})
	chattest.Expect(there, func(c *chat.Cursor) bool { return c.Conv == hub.LobbyID && c.Seq == ack.Seq })

	here.Send(&chat.Join{Room: "across"})
	chattest.Expect(there, func(c *chat.Conv) bool { return c.ID == "r:across" })
	there.Send(&chat.Leave{Conv: "r:across"})
	chattest.Expect(here, func(g *chat.Gone) bool { return g.Conv == "r:across" })
}

// TestNamesHoldAcrossNodes: a name picked on one node is taken on the
// others, a look-alike of it too, and its password signs in on any node.
func TestNamesHoldAcrossNodes(t *testing.T) {
	_, url := chattest.NATS(t, t.TempDir())
	srvs, _ := nodes(t, url, 2)
	userWithPassword(t, srvs[0], "Ann", "ann's own words")
	for _, name := range []string{"ann", "\u0391\u039d\u039d"} { // the same key; a Greek look-alike
		c := srvs[1].Dial(t, nil)
		chattest.Expect(c, func(w *chat.Welcome) bool { return w.NeedName })
		c.Send(&chat.Nick{Name: name})
		e := chattest.Expect(c, func(e *chat.Error) bool { return e.Ref == chat.TypeNick })
		if e.Code != chat.CodeNameTaken {
			t.Errorf("claiming %q on the other node: %+v", name, e)
		}
	}
	if got := signIn(t, srvs[1], &http.Client{Jar: chattest.NewJar()}, "ann", "ann's own words"); got != http.StatusOK {
		t.Errorf("signing in on the other node: %d", got)
	}
	if got := signIn(t, srvs[1], &http.Client{Jar: chattest.NewJar()}, "ann", "a wrong guess"); got != http.StatusUnauthorized {
		t.Errorf("a wrong password on the other node: %d", got)
	}
}

// TestCrowdedRoomsCountEveryNode: in a room crowded past the presence
// limit, the count each member sees covers the users online on every node,
// and nobody gets a notice per arrival.
func TestCrowdedRoomsCountEveryNode(t *testing.T) {
	_, url := chattest.NATS(t, t.TempDir())
	var srvs []*chattest.Server
	for range 2 {
		s, _ := startNode(t, []string{url}, 1, func(o *server.Options) { o.PresenceLimit, o.RosterInterval = 2, 100*time.Millisecond })
		srvs = append(srvs, s)
	}
	var users []*chattest.Client
	for i, name := range []string{"u1", "u2", "u3", "u4", "u5"} {
		users = append(users, srvs[i%2].User(t, name))
	}
	// Every member's roster comes to count all five, two nodes together.
	for _, u := range users {
		chattest.Eventually(t, chattest.Wait, func() bool {
			u.Send(&chat.Ping{N: 1}) // a frame, for the renewed roster to go out with
			for _, f := range slices.Backward(u.Frames()) {
				if r, ok := f.(*chat.Roster); ok && r.Conv == hub.LobbyID {
					return r.Count == 5 && len(r.Users) == 2
				}
			}
			return false
		}, "a roster counting the five users of both nodes")
	}
	// The last to arrive made no notices in the crowded room.
	for _, u := range users[:3] {
		if got := presences(u, "u5"); len(got) != 0 {
			t.Errorf("a member of the crowded lobby got notices of u5: %+v", got)
		}
	}
}

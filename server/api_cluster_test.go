package server_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server"
	"github.com/founding/chat/server/auth"
	"github.com/founding/chat/server/chattest"
)

// apiCluster starts n chat nodes on a 3-server NATS cluster (streams and
// buckets of 3 replicas, node i on NATS server i first), each with what
// tune sets.
func apiCluster(t *testing.T, n int, tune func(*server.Options)) []*chattest.Server {
	t.Helper()
	_, urls := chattest.NATSCluster(t, t.TempDir(), 3)
	var srvs []*chattest.Server
	for i := range n {
		mine := append(slices.Clone(urls[i%3:]), urls[:i%3]...)
		s, _ := startNode(t, mine, 3, tune)
		srvs = append(srvs, s)
	}
	return srvs
}

// TestAPIRateIsOneAcrossTheCluster: three chat nodes on a 3-server NATS
// cluster, a token's rate of 3 requests (and a webhook's of 2) per long
// window. Requests spread over the nodes get the rate once, not once per
// node: the fourth is refused with Retry-After whichever node it reaches,
// and so is every later one on every node; another token has its own.
func TestAPIRateIsOneAcrossTheCluster(t *testing.T) {
	t.Parallel()
	const burst, hookBurst = 3, 2
	nodes := apiCluster(t, 3, func(o *server.Options) {
		o.APIRate, o.APIBurst = 0.01, burst // a window of 300 s
		o.HookRate, o.HookBurst = 0.01, hookBurst
	})
	ann := nodes[0].User(t, "ann")
	token := newToken(t, nodes[0], ann, "read", "write")
	var ok, refused int
	for i := range 3 * len(nodes) {
		n := nodes[i%len(nodes)]
		var e apiErr
		code, h := apiCall(t, n.URL, token, "GET", "/api/v1/me", nil, nil, &e)
		switch {
		case code == 200:
			ok++
			if refused > 0 {
				t.Errorf("request %d (node %d) passed after a refusal", i, i%len(nodes))
			}
		case code == 429 && e.Code == chat.CodeRateLimited:
			refused++
			if retry, _ := strconv.Atoi(h.Get("Retry-After")); retry < 250 || retry > 300 {
				t.Errorf("request %d (node %d): Retry-After %q, want about the window's 300 s", i, i%len(nodes), h.Get("Retry-After"))
			}
		default:
			t.Fatalf("request %d (node %d): %d %+v", i, i%len(nodes), code, e)
		}
	}
	if ok != burst {
		t.Errorf("%d requests passed over %d nodes, want the token's burst of %d once", ok, len(nodes), burst)
	}
	// Another token of the same person has its own window.
	other := newToken(t, nodes[1], ann, "read")
	if code, _ := apiCall(t, nodes[2].URL, other, "GET", "/api/v1/me", nil, nil, nil); code != 200 {
		t.Errorf("another token: %d", code)
	}

	// A webhook's rate, the same way: its burst once over the nodes.
	inRoom(t, ann, "ci")
	writer := newToken(t, nodes[0], ann, "read", "write")
	path := makeWebhook(t, nodes[0], writer, "r:ci", "cibot").path
	posted := 0
	for i := range 2 * len(nodes) {
		resp, err := apiHTTP(nil).Post(nodes[i%len(nodes)].URL+path, "application/json", strings.NewReader(`{"text":"build `+strconv.Itoa(i)+` passed"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusOK:
			posted++
		case http.StatusTooManyRequests:
		default:
			t.Fatalf("webhook post %d: %d", i, resp.StatusCode)
		}
	}
	if posted != hookBurst {
		t.Errorf("the webhook posted %d times over %d nodes, want its burst of %d once", posted, len(nodes), hookBurst)
	}
}

// TestRevocationHoldsOnEveryNodeAtOnce: three chat nodes on a 3-server
// NATS cluster (buckets of 3 replicas, read by default from the nearest
// one). A token revoked on one node is refused by the very next request
// on each other node, five times over; so is an incoming webhook; and an
// outgoing hook revoked on one node is not called for the next message
// stored on another, whose cache still held it, while a hook made after
// that cache was filled is called.
func TestRevocationHoldsOnEveryNodeAtOnce(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	calls := map[string][]string{} // path -> the texts it was sent
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct{ Text string }
		json.NewDecoder(r.Body).Decode(&req)
		mu.Lock()
		calls[r.URL.Path] = append(calls[r.URL.Path], req.Text)
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer receiver.Close()
	called := func(path string) []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(calls[path])
	}
	nodes := apiCluster(t, 3, func(o *server.Options) {
		o.OutgoingAllow = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	})
	ann := nodes[0].User(t, "ann")

	// Tokens: made, used everywhere, revoked on node 0, refused at once
	// on nodes 1 and 2.
	for round := range 5 {
		token := newToken(t, nodes[0], ann, "read")
		for i, n := range nodes {
			if code, _ := apiCall(t, n.URL, token, "GET", "/api/v1/me", nil, nil, nil); code != 200 {
				t.Fatalf("round %d, node %d before the revocation: %d", round, i, code)
			}
		}
		var me struct {
			Token struct{ ID string } `json:"token"`
		}
		apiCall(t, nodes[0].URL, token, "GET", "/api/v1/me", nil, nil, &me)
		req, _ := http.NewRequest("DELETE", nodes[0].URL+"/api/tokens/"+me.Token.ID, nil)
		req.Header.Set("Origin", nodes[0].URL)
		resp, err := apiHTTP(ann.Jar).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 204 {
			t.Fatalf("round %d: revoke: %d", round, resp.StatusCode)
		}
		for i, n := range nodes[1:] {
			var e apiErr
			if code, _ := apiCall(t, n.URL, token, "GET", "/api/v1/me", nil, nil, &e); code != 401 || e.Code != chat.CodeUnauthorized {
				t.Errorf("round %d, node %d right after the revocation: %d %+v", round, i+1, code, e)
			}
		}
	}

	// An incoming webhook, the same.
	inRoom(t, ann, "ops")
	writer := newToken(t, nodes[0], ann, "read", "write")
	hook := makeWebhook(t, nodes[0], writer, "r:ops", "deploys")
	path := hook.path
	post := func(n *chattest.Server, text string) int {
		resp, err := apiHTTP(nil).Post(n.URL+path, "application/json", strings.NewReader(`{"text":"`+text+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post(nodes[2], "shipped"); code != 200 {
		t.Fatalf("the webhook on node 2: %d", code)
	}
	if code, _ := apiCall(t, nodes[0].URL, writer, "DELETE", "/api/v1/conversations/r:ops/webhooks/"+hook.id, nil, nil, nil); code != 204 {
		t.Fatalf("revoke the webhook: %d", code)
	}
	for i, n := range nodes[1:] {
		if code := post(n, "too late"); code != 404 {
			t.Errorf("the revoked webhook on node %d right after: %d", i+1, code)
		}
	}

	// Outgoing hooks: bob's messages are stored on node 1, which sends
	// them to the hooks.
	bob := nodes[1].User(t, "bob")
	inRoom(t, bob, "ops")
	var first struct{ ID string }
	if code, _ := apiCall(t, nodes[0].URL, writer, "POST", "/api/v1/conversations/r:ops/outgoing",
		map[string]any{"name": "firstbot", "trigger": "/first", "url": receiver.URL + "/first"}, nil, &first); code != 201 {
		t.Fatalf("make /first: %d", code)
	}
	n := uint64(0)
	send := func(text string) {
		n++
		bob.Send(&chat.Send{ID: chat.MsgID{Device: "bobs-laptop", N: n}, Conv: "r:ops", Text: text})
		chattest.Expect(bob, func(a *chat.Ack) bool { return a.ID.N == n })
	}
	// Node 1 reads the room's hooks (and keeps them) for this one.
	send("/first a")
	chattest.Eventually(t, chattest.Wait, func() bool { return len(called("/first")) == 1 }, "/first was not called")
	if code, _ := apiCall(t, nodes[0].URL, writer, "POST", "/api/v1/conversations/r:ops/outgoing",
		map[string]any{"name": "watcher", "trigger": "@", "url": receiver.URL + "/watcher"}, nil, nil); code != 201 {
		t.Fatalf("make the watcher: %d", code)
	}
	send("@watcher are you there")
	chattest.Eventually(t, chattest.Wait, func() bool { return len(called("/watcher")) == 1 },
		"a hook made on node 0 was not called for a message on node 1")
	if code, _ := apiCall(t, nodes[0].URL, writer, "DELETE", "/api/v1/conversations/r:ops/outgoing/"+first.ID, nil, nil, nil); code != 204 {
		t.Fatalf("revoke /first: %d", code)
	}
	// One message that sets off both: the hooks are tried in order, so
	// once the watcher has it, /first was passed over or called.
	send("/first b @watcher")
	chattest.Eventually(t, chattest.Wait, func() bool { return len(called("/watcher")) == 2 }, "the watcher was not called")
	if got := called("/first"); len(got) != 1 {
		t.Errorf("the revoked /first was called for a message stored right after on another node: %q", got)
	}
}

// TestWebhookRetriesPostOnce: a sender that retries a delivery through
// another node, bringing the same delivery id (GitHub's, Standard
// Webhooks', or an Idempotency-Key that is a UUID), posts once and gets
// the first ack again; identical messages without a key, or with keys of
// their own, are each posted (nothing is compared by content). The API
// takes a UUID Idempotency-Key the same way.
func TestWebhookRetriesPostOnce(t *testing.T) {
	t.Parallel()
	nodes := twoNodes(t, server.Options{})
	ann := nodes[0].User(t, "ann")
	inRoom(t, ann, "ci")
	token := newToken(t, nodes[0], ann, "read", "write")
	path := makeWebhook(t, nodes[0], token, "r:ci", "cibot").path
	post := func(node int, header http.Header) uint64 {
		t.Helper()
		var ack ackBody
		code, _ := apiCall(t, nodes[node].URL, "", "POST", path, map[string]any{"text": "build passed"}, header, &ack)
		if code != 200 || ack.Ack.Seq == 0 {
			t.Fatalf("post through node %d with %v: %d %+v", node, header, code, ack)
		}
		return ack.Ack.Seq
	}
	var seqs []uint64
	for _, h := range []string{"X-GitHub-Delivery", "Webhook-Id", "Idempotency-Key"} {
		key := http.Header{h: {"72d3162e-cc78-11e3-81ab-" + strings.ToLower(h[:4])}}
		first, retry := post(0, key), post(1, key)
		if first != retry {
			t.Errorf("%s: the retry through the other node was stored as %d, the first as %d", h, retry, first)
		}
		seqs = append(seqs, first)
	}
	// Identical messages without a key, or each with its own, are each
	// posted.
	seqs = append(seqs, post(0, nil), post(1, nil),
		post(0, http.Header{"X-GitHub-Delivery": {"a-first-delivery"}}), post(1, http.Header{"X-GitHub-Delivery": {"a-second-delivery"}}))
	slices.Sort(seqs)
	if len(slices.Compact(slices.Clone(seqs))) != 7 {
		t.Errorf("the posts were stored as %v, want 7 distinct messages", seqs)
	}
	var page chat.Page
	apiCall(t, nodes[1].URL, token, "GET", "/api/v1/conversations/r:ci/messages", nil, nil, &page)
	n := 0
	for _, e := range page.Entries {
		if e.Kind == chat.EntryMessage && strings.Contains(e.HTML, "build passed") {
			n++
		}
	}
	if n != 7 {
		t.Errorf("the room holds %d \"build passed\", want 7", n)
	}

	// The API, with a UUID as the key, through either node.
	key := http.Header{"Idempotency-Key": {"5f0c6a1e-2b7d-4c1a-9e8f-0d3b2a1c4e5f"}}
	var a, b ackBody
	apiCall(t, nodes[0].URL, token, "POST", "/api/v1/conversations/r:ci/messages", map[string]any{"text": "deployed"}, key, &a)
	apiCall(t, nodes[1].URL, token, "POST", "/api/v1/conversations/r:ci/messages", map[string]any{"text": "deployed"}, key, &b)
	if a.Ack.Seq == 0 || a.Ack.Seq != b.Ack.Seq {
		t.Errorf("the API's retry with a UUID key: %+v then %+v", a.Ack, b.Ack)
	}
	// A key longer than auth.MaxKeyBytes is refused, not cut.
	long := http.Header{"Idempotency-Key": {strings.Repeat("k", auth.MaxKeyBytes+1)}}
	if code, _ := apiCall(t, nodes[0].URL, "", "POST", path, map[string]any{"text": "too long a key"}, long, nil); code != 400 {
		t.Errorf("a webhook post with a %d-byte key: %d, want 400", auth.MaxKeyBytes+1, code)
	}
}

// TestBotsAreMarkedOnline: a bot online over its token's websocket on one
// node is a bot in the online list on both, through the API (Roster.Bots)
// and in the Presence a person watching on the other node gets.
func TestBotsAreMarkedOnline(t *testing.T) {
	t.Parallel()
	nodes := twoNodes(t, server.Options{Admins: []string{"root"}})
	root := nodes[0].User(t, "root")
	root.Send(&chat.SetPassword{New: "correct horse battery"})
	chattest.Expect(root, func(a *chat.Account) bool { return a.Password })
	admin := newToken(t, nodes[0], root, "read", "write")
	botOnline(t, nodes[0].URL, nodes[1].WS, admin, "statusbot")
	chattest.Expect(root, func(p *chat.Presence) bool { return p.User == "statusbot" && p.Online && p.Bot })
	for i, n := range nodes {
		var online chat.Roster
		chattest.Eventually(t, chattest.Wait, func() bool {
			online = chat.Roster{}
			apiCall(t, n.URL, admin, "GET", "/api/v1/conversations/r:lobby/online", nil, nil, &online)
			return contains(online.Users, "statusbot")
		}, "the bot in the online list")
		if !slices.Equal(online.Bots, []string{"statusbot"}) || !contains(online.Users, "root") {
			t.Errorf("node %d's online list: %+v, want statusbot alone marked a bot", i, online)
		}
	}
}

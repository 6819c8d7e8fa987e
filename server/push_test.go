package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server"
	"github.com/founding/chat/server/chattest"
	"github.com/founding/chat/server/hub"
	"github.com/founding/chat/server/push"
	"github.com/founding/chat/server/push/pushtest"
)

// pushOn turns Web Push on for a test: the loopback push service is http,
// retries are quick.
func pushOn(o *server.Options) {
	o.Push = server.PushOptions{Contact: "mailto:ops@example.com", LoopbackHTTP: true, RetryBase: 10 * time.Millisecond, Timeout: 2 * time.Second}
}

// api makes a same-origin request of the chat at base with the browser
// jar and returns its status and body.
func api(t *testing.T, c *chattest.Client, method, path string, body any) (int, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Origin", c.URL)
	resp, err := (&http.Client{Jar: c.Jar, Timeout: chattest.Wait}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// subscribe gives the browser of c a subscription on svc.
func subscribe(t *testing.T, c *chattest.Client, svc *pushtest.Service) chat.PushSubscription {
	t.Helper()
	sub := svc.Subscribe()
	if status, body := api(t, c, http.MethodPost, chat.PushSubscriptionPath, sub); status != http.StatusNoContent {
		t.Fatalf("subscribing: %d %s", status, body)
	}
	return sub
}

// pushKey returns the VAPID key a node serves.
func pushKey(t *testing.T, c *chattest.Client) string {
	t.Helper()
	status, body := api(t, c, http.MethodGet, chat.PushKeyPath, nil)
	var k chat.PushKey
	if err := json.Unmarshal(body, &k); status != http.StatusOK || err != nil || k.Key == "" {
		t.Fatalf("GET %s: %d %s", chat.PushKeyPath, status, body)
	}
	return k.Key
}

// nextPush returns the next push svc took, decoded.
func nextPush(t *testing.T, svc *pushtest.Service) (pushtest.Push, chat.Push) {
	t.Helper()
	select {
	case p := <-svc.Pushes:
		var got chat.Push
		if err := json.Unmarshal(p.Body, &got); err != nil {
			t.Fatalf("push body %q: %v", p.Body, err)
		}
		return p, got
	case <-time.After(chattest.Wait):
		t.Fatal("no push arrived")
	}
	return pushtest.Push{}, chat.Push{}
}

// pushMetric sums the samples of a metric the chat at base serves whose
// line has label (e.g. `reason="active"`), or all of them.
func pushMetric(t *testing.T, s *chattest.Server, name, label string) float64 {
	t.Helper()
	_, body := s.Get(t, nil, "/metrics")
	sum := 0.0
	for line := range strings.SplitSeq(body, "\n") {
		if !strings.HasPrefix(line, name) || !strings.Contains(line, label) {
			continue
		}
		var v float64
		if _, err := fmt.Sscan(line[strings.LastIndexByte(line, ' ')+1:], &v); err == nil {
			sum += v
		}
	}
	return sum
}

// TestPushEndToEnd: a private message reaches the other person's browser
// as a push the loopback service can verify (VAPID signed with the key
// the server serves, sub without P15's doubled mailto:) and decrypt; the
// sender gets none; an active person none; a 410 removes the
// subscription; a sign-out removes its session's; endpoints must be https.
func TestPushEndToEnd(t *testing.T) {
	svc := pushtest.New(t)
	st := chattest.Durable(t, t.TempDir())
	opts := server.Options{Storage: st}
	pushOn(&opts)
	s := chattest.New(t, opts)
	ann, bob := s.User(t, "Ann"), s.User(t, "Bob")
	key := pushKey(t, ann)

	// Refused: an endpoint that is not https, keys of the wrong size, a
	// browser without a name, another site.
	bad := svc.Subscribe()
	bad.Endpoint = "http://push.example.com/x"
	if status, _ := api(t, ann, http.MethodPost, chat.PushSubscriptionPath, bad); status != http.StatusBadRequest {
		t.Errorf("an http endpoint: %d", status)
	}
	bad = svc.Subscribe()
	bad.Keys.Auth = "AAAA"
	if status, _ := api(t, ann, http.MethodPost, chat.PushSubscriptionPath, bad); status != http.StatusBadRequest {
		t.Errorf("a short auth key: %d", status)
	}
	visitor := s.Dial(t, nil)
	chattest.Expect(visitor, func(w *chat.Welcome) bool { return w.NeedName })
	if status, _ := api(t, visitor, http.MethodPost, chat.PushSubscriptionPath, svc.Subscribe()); status != http.StatusUnauthorized {
		t.Errorf("a browser without a name: %d", status)
	}

	annSub, bobSub := subscribe(t, ann, svc), subscribe(t, bob, svc)
	ann.Send(&chat.Send{ID: msgID(1), To: "Bob", Text: "see you at <5>"})
	chattest.Expect(ann, func(a *chat.Ack) bool { return a.ID == msgID(1) })
	raw, p := nextPush(t, svc)
	if raw.Sub != pushtest.ID(bobSub) || raw.Key != key || raw.Subject != "mailto:ops@example.com" || raw.Urgency != "high" || raw.Size > 3072 {
		t.Fatalf("push %+v", raw)
	}
	if p.Title != "Ann" || p.Body != "Ann: see you at <5>" || p.Entry == nil || !strings.Contains(p.Entry.HTML, "see you at &lt;5&gt;") ||
		p.Tag != chat.PushTag(p.Conv) || p.Kind != chat.KindPrivate || p.Name != "Ann" || p.Count != 1 {
		t.Fatalf("payload %+v", p)
	}

	// Devices with push: Bob's one, this one.
	status, body := api(t, bob, http.MethodGet, chat.PushSubscriptionPath, nil)
	var devs chat.PushDevices
	if err := json.Unmarshal(body, &devs); status != http.StatusOK || err != nil || len(devs.Devices) != 1 || !devs.Devices[0].Current {
		t.Fatalf("devices: %d %s", status, body)
	}

	// Bob is using a tab: nothing is pushed to him meanwhile.
	bob.Send(&chat.Active{})
	chattest.Eventually(t, chattest.Wait, func() bool {
		ann.Send(&chat.Send{ID: msgID(uint64(time.Now().UnixNano())), To: "Bob", Text: "are you there?"})
		return pushMetric(t, s, "chat_push_held_total", `reason="active"`) > 0
	}, "no push held while Bob is active")

	// Ann's settings say All for the lobby; Bob says Nothing there. A
	// lobby message from Bob reaches Ann; Bob gets no push of his own.
	if status, body := api(t, ann, http.MethodPost, chat.PushSettingsPath, chat.PushSettings{Levels: map[string]chat.PushLevel{hub.LobbyID: chat.PushAll}}); status != http.StatusNoContent {
		t.Fatalf("settings: %d %s", status, body)
	}
	if status, _ := api(t, ann, http.MethodPost, chat.PushSettingsPath, chat.PushSettings{Levels: map[string]chat.PushLevel{"r:x": "loud"}}); status != http.StatusBadRequest {
		t.Errorf("a bad level: %d", status)
	}
	status, body = api(t, ann, http.MethodGet, chat.PushSettingsPath, nil)
	if !strings.Contains(string(body), `"all"`) {
		t.Errorf("settings read back: %d %s", status, body)
	}
	bob.Send(&chat.Send{ID: msgID(2), Conv: hub.LobbyID, Text: "hello lobby"})
	raw, p = nextPush(t, svc)
	if raw.Sub != pushtest.ID(annSub) || p.Body != "Bob: hello lobby" || raw.Urgency != "normal" {
		t.Fatalf("the lobby push: %+v %+v", raw, p)
	}
	if svc.Attempts(pushtest.ID(annSub)) != 1 {
		t.Errorf("Ann's device had %d pushes; only Bob's lobby message concerns her", svc.Attempts(pushtest.ID(annSub)))
	}

	// The push service says Ann's subscription is gone: it is removed.
	svc.Answer(func(sub string, _ int) int {
		if sub == pushtest.ID(annSub) {
			return http.StatusGone
		}
		return http.StatusCreated
	})
	bob.Send(&chat.Send{ID: msgID(3), Conv: hub.LobbyID, Text: "anyone?"})
	chattest.Eventually(t, chattest.Wait, func() bool {
		_, body := api(t, ann, http.MethodGet, chat.PushSubscriptionPath, nil)
		return strings.Contains(string(body), `"devices":[]`)
	}, "the gone subscription is still listed")
	if pushMetric(t, s, "chat_push_subscriptions_removed_total", "") != 1 {
		t.Error("chat_push_subscriptions_removed_total is not 1")
	}

	// Bob signs out: his session's subscription goes with it.
	if status, _ := api(t, bob, http.MethodPost, "/api/signout", nil); status != http.StatusNoContent {
		t.Fatalf("sign-out: %d", status)
	}
	subs, err := push.Subscriptions(context.Background(), st.Push, "bob")
	if err != nil || len(subs) != 0 {
		t.Fatalf("Bob's subscriptions after his sign-out: %+v %v", subs, err)
	}
}

// TestPushKeysAndRoutesOff: without -push-contact the routes say push is
// off.
func TestPushOff(t *testing.T) {
	s := chattest.New(t, server.Options{Storage: server.MemoryStorage()})
	ann := s.User(t, "Ann")
	if status, body := api(t, ann, http.MethodGet, chat.PushKeyPath, nil); status != http.StatusNotFound || !strings.Contains(string(body), "push-contact") {
		t.Errorf("GET key with push off: %d %s", status, body)
	}
	ann.Send(&chat.Active{}) // served, and nothing to do
	ann.Send(&chat.Ping{N: 7})
	chattest.Expect(ann, func(p *chat.Pong) bool { return p.N == 7 })
	for _, f := range ann.Frames() {
		if e, ok := f.(*chat.Error); ok {
			t.Errorf("an error frame: %+v", e)
		}
	}
}

// TestPushOncePerDeviceOnThreeNodes: three chat nodes on a NATS cluster
// agree on one VAPID key, and every message that concerns Bob reaches each
// of his two devices once, whichever node its sender, Bob's tabs and his
// subscriptions are on.
func TestPushOncePerDeviceOnThreeNodes(t *testing.T) {
	svc := pushtest.New(t)
	_, urls := chattest.NATSCluster(t, t.TempDir(), 3)
	var srvs []*chattest.Server
	for range 3 {
		s, _ := startNode(t, urls, 3, pushOn)
		srvs = append(srvs, s)
	}
	ann := srvs[0].User(t, "Ann")
	bob := userWithPassword(t, srvs[1], "Bob", "bob's long secret")
	cid := srvs[2].User(t, "Cid")
	// Bob's second device signs in on node 2.
	jar := chattest.NewJar()
	if status := signIn(t, srvs[2], &http.Client{Jar: jar}, "Bob", "bob's long secret"); status != http.StatusOK {
		t.Fatalf("Bob's sign-in on a second device: %d", status)
	}
	bob2 := srvs[2].Dial(t, jar)
	chattest.Expect(bob2, func(w *chat.Welcome) bool { return w.Me == "Bob" })
	key := pushKey(t, ann)
	for _, c := range []*chattest.Client{bob, bob2} {
		if k := pushKey(t, c); k != key {
			t.Fatalf("nodes serve different keys: %s and %s", key, k)
		}
	}
	subs := []chat.PushSubscription{subscribe(t, bob, svc), subscribe(t, bob2, svc)}
	const n = 10
	start := time.Now()
	for i := range n {
		ann.Send(&chat.Send{ID: chat.MsgID{Device: "push-ann", N: uint64(i + 1)}, To: "Bob", Text: fmt.Sprintf("private %d", i)})
		cid.Send(&chat.Send{ID: chat.MsgID{Device: "push-cid", N: uint64(i + 1)}, Conv: hub.LobbyID, Text: fmt.Sprintf("@Bob look %d", i)})
	}
	got := map[string]map[string]bool{} // by subscription: conv/seq
	for range 4 * n {
		raw, p := nextPush(t, svc)
		if got[raw.Sub] == nil {
			got[raw.Sub] = map[string]bool{}
		}
		id := fmt.Sprintf("%s/%d", p.Conv, p.Seq)
		if got[raw.Sub][id] {
			t.Fatalf("entry %s pushed twice to %s", id, raw.Sub)
		}
		got[raw.Sub][id] = true
	}
	t.Logf("%d pushes to 2 devices decided, encrypted and taken by the push service in %v", 4*n, time.Since(start))
	for _, sub := range subs {
		if len(got[pushtest.ID(sub)]) != 2*n {
			t.Errorf("%s got %d pushes; want %d", pushtest.ID(sub), len(got[pushtest.ID(sub)]), 2*n)
		}
	}
	// Each node sent only the pushes of the entries it stored.
	sent := 0.0
	for i, s := range srvs {
		v := pushMetric(t, s, "chat_push_sent_total", "")
		if i == 1 && v != 0 {
			t.Errorf("node 1, Bob's, stored nothing but sent %v pushes", v)
		}
		sent += v
	}
	if sent != 4*n {
		t.Errorf("the nodes sent %v pushes; want %d", sent, 4*n)
	}
}

// TestPushRoutesRefuseOtherSites: the push routes that change something
// answer 403 to a request from another site, or without an Origin.
func TestPushRoutesRefuseOtherSites(t *testing.T) {
	opts := server.Options{Storage: server.MemoryStorage()}
	pushOn(&opts)
	s := chattest.New(t, opts)
	ann := s.User(t, "Ann")
	sub := pushtest.New(t).Subscribe()
	for _, r := range []struct{ method, path string }{
		{http.MethodPost, chat.PushSubscriptionPath}, {http.MethodDelete, chat.PushSubscriptionPath}, {http.MethodPost, chat.PushSettingsPath},
	} {
		for _, origin := range []string{"https://evil.example", ""} {
			b, _ := json.Marshal(sub)
			req, _ := http.NewRequest(r.method, s.URL+r.path, bytes.NewReader(b))
			if origin != "" {
				req.Header.Set("Origin", origin)
			}
			resp, err := (&http.Client{Jar: ann.Jar}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s %s from %q: %d", r.method, r.path, origin, resp.StatusCode)
			}
		}
	}
}

// TestHungPushServiceNeverSlowsTheChat: while Bob's push service answers
// nothing, Ann's messages to him are stored and acknowledged as ever, and
// the pushes wait in their queue (chat_push_queue_length).
func TestHungPushServiceNeverSlowsTheChat(t *testing.T) {
	svc := pushtest.New(t)
	svc.Answer(func(string, int) int { return pushtest.Hang })
	opts := server.Options{Storage: server.MemoryStorage(), MessageRate: 1e6, MessageBurst: 1e6}
	pushOn(&opts)
	opts.Push.Timeout = time.Minute
	s := chattest.New(t, opts)
	ann, bob := s.User(t, "Ann"), s.User(t, "Bob")
	subscribe(t, bob, svc)
	const n = 50
	start := time.Now()
	for i := range n {
		ann.Send(&chat.Send{ID: msgID(uint64(i + 1)), To: "Bob", Text: fmt.Sprintf("message %d", i)})
	}
	chattest.Expect(ann, func(a *chat.Ack) bool { return a.ID == msgID(n) })
	t.Logf("%d messages acknowledged in %v behind a hung push service", n, time.Since(start))
	chattest.Eventually(t, chattest.Wait, func() bool { return pushMetric(t, s, "chat_push_queue_length", "") >= n-4 },
		"the pushes do not wait in the queue")
}

// TestPushEndsWithTheSession: "sign out everywhere else" removes the
// other sessions' subscriptions at once; a password change ends them, and
// their subscriptions go before a push could reach them.
func TestPushEndsWithTheSession(t *testing.T) {
	svc := pushtest.New(t)
	st := server.MemoryStorage()
	opts := server.Options{Storage: st}
	pushOn(&opts)
	s := chattest.New(t, opts)
	ctx := context.Background()
	bob := userWithPassword(t, s, "Bob", "bob's long secret")
	second := func() *chattest.Client {
		jar := chattest.NewJar()
		if status := signIn(t, s, &http.Client{Jar: jar}, "Bob", "bob's long secret"); status != http.StatusOK {
			t.Fatalf("sign-in: %d", status)
		}
		c := s.Dial(t, jar)
		chattest.Expect(c, func(w *chat.Welcome) bool { return w.Me == "Bob" })
		return c
	}
	other := second()
	subscribe(t, bob, svc)
	subscribe(t, other, svc)
	if subs, _ := push.Subscriptions(ctx, st.Push, "bob"); len(subs) != 2 {
		t.Fatalf("%d subscriptions", len(subs))
	}
	if status, body := api(t, bob, http.MethodPost, "/api/devices/signout", map[string]bool{"others": true}); status != http.StatusNoContent {
		t.Fatalf("sign out everywhere else: %d %s", status, body)
	}
	if subs, _ := push.Subscriptions(ctx, st.Push, "bob"); len(subs) != 1 {
		t.Fatalf("after signing out everywhere else: %+v", subs)
	}

	// A password change from the second browser ends the first's session.
	other = second()
	otherSub := subscribe(t, other, svc)
	other.Send(&chat.SetPassword{Old: "bob's long secret", New: "a new long secret"})
	chattest.Expect(other, func(a *chat.Account) bool { return a.Password })
	ann := s.User(t, "Ann")
	ann.Send(&chat.Send{ID: msgID(1), To: "Bob", Text: "after the change"})
	raw, _ := nextPush(t, svc)
	if raw.Sub != pushtest.ID(otherSub) {
		t.Fatalf("a push to %s after its session ended", raw.Sub)
	}
	chattest.Eventually(t, chattest.Wait, func() bool {
		subs, _ := push.Subscriptions(ctx, st.Push, "bob")
		return len(subs) == 1 && subs[0].Endpoint == otherSub.Endpoint
	}, "the ended session's subscription is kept")
}

// TestPushContactMustBeAURL: -push-contact is a mailto: or https: URL.
func TestPushContactMustBeAURL(t *testing.T) {
	for _, c := range []string{"ops@example.com", "http://example.com", "mailto:nobody"} {
		srv, err := server.New(server.Options{Storage: server.MemoryStorage(), Push: server.PushOptions{Contact: c}})
		if err == nil {
			srv.Close()
			t.Errorf("contact %q accepted", c)
		}
	}
	srv, err := server.New(server.Options{Storage: server.MemoryStorage(), Push: server.PushOptions{Contact: "https://chat.example.com/about"}})
	if err != nil {
		t.Fatal(err)
	}
	srv.Close()
}

// TestPushRemoveAnotherDevice: DELETE with ?id= removes the push of
// another of the person's sessions (Account → Notifications, Remove),
// and never another person's.
func TestPushRemoveAnotherDevice(t *testing.T) {
	t.Parallel()
	svc := pushtest.New(t)
	st := server.MemoryStorage()
	opts := server.Options{Storage: st}
	pushOn(&opts)
	s := chattest.New(t, opts)
	bob := userWithPassword(t, s, "Bob", "bob's long secret")
	jar := chattest.NewJar()
	if status := signIn(t, s, &http.Client{Jar: jar}, "Bob", "bob's long secret"); status != http.StatusOK {
		t.Fatalf("sign-in: %d", status)
	}
	other := s.Dial(t, jar)
	chattest.Expect(other, func(w *chat.Welcome) bool { return w.Me == "Bob" })
	ann := s.User(t, "Ann")
	subscribe(t, bob, svc)
	otherSub := subscribe(t, other, svc)
	subscribe(t, ann, svc)
	devices := func(c *chattest.Client) []chat.PushDevice {
		t.Helper()
		status, body := api(t, c, http.MethodGet, chat.PushSubscriptionPath, nil)
		var d chat.PushDevices
		if err := json.Unmarshal(body, &d); status != http.StatusOK || err != nil {
			t.Fatalf("devices: %d %s", status, body)
		}
		return d.Devices
	}
	var otherID string
	for _, d := range devices(bob) {
		if !d.Current {
			otherID = d.ID
		}
	}
	if otherID == "" {
		t.Fatalf("Bob's devices: %+v", devices(bob))
	}
	// Ann cannot remove Bob's; Bob removes his other device's.
	if status, body := api(t, ann, http.MethodDelete, chat.PushSubscriptionPath+"?id="+url.QueryEscape(otherID), nil); status != http.StatusNoContent {
		t.Fatalf("Ann's DELETE: %d %s", status, body)
	}
	if n := len(devices(bob)); n != 2 || len(devices(ann)) != 1 {
		t.Fatalf("after Ann's DELETE of Bob's id: Bob has %d devices with push, Ann %d", n, len(devices(ann)))
	}
	if status, body := api(t, bob, http.MethodDelete, chat.PushSubscriptionPath+"?id="+url.QueryEscape(otherID), nil); status != http.StatusNoContent {
		t.Fatalf("Bob's DELETE: %d %s", status, body)
	}
	left := devices(bob)
	if len(left) != 1 || !left[0].Current {
		t.Fatalf("after removing the other device: %+v", left)
	}
	if subs, _ := push.Subscriptions(context.Background(), st.Push, "bob"); len(subs) != 1 || subs[0].Endpoint == otherSub.Endpoint {
		t.Errorf("Bob's subscriptions: %+v", subs)
	}
}

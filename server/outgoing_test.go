package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server"
	"github.com/founding/chat/server/chattest"
	"github.com/founding/chat/server/webhooksig"
)

// TestSlashCommandAnsweredByATestServer: a room's owner registers
// /weather with a receiving server on loopback (which the admin allowed);
// a member's "/weather Paris" reaches it signed, the receiver fails the
// first try, and its answer to the retry is posted once, as the command's
// bot, in reply to the member's message. A message without the trigger
// sends nothing. The room's history says that the command was made and
// revoked.
func TestSlashCommandAnsweredByATestServer(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var secret string
	var deliveries []string
	var got struct {
		Text, Args, From string
		Seq              uint64
	}
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if err := webhooksig.Verify(secret, r.Header.Get(webhooksig.TimestampHeader), r.Header.Get(webhooksig.SignatureHeader), body, time.Now(), time.Minute); err != nil {
			t.Errorf("the request's signature: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		deliveries = append(deliveries, r.Header.Get("X-Chat-Delivery"))
		if len(deliveries) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable) // the first try fails
			return
		}
		json.Unmarshal(body, &got)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"text":"sunny in ` + got.Args + `"}`))
	}))
	defer receiver.Close()
	s := chattest.New(t, server.Options{Storage: server.MemoryStorage(), OutgoingRetry: 10 * time.Millisecond,
		OutgoingAllow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	ann := s.User(t, "ann")
	inRoom(t, ann, "ops")
	bob := s.User(t, "bob")
	inRoom(t, bob, "ops")
	token := newToken(t, s, ann, "read", "write")
	var hook struct {
		ID, Secret string
	}
	if code, _ := apiCall(t, s.URL, token, "POST", "/api/v1/conversations/r:ops/outgoing",
		map[string]any{"name": "weatherbot", "trigger": "/weather", "url": receiver.URL + "/hook"}, nil, &hook); code != 201 || hook.Secret == "" {
		t.Fatalf("make the command: %d %+v", code, hook)
	}
	mu.Lock()
	secret = hook.Secret
	mu.Unlock()
	chattest.Expect(bob, func(e *chat.Entry) bool {
		return e.Kind == chat.EntryOutgoingHook && e.On && e.From == "ann" && strings.Contains(e.HTML, "made the outgoing hook weatherbot (/weather)")
	})
	var list struct {
		Hooks []struct{ ID, Secret string }
	}
	if apiCall(t, s.URL, token, "GET", "/api/v1/conversations/r:ops/outgoing", nil, nil, &list); len(list.Hooks) != 1 || list.Hooks[0].Secret != "" {
		t.Errorf("the list: %+v", list)
	}
	bob.Send(&chat.Send{ID: chat.MsgID{Device: "bobs-laptop", N: 1}, Conv: "r:ops", Text: "no command here"})
	bob.Send(&chat.Send{ID: chat.MsgID{Device: "bobs-laptop", N: 2}, Conv: "r:ops", Text: "/weather Paris"})
	asked := chattest.Expect(bob, func(a *chat.Ack) bool { return a.ID.N == 2 })
	answer := chattest.Expect(bob, func(e *chat.Entry) bool { return e.From == "weatherbot" })
	if !answer.Bot || answer.Reply == nil || answer.Reply.Seq != asked.Seq || !strings.Contains(answer.HTML, "sunny in Paris") {
		t.Errorf("the answer: %+v", answer)
	}
	chattest.Never(bob, 300*time.Millisecond, func(e *chat.Entry) bool { return e.From == "weatherbot" && e.Seq != answer.Seq })
	if code, _ := apiCall(t, s.URL, token, "DELETE", "/api/v1/conversations/r:ops/outgoing/"+hook.ID, nil, nil, nil); code != 204 {
		t.Errorf("revoke the command: %d", code)
	}
	chattest.Expect(bob, func(e *chat.Entry) bool {
		return e.Kind == chat.EntryOutgoingHook && !e.On && e.From == "ann" && strings.Contains(e.HTML, "revoked the outgoing hook weatherbot")
	})
	mu.Lock()
	defer mu.Unlock()
	if len(deliveries) != 2 || deliveries[0] != deliveries[1] || got.From != "bob" || got.Seq != asked.Seq {
		t.Errorf("deliveries %v, request %+v", deliveries, got)
	}
}

// TestOutgoingHookRefusesAPrivateURL: without the admin's leave, a hook
// cannot name a private address (safehttp's tests show that a name
// resolving to one is refused when dialled).
func TestOutgoingHookRefusesAPrivateURL(t *testing.T) {
	t.Parallel()
	s := chattest.New(t, server.Options{Storage: server.MemoryStorage()})
	ann := s.User(t, "ann")
	inRoom(t, ann, "ops")
	token := newToken(t, s, ann, "read", "write")
	for _, u := range []string{"http://169.254.169.254/latest/meta-data", "http://127.0.0.1:8080/", "http://[::1]/", "file:///etc/passwd", "http://user:pw@example.com/"} {
		var e apiErr
		if code, _ := apiCall(t, s.URL, token, "POST", "/api/v1/conversations/r:ops/outgoing",
			map[string]any{"name": "snoop", "trigger": "/x", "url": u}, nil, &e); code != 400 || e.Code != chat.CodeBadRequest {
			t.Errorf("%s: %d %+v", u, code, e)
		}
	}
	var list struct{ Hooks []any }
	if apiCall(t, s.URL, token, "GET", "/api/v1/conversations/r:ops/outgoing", nil, nil, &list); len(list.Hooks) != 0 {
		t.Errorf("hooks made: %+v", list)
	}
}

// TestEphemeralAnswerIsOnlyForItsAuthor: a receiver's answer marked
// ephemeral (ours, or Slack's response_type) reaches the author of the
// message alone, rendered, as a Notice from the hook's bot; the other
// member gets nothing, and the room's history holds no answer.
func TestEphemeralAnswerIsOnlyForItsAuthor(t *testing.T) {
	t.Parallel()
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var got struct{ Args string }
		body, _ := io.ReadAll(r.Body)
		json.Unmarshal(body, &got)
		w.Header().Set("Content-Type", "application/json")
		if got.Args == "slack" {
			w.Write([]byte(`{"text":"the **Slack** way","response_type":"ephemeral"}`))
			return
		}
		w.Write([]byte(`{"text":"only **you** see this","ephemeral":true}`))
	}))
	defer receiver.Close()
	s := chattest.New(t, server.Options{Storage: server.MemoryStorage(),
		OutgoingAllow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	ann := s.User(t, "ann")
	inRoom(t, ann, "ops")
	bob := s.User(t, "bob")
	inRoom(t, bob, "ops")
	token := newToken(t, s, ann, "read", "write")
	if code, _ := apiCall(t, s.URL, token, "POST", "/api/v1/conversations/r:ops/outgoing",
		map[string]any{"name": "helpbot", "trigger": "/help", "url": receiver.URL + "/hook"}, nil, nil); code != 201 {
		t.Fatalf("make the command: %d", code)
	}
	bob.Send(&chat.Send{ID: chat.MsgID{Device: "bobs-laptop", N: 1}, Conv: "r:ops", Text: "/help me"})
	n := chattest.Expect(bob, func(n *chat.Notice) bool { return true })
	if n.Conv != "r:ops" || n.From != "helpbot" || !strings.Contains(n.HTML, "<strong>you</strong>") {
		t.Errorf("the notice: %+v", n)
	}
	bob.Send(&chat.Send{ID: chat.MsgID{Device: "bobs-laptop", N: 2}, Conv: "r:ops", Text: "/help slack"})
	chattest.Expect(bob, func(n *chat.Notice) bool { return strings.Contains(n.HTML, "<strong>Slack</strong>") })
	chattest.Never(ann, 300*time.Millisecond, func(n *chat.Notice) bool { return true })
	bob.Send(&chat.History{Conv: "r:ops"})
	page := chattest.Expect(bob, func(p *chat.Page) bool { return p.Conv == "r:ops" })
	for _, e := range page.Entries {
		if e.From == "helpbot" || strings.Contains(e.HTML, "see this") {
			t.Errorf("the history holds the ephemeral answer: %+v", e)
		}
	}
}

// TestEphemeralAnswerReachesItsAuthorOnEveryNode: the answer reaches the
// author's connection on the other node too (NATS), and not the other
// member there.
func TestEphemeralAnswerReachesItsAuthorOnEveryNode(t *testing.T) {
	t.Parallel()
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"text":"just for you","ephemeral":true}`))
	}))
	defer receiver.Close()
	_, natsURL := chattest.NATS(t, t.TempDir())
	var nodes []*chattest.Server
	for range 2 {
		st, _ := chattest.Node(t, []string{natsURL}, 1)
		nodes = append(nodes, chattest.New(t, server.Options{Storage: st,
			OutgoingAllow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}))
	}
	ann := nodes[0].User(t, "ann")
	inRoom(t, ann, "ops")
	bob := nodes[0].User(t, "bob")
	inRoom(t, bob, "ops")
	bobThere := nodes[1].Dial(t, bob.Jar)
	chattest.Expect(bobThere, func(w *chat.Welcome) bool { return true })
	annThere := nodes[1].Dial(t, ann.Jar)
	chattest.Expect(annThere, func(w *chat.Welcome) bool { return true })
	token := newToken(t, nodes[0], ann, "read", "write")
	if code, _ := apiCall(t, nodes[0].URL, token, "POST", "/api/v1/conversations/r:ops/outgoing",
		map[string]any{"name": "helpbot", "trigger": "/help", "url": receiver.URL + "/hook"}, nil, nil); code != 201 {
		t.Fatalf("make the command: %d", code)
	}
	bob.Send(&chat.Send{ID: chat.MsgID{Device: "bobs-laptop", N: 1}, Conv: "r:ops", Text: "/help"})
	for _, c := range []*chattest.Client{bob, bobThere} {
		chattest.Expect(c, func(n *chat.Notice) bool { return n.Conv == "r:ops" && strings.Contains(n.HTML, "just for you") })
	}
	chattest.Never(annThere, 300*time.Millisecond, func(n *chat.Notice) bool { return true })
}

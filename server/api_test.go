package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server"
	"github.com/founding/chat/server/chattest"
)

// apiCall makes one request of the HTTP API with token (none when empty)
// and returns the status, the headers and the body decoded into out (when
// not nil).
func apiCall(t *testing.T, base, token, method, path string, body any, header http.Header, out any) (int, http.Header) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := apiHTTP(nil).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %d %q: %v", method, path, resp.StatusCode, data, err)
		}
	}
	return resp.StatusCode, resp.Header
}

// apiHTTP is a client (of the browser jar, if any) that keeps no
// connection open after a request, so none outlives its test.
// botOnline has the admin's token make the bot name at base and connects
// it over the websocket at wsURL with its own token, reading on as a
// client does until the test ends.
func botOnline(t *testing.T, base, wsURL, adminToken, name string) {
	t.Helper()
	var bot struct{ Token string }
	if code, _ := apiCall(t, base, adminToken, "POST", "/api/v1/bots", map[string]any{"name": name}, nil, &bot); code != 201 {
		t.Fatalf("make the bot %s: %d", name, code)
	}
	ws, _, err := websocket.Dial(context.Background(), wsURL, &websocket.DialOptions{Subprotocols: []string{chat.Subprotocol},
		HTTPClient: apiHTTP(nil), HTTPHeader: http.Header{"Authorization": {"Bearer " + bot.Token}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.CloseNow() })
	go func() {
		for {
			if _, _, err := ws.Read(context.Background()); err != nil {
				return
			}
		}
	}()
}

func apiHTTP(jar http.CookieJar) *http.Client {
	return &http.Client{Jar: jar, Transport: &http.Transport{DisableKeepAlives: true}}
}

// apiErr is the body of an error of the API.
type apiErr struct {
	Code  chat.Code `json:"code"`
	Error string    `json:"error"`
}

// newToken makes a personal access token for the signed-in browser of c
// (its cookie session, from the server's own origin) and returns it.
// inRoom has c join room and waits until it is in it.
func inRoom(t testing.TB, c *chattest.Client, room string) {
	t.Helper()
	c.Send(&chat.Join{Room: room})
	chattest.Expect(c, func(cv *chat.Conv) bool { return cv.ID == "r:"+room })
}

// twoNodes starts two chat nodes with opts on one NATS server, each
// storing with one replica.
func twoNodes(t *testing.T, opts server.Options) []*chattest.Server {
	t.Helper()
	_, natsURL := chattest.NATS(t, t.TempDir())
	var nodes []*chattest.Server
	for range 2 {
		st, _ := chattest.Node(t, []string{natsURL}, 1)
		o := opts
		o.Storage = st
		nodes = append(nodes, chattest.New(t, o))
	}
	return nodes
}

// madeWebhook is a webhook makeWebhook made: its id, and the path of its
// URL (the same on every node).
type madeWebhook struct{ id, path string }

// makeWebhook makes a webhook of conv called name on node s with token.
func makeWebhook(t *testing.T, s *chattest.Server, token, conv, name string) madeWebhook {
	t.Helper()
	var hook struct{ ID, URL string }
	if code, _ := apiCall(t, s.URL, token, "POST", "/api/v1/conversations/"+conv+"/webhooks", map[string]any{"name": name}, nil, &hook); code != 201 {
		t.Fatalf("make the webhook %s: %d", name, code)
	}
	return madeWebhook{id: hook.ID, path: strings.TrimPrefix(hook.URL, s.URL)}
}

func newToken(t testing.TB, s *chattest.Server, c *chattest.Client, scopes ...string) string {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"name": "test " + strings.Join(scopes, "+"), "scopes": scopes})
	req, _ := http.NewRequest("POST", s.URL+"/api/tokens", bytes.NewReader(b))
	req.Header.Set("Origin", s.URL)
	req.Header.Set("Content-Type", "application/json")
	resp, err := apiHTTP(c.Jar).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Token string `json:"token"`
	}
	json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode != http.StatusCreated || !strings.HasPrefix(out.Token, "chat_") {
		t.Fatalf("POST /api/tokens: %d, token %q", resp.StatusCode, out.Token)
	}
	return out.Token
}

type ackBody struct {
	Ack chat.Ack `json:"ack"`
}

// TestAPIRefusesRequestsWithoutAValidToken: no token, an unknown one, and
// a browser's session cookie alone all get 401 with a JSON code; a token
// from a page of another origin gets 403; the answers carry no CORS header.
func TestAPIRefusesRequestsWithoutAValidToken(t *testing.T) {
	t.Parallel()
	s := chattest.New(t, server.Options{Storage: server.MemoryStorage()})
	ann := s.User(t, "ann")
	token := newToken(t, s, ann, "read")
	var e apiErr
	if code, h := apiCall(t, s.URL, "", "GET", "/api/v1/conversations", nil, nil, &e); code != 401 || e.Code != chat.CodeUnauthorized || h.Get("WWW-Authenticate") == "" {
		t.Errorf("no token: %d %+v %v", code, e, h)
	}
	e = apiErr{}
	if code, _ := apiCall(t, s.URL, "chat_"+strings.Repeat("A", 43), "GET", "/api/v1/conversations", nil, nil, &e); code != 401 || e.Code != chat.CodeUnauthorized {
		t.Errorf("unknown token: %d %+v", code, e)
	}
	// The browser's cookie session is no token.
	req, _ := http.NewRequest("GET", s.URL+"/api/v1/conversations", nil)
	resp, err := apiHTTP(ann.Jar).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("cookie only: %d, want 401", resp.StatusCode)
	}
	e = apiErr{}
	code, h := apiCall(t, s.URL, token, "GET", "/api/v1/conversations", nil, http.Header{"Origin": {"https://evil.example"}}, &e)
	if code != 403 || e.Code != chat.CodeForbidden || h.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("another origin: %d %+v %v", code, e, h)
	}
	var convs struct {
		Conversations []chat.ConvInfo `json:"conversations"`
	}
	if code, h := apiCall(t, s.URL, token, "GET", "/api/v1/conversations", nil, nil, &convs); code != 200 || len(convs.Conversations) == 0 || convs.Conversations[0].ID != "r:lobby" || h.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("with the token: %d %+v", code, convs)
	}
	e = apiErr{}
	if code, _ := apiCall(t, s.URL, token, "GET", "/api/v1/nothing", nil, nil, &e); code != 404 || e.Code != chat.CodeNotFound {
		t.Errorf("no such route: %d %+v", code, e)
	}
	// CORS stays closed: a preflight from another site's page is granted
	// nothing, so its page may not send the token at all.
	req, _ = http.NewRequest("OPTIONS", s.URL+"/api/v1/conversations/r:lobby/messages", nil)
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
	if resp, err = apiHTTP(nil).Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for k := range resp.Header {
		if strings.HasPrefix(k, "Access-Control-") {
			t.Errorf("a preflight from another site got %s: %q", k, resp.Header.Get(k))
		}
	}
	if resp.StatusCode < 400 {
		t.Errorf("a preflight from another site: %d, want a refusal", resp.StatusCode)
	}
	// No cookie with a token: a request that brings both acts as the
	// token's user, never the cookie's, and is given no cookie.
	bob := s.User(t, "bob")
	bobToken := newToken(t, s, bob, "read")
	req, _ = http.NewRequest("GET", s.URL+"/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+bobToken)
	if resp, err = apiHTTP(ann.Jar).Do(req); err != nil {
		t.Fatal(err)
	}
	var me struct{ Name string }
	json.NewDecoder(resp.Body).Decode(&me)
	resp.Body.Close()
	if resp.StatusCode != 200 || me.Name != "bob" || resp.Header.Get("Set-Cookie") != "" {
		t.Errorf("bob's token with ann's cookie: %d, acting as %q, Set-Cookie %q", resp.StatusCode, me.Name, resp.Header.Get("Set-Cookie"))
	}
}

// TestAPIPostIsIdempotentAndSeenLive: a message posted through the API
// with an Idempotency-Key is stored once however often the request is
// retried, a websocket client sees it live, and the history shows it once;
// edit, react and delete take the same path.
func TestAPIPostIsIdempotentAndSeenLive(t *testing.T) {
	t.Parallel()
	s := chattest.New(t, server.Options{})
	ann := s.User(t, "ann")
	bob := s.User(t, "bob")
	token := newToken(t, s, ann, "read", "write")
	key := http.Header{"Idempotency-Key": {"ci-runner-7:1"}}
	var first, again ackBody
	if code, _ := apiCall(t, s.URL, token, "POST", "/api/v1/conversations/r:lobby/messages", map[string]any{"text": "build 7 passed"}, key, &first); code != 200 || first.Ack.Seq == 0 {
		t.Fatalf("post: %d %+v", code, first)
	}
	if code, _ := apiCall(t, s.URL, token, "POST", "/api/v1/conversations/r:lobby/messages", map[string]any{"text": "build 7 passed"}, key, &again); code != 200 || again.Ack.Seq != first.Ack.Seq {
		t.Fatalf("retry: %d %+v, first %+v", code, again, first)
	}
	chattest.Expect(bob, func(e *chat.Entry) bool {
		return e.Seq == first.Ack.Seq && e.From == "ann" && strings.Contains(e.HTML, "build 7 passed")
	})
	var page chat.Page
	if code, _ := apiCall(t, s.URL, token, "GET", "/api/v1/conversations/r:lobby/messages?after=0&limit=100", nil, nil, &page); code != 200 {
		t.Fatalf("history: %d", code)
	}
	n := 0
	for _, e := range page.Entries {
		if strings.Contains(e.HTML, "build 7 passed") {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("the message is stored %d times: %+v", n, page.Entries)
	}
	seq := strconv.FormatUint(first.Ack.Seq, 10)
	var ack ackBody
	if code, _ := apiCall(t, s.URL, token, "PATCH", "/api/v1/conversations/r:lobby/messages/"+seq, map[string]any{"text": "build 7 passed (again)"}, http.Header{"Idempotency-Key": {"ci-runner-7:2"}}, &ack); code != 200 {
		t.Fatalf("edit: %d", code)
	}
	if code, _ := apiCall(t, s.URL, token, "POST", "/api/v1/conversations/r:lobby/messages/"+seq+"/reactions", map[string]any{"emoji": "🎉"}, nil, &ack); code != 200 {
		t.Fatalf("react (an id the server makes): %d", code)
	}
	if code, _ := apiCall(t, s.URL, token, "DELETE", "/api/v1/conversations/r:lobby/messages/"+seq, nil, nil, &ack); code != 200 {
		t.Fatalf("delete: %d", code)
	}
	chattest.Expect(ann, func(e *chat.Entry) bool {
		return e.Kind == chat.EntryDelete && e.Target == first.Ack.Seq
	})
	var e apiErr
	if code, _ := apiCall(t, s.URL, token, "POST", "/api/v1/conversations/r:nowhere/messages", map[string]any{"text": "x"}, nil, &e); code != 404 || e.Code != chat.CodeNoSuchConv {
		t.Errorf("a conversation not mine: %d %+v", code, e)
	}
}

// TestAPIScopesAndRateLimit: a read token cannot write or upload; a token
// over its rate gets 429 with Retry-After.
func TestAPIScopesAndRateLimit(t *testing.T) {
	t.Parallel()
	s := chattest.New(t, server.Options{Storage: server.MemoryStorage(), APIRate: 0.01, APIBurst: 3})
	ann := s.User(t, "ann")
	read := newToken(t, s, ann, "read")
	var e apiErr
	if code, _ := apiCall(t, s.URL, read, "POST", "/api/v1/conversations/r:lobby/messages", map[string]any{"text": "hi"}, nil, &e); code != 403 || e.Code != chat.CodeForbidden {
		t.Errorf("write with a read token: %d %+v", code, e)
	}
	e = apiErr{}
	if code, _ := apiCall(t, s.URL, read, "POST", "/api/v1/files?name=a.txt", "text", nil, &e); code != 403 || e.Code != chat.CodeForbidden {
		t.Errorf("upload with a read token: %d %+v", code, e)
	}
	if code, _ := apiCall(t, s.URL, read, "GET", "/api/v1/me", nil, nil, nil); code != 200 {
		t.Errorf("read with a read token: %d", code)
	}
	e = apiErr{}
	code, h := apiCall(t, s.URL, read, "GET", "/api/v1/me", nil, nil, &e)
	if retry, _ := strconv.Atoi(h.Get("Retry-After")); code != 429 || e.Code != chat.CodeRateLimited || retry < 1 {
		t.Errorf("over the rate: %d %+v Retry-After %q", code, e, h.Get("Retry-After"))
	}
	// Another token of the same person has its own rate.
	files := newToken(t, s, ann, "files", "write")
	var up struct {
		File *chat.File `json:"file"`
	}
	if code, _ := apiCall(t, s.URL, files, "POST", "/api/v1/files?name=notes.txt", "some notes", nil, &up); code != 200 || up.File == nil {
		t.Fatalf("upload: %d %+v", code, up)
	}
	var ack ackBody
	if code, _ := apiCall(t, s.URL, files, "POST", "/api/v1/conversations/r:lobby/messages", map[string]any{"text": "the notes", "files": []string{up.File.ID}}, nil, &ack); code != 200 {
		t.Errorf("post the file: %d", code)
	}
}

// TestIncomingWebhookPostsIntoTheRoom: a room's owner makes a webhook; a
// CI-style sender posts Slack's subset to its URL and a member watching
// over the websocket sees the message from the webhook's bot, via the
// sender's name, with Markdown as a person's; the room's history tells
// that the webhook was made and revoked, and a revoked webhook posts
// nothing.
func TestIncomingWebhookPostsIntoTheRoom(t *testing.T) {
	t.Parallel()
	s := chattest.New(t, server.Options{})
	ann := s.User(t, "ann")
	inRoom(t, ann, "builds")
	bob := s.User(t, "bob")
	inRoom(t, bob, "builds")
	token := newToken(t, s, ann, "read", "write")
	var bobs apiErr
	bobToken := newToken(t, s, bob, "read", "write")
	if code, _ := apiCall(t, s.URL, bobToken, "POST", "/api/v1/conversations/r:builds/webhooks", map[string]any{"name": "bobhook"}, nil, &bobs); code != 403 {
		t.Errorf("a member who is not the owner made a webhook: %d %+v", code, bobs)
	}
	var hook struct {
		ID  string `json:"id"`
		URL string `json:"url"`
	}
	if code, _ := apiCall(t, s.URL, token, "POST", "/api/v1/conversations/r:builds/webhooks", map[string]any{"name": "ci"}, nil, &hook); code != 201 || !strings.HasPrefix(hook.URL, s.URL+"/api/v1/hooks/hook_") {
		t.Fatalf("make a webhook: %d %+v", code, hook)
	}
	chattest.Expect(bob, func(e *chat.Entry) bool {
		return e.Kind == chat.EntryWebhook && strings.Contains(e.HTML, "made the webhook ci")
	})
	// The sender: a plain HTTP client with nothing but the URL.
	resp, err := apiHTTP(nil).Post(hook.URL, "application/x-www-form-urlencoded", strings.NewReader(`{"text":"deploy <b>7</b> done","username":"Jenkins"}`)) // as curl -d sends it
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("webhook post: %d", resp.StatusCode)
	}
	chattest.Expect(bob, func(e *chat.Entry) bool {
		return e.From == "ci" && e.Bot && e.Via == "Jenkins" &&
			strings.Contains(e.HTML, "deploy &lt;b&gt;7&lt;/b&gt; done")
	})
	// Markdown, as in a person's message.
	resp, err = apiHTTP(nil).Post(hook.URL, "application/json", strings.NewReader(`{"text":"build **812** is _green_"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	chattest.Expect(bob, func(e *chat.Entry) bool {
		return e.From == "ci" && strings.Contains(e.HTML, "build <strong>812</strong> is <em>green</em>")
	})
	form := url.Values{"payload": {`{"text":"from a form"}`}}
	resp, err = apiHTTP(nil).PostForm(hook.URL, form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("webhook form post: %d", resp.StatusCode)
	}
	chattest.Expect(bob, func(e *chat.Entry) bool {
		return e.From == "ci" && strings.Contains(e.HTML, "from a form")
	})
	if code, _ := apiCall(t, s.URL, token, "DELETE", "/api/v1/conversations/r:builds/webhooks/"+hook.ID, nil, nil, nil); code != 204 {
		t.Fatalf("revoke: %d", code)
	}
	chattest.Expect(bob, func(e *chat.Entry) bool {
		return e.Kind == chat.EntryWebhook && strings.Contains(e.HTML, "revoked the webhook ci")
	})
	resp, err = apiHTTP(nil).Post(hook.URL, "application/json", strings.NewReader(`{"text":"too late"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("revoked webhook: %d", resp.StatusCode)
	}
}

// TestBotsSeeOnlyTheirConversations: an admin's token makes a bot; the
// bot's token lists only the lobby, posts as a bot, and cannot read a
// room it is not in (nor search it, nor see who is online there);
// someone else's token cannot make bots. A private conversation with the
// bot, and a search hit of its message, say it is a bot.
func TestBotsSeeOnlyTheirConversations(t *testing.T) {
	t.Parallel()
	s := chattest.New(t, server.Options{Storage: server.MemoryStorage(), Admins: []string{"root"}})
	root := s.User(t, "root")
	admin := newToken(t, s, root, "read", "write")
	var bot struct {
		Name, Token string
	}
	if code, _ := apiCall(t, s.URL, admin, "POST", "/api/v1/bots", map[string]any{"name": "deploybot"}, nil, &bot); code != 403 {
		t.Errorf("an admin without a password made a bot: %d", code)
	}
	root.Send(&chat.SetPassword{New: "correct horse battery"})
	chattest.Expect(root, func(a *chat.Account) bool { return a.Password })
	inRoom(t, root, "secret")
	other := newToken(t, s, s.User(t, "eve"), "write")
	if code, _ := apiCall(t, s.URL, other, "POST", "/api/v1/bots", map[string]any{"name": "evebot"}, nil, nil); code != 403 {
		t.Errorf("a bot made by a non-admin: %d", code)
	}
	if code, _ := apiCall(t, s.URL, admin, "POST", "/api/v1/bots", map[string]any{"name": "deploybot"}, nil, &bot); code != 201 || bot.Token == "" {
		t.Fatalf("make a bot: %d %+v", code, bot)
	}
	var convs struct {
		Conversations []chat.ConvInfo `json:"conversations"`
	}
	apiCall(t, s.URL, bot.Token, "GET", "/api/v1/conversations", nil, nil, &convs)
	if len(convs.Conversations) != 1 || convs.Conversations[0].ID != "r:lobby" {
		t.Errorf("the bot's conversations: %+v", convs)
	}
	var e apiErr
	if code, _ := apiCall(t, s.URL, bot.Token, "GET", "/api/v1/conversations/r:secret/messages", nil, nil, &e); code != 403 || e.Code != chat.CodeNotMember {
		t.Errorf("the bot read a room it is not in: %d %+v", code, e)
	}
	if code, _ := apiCall(t, s.URL, bot.Token, "POST", "/api/v1/conversations/r:lobby/messages", map[string]any{"text": "deployed"}, nil, nil); code != 200 {
		t.Fatalf("the bot's post: %d", code)
	}
	chattest.Expect(root, func(e *chat.Entry) bool {
		return e.From == "deploybot" && e.Bot
	})
	var online chat.Roster
	if code, _ := apiCall(t, s.URL, bot.Token, "GET", "/api/v1/conversations/r:lobby/online", nil, nil, &online); code != 200 || !contains(online.Users, "root") || contains(online.Users, "deploybot") {
		t.Errorf("online: %d %+v", code, online)
	}
	e = apiErr{}
	if code, _ := apiCall(t, s.URL, bot.Token, "GET", "/api/v1/conversations/r:secret/online", nil, nil, &e); code != 403 || e.Code != chat.CodeNotMember {
		t.Errorf("the bot saw who is online in a room it is not in: %d %+v", code, e)
	}
	// Search finds the lobby's words for the bot, never the secret room's.
	root.Send(&chat.Send{ID: chat.MsgID{Device: "roots-laptop", N: 1}, Conv: "r:secret", Text: "launch codes"})
	root.Send(&chat.Send{ID: chat.MsgID{Device: "roots-laptop", N: 2}, Conv: "r:lobby", Text: "launch party"})
	chattest.Expect(root, func(a *chat.Ack) bool { return a.ID.Device == "roots-laptop" && a.ID.N == 2 })
	var found chat.Results
	chattest.Eventually(t, chattest.Wait, func() bool {
		found = chat.Results{}
		apiCall(t, s.URL, bot.Token, "GET", "/api/v1/search?q=launch", nil, nil, &found)
		return len(found.Hits) > 0
	}, "the bot's search finds the lobby's message")
	for _, h := range found.Hits {
		if h.Conv != "r:lobby" {
			t.Errorf("the bot's search found %+v", h)
		}
	}
	// root's own search, with the same index, finds both: the bot's found
	// nothing of the secret room because it may not, not because it was
	// not indexed yet.
	chattest.Eventually(t, chattest.Wait, func() bool {
		var all chat.Results
		apiCall(t, s.URL, admin, "GET", "/api/v1/search?q=launch", nil, nil, &all)
		return len(all.Hits) == 2
	}, "root's search finds both messages")
	found = chat.Results{}
	apiCall(t, s.URL, bot.Token, "GET", "/api/v1/search?q=launch", nil, nil, &found)
	if len(found.Hits) != 1 || found.Hits[0].Conv != "r:lobby" || found.Hits[0].Bot {
		t.Errorf("the bot's search, all indexed: %+v", found.Hits)
	}
	// A private conversation with the bot says it is one, to the person;
	// to the bot, the person is none.
	if code, _ := apiCall(t, s.URL, bot.Token, "POST", "/api/v1/users/root/messages", map[string]any{"text": "all done here"}, nil, nil); code != 200 {
		t.Fatalf("the bot's private message: %d", code)
	}
	chattest.Expect(root, func(c *chat.Conv) bool { return c.Kind == chat.KindPrivate && c.Name == "deploybot" && c.Bot })
	convs.Conversations = nil
	apiCall(t, s.URL, bot.Token, "GET", "/api/v1/conversations", nil, nil, &convs)
	if i := slices.IndexFunc(convs.Conversations, func(c chat.ConvInfo) bool { return c.Kind == chat.KindPrivate }); i < 0 || convs.Conversations[i].Name != "root" || convs.Conversations[i].Bot {
		t.Errorf("the bot's conversations: %+v", convs.Conversations)
	}
	// A hit of the bot's own message says it is a bot's.
	found = chat.Results{}
	chattest.Eventually(t, chattest.Wait, func() bool {
		apiCall(t, s.URL, admin, "GET", "/api/v1/search?q=deployed", nil, nil, &found)
		return len(found.Hits) > 0
	}, "the bot's message found")
	if len(found.Hits) != 1 || found.Hits[0].From != "deploybot" || !found.Hits[0].Bot {
		t.Errorf("the bot's message as found: %+v", found.Hits)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// TestRevokedTokenIsRefusedOnEveryNode: two chat nodes on one NATS; a
// token made on one works on both, and once revoked on one, the other
// refuses it at its next request; the same for a webhook, which posts
// through either node.
func TestRevokedTokenIsRefusedOnEveryNode(t *testing.T) {
	t.Parallel()
	nodes := twoNodes(t, server.Options{})
	ann := nodes[0].User(t, "ann")
	token := newToken(t, nodes[0], ann, "read")
	for i, n := range nodes {
		if code, _ := apiCall(t, n.URL, token, "GET", "/api/v1/me", nil, nil, nil); code != 200 {
			t.Fatalf("node %d before the revocation: %d", i, code)
		}
	}
	var list struct {
		Tokens []struct {
			ID   string `json:"id"`
			Used int64  `json:"used"`
		} `json:"tokens"`
	}
	resp, err := apiHTTP(ann.Jar).Get(nodes[0].URL + "/api/tokens")
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	if len(list.Tokens) != 1 || list.Tokens[0].Used == 0 {
		t.Fatalf("the tokens listed: %+v", list)
	}
	req, _ := http.NewRequest("DELETE", nodes[0].URL+"/api/tokens/"+list.Tokens[0].ID, nil)
	req.Header.Set("Origin", nodes[0].URL)
	resp, err = apiHTTP(ann.Jar).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 204 {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	for i, n := range nodes {
		var e apiErr
		if code, _ := apiCall(t, n.URL, token, "GET", "/api/v1/me", nil, nil, &e); code != 401 || e.Code != chat.CodeUnauthorized {
			t.Errorf("node %d after the revocation: %d %+v", i, code, e)
		}
	}
	// A webhook made on one node posts through another, where a watcher
	// on the first sees it; revoked on the first, the other refuses it.
	inRoom(t, ann, "deploys")
	writer := newToken(t, nodes[0], ann, "read", "write")
	hook := makeWebhook(t, nodes[0], writer, "r:deploys", "deployhook")
	elsewhere := nodes[1].URL + hook.path
	resp, err = apiHTTP(nil).Post(elsewhere, "application/json", strings.NewReader(`{"text":"shipped from node 1"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("the webhook on the other node: %d", resp.StatusCode)
	}
	chattest.Expect(ann, func(e *chat.Entry) bool {
		return e.From == "deployhook" && strings.Contains(e.HTML, "shipped from node 1")
	})
	if code, _ := apiCall(t, nodes[0].URL, writer, "DELETE", "/api/v1/conversations/r:deploys/webhooks/"+hook.id, nil, nil, nil); code != 204 {
		t.Fatalf("revoke the webhook: %d", code)
	}
	resp, err = apiHTTP(nil).Post(elsewhere, "application/json", strings.NewReader(`{"text":"too late"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("the revoked webhook on the other node: %d", resp.StatusCode)
	}

	// Every token at once, asked for on the other node.
	second, third := newToken(t, nodes[1], ann, "read"), newToken(t, nodes[1], ann, "write")
	req, _ = http.NewRequest("DELETE", nodes[1].URL+"/api/tokens", nil)
	req.Header.Set("Origin", nodes[1].URL)
	if resp, err := apiHTTP(ann.Jar).Do(req); err != nil || resp.StatusCode != 204 {
		t.Fatalf("revoke all: %v %v", resp, err)
	}
	for _, tok := range []string{second, third} {
		if code, _ := apiCall(t, nodes[0].URL, tok, "GET", "/api/v1/me", nil, nil, nil); code != 401 {
			t.Errorf("a token after revoking all: %d", code)
		}
	}
}

// TestOpenAPIRoutesExist: every route the served OpenAPI document lists
// answers (401 without a token, not 404 or 405), and the document itself
// is served without one.
func TestOpenAPIRoutesExist(t *testing.T) {
	t.Parallel()
	s := chattest.New(t, server.Options{Storage: server.MemoryStorage()})
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if code, _ := apiCall(t, s.URL, "", "GET", "/api/v1/openapi.json", nil, nil, &doc); code != 200 || !strings.HasPrefix(doc.OpenAPI, "3.") || len(doc.Paths) < 10 {
		t.Fatalf("the document: %d %q, %d paths", code, doc.OpenAPI, len(doc.Paths))
	}
	fill := strings.NewReplacer("{conv}", "r:lobby", "{seq}", "1", "{name}", "ann", "{id}", "abc", "{secret}", "hook_nothing")
	for path, ops := range doc.Paths {
		for method, raw := range ops {
			var op struct {
				Security *[]any `json:"security"`
			}
			json.Unmarshal(raw, &op)
			var e apiErr
			code, _ := apiCall(t, s.URL, "", strings.ToUpper(method), "/api/v1"+fill.Replace(path), nil, nil, &e)
			switch {
			case op.Security != nil && len(*op.Security) == 0: // open: the document, a webhook
				if code == 405 || (code == 404 && e.Code == chat.CodeNotFound && strings.Contains(e.Error, "no route")) {
					t.Errorf("%s %s: %d %+v", method, path, code, e)
				}
			case code != 401 || e.Code != chat.CodeUnauthorized:
				t.Errorf("%s %s without a token: %d %+v, want 401 unauthorized", method, path, code, e)
			}
		}
	}
}

// BenchmarkAPIPost posts messages one after another through the HTTP API
// with a token, to a server on embedded JetStream: the cost of a bot's
// post, from the request to the durable ack.
func BenchmarkAPIPost(b *testing.B) {
	s := chattest.New(b, server.Options{APIRate: 1e6, APIBurst: 1e6, MessageRate: 1e6, MessageBurst: 1e6, AddrMessageRate: 1e6, AddrMessageBurst: 1e6})
	ann := s.User(b, "ann")
	token := newToken(b, s, ann, "write")
	client := &http.Client{}
	b.Cleanup(client.CloseIdleConnections)
	// The kinds of Idempotency-Key: a device's counter, any other key (a
	// UUID: remembered in the deliveries bucket), and none. Every request
	// brings a key never sent before (n counts them over the runs), so
	// none is answered as a retry.
	n := 0
	for _, kind := range []struct {
		name string
		key  func(i int) string
	}{
		{"device-counter", func(n int) string { return "benchdevice:" + strconv.Itoa(n) }},
		{"uuid", func(n int) string { return fmt.Sprintf("5f0c6a1e-2b7d-4c1a-9e8f-%012d", n) }},
		{"none", func(int) string { return "" }},
	} {
		b.Run(kind.name, func(b *testing.B) {
			for i := range b.N {
				req, _ := http.NewRequest("POST", s.URL+"/api/v1/conversations/r:lobby/messages", strings.NewReader(`{"text":"bench"}`))
				req.Header.Set("Authorization", "Bearer "+token)
				n++
				if key := kind.key(n); key != "" {
					req.Header.Set("Idempotency-Key", key)
				}
				resp, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Fatalf("post %d: %d", i, resp.StatusCode)
				}
			}
		})
	}
}

// TestBotSpeaksTheWebsocketProtocolWithItsToken: a token with read and
// write opens a websocket as its user (no cookie): the Welcome names the
// bot, what it sends is stored as the bot's; a read-only token is refused;
// revoking the token closes the connection.
func TestBotSpeaksTheWebsocketProtocolWithItsToken(t *testing.T) {
	t.Parallel()
	s := chattest.New(t, server.Options{Storage: server.MemoryStorage()})
	ann := s.User(t, "ann")
	readOnly := newToken(t, s, ann, "read")
	token := newToken(t, s, ann, "read", "write")
	ctx := context.Background()
	dial := func(tok string) (*websocket.Conn, *http.Response, error) {
		return websocket.Dial(ctx, s.WS, &websocket.DialOptions{Subprotocols: []string{chat.Subprotocol},
			HTTPClient: apiHTTP(nil), HTTPHeader: http.Header{"Authorization": {"Bearer " + tok}}})
	}
	if _, resp, err := dial(readOnly); err == nil || resp == nil || resp.StatusCode != 403 {
		t.Fatalf("a read-only token's websocket: %v %v", resp, err)
	}
	ws, _, err := dial(token)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	next := func() chat.Frame {
		t.Helper()
		rctx, cancel := context.WithTimeout(ctx, chattest.Wait)
		defer cancel()
		_, data, err := ws.Read(rctx)
		if err != nil {
			t.Fatal(err)
		}
		f, err := chat.DecodeServer(data)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	first := next()
	if b, ok := first.(*chat.Batch); ok && len(b.Frames) > 0 {
		first = b.Frames[0]
	}
	if w, ok := first.(*chat.Welcome); !ok || w.Me != "ann" || w.NeedName {
		t.Fatalf("first frame: %#v", first)
	}
	b, _ := chat.Encode(&chat.Send{ID: chat.MsgID{Device: "ws-script-1", N: 1}, Conv: "r:lobby", Text: "over the websocket"})
	if err := ws.Write(ctx, websocket.MessageText, b); err != nil {
		t.Fatal(err)
	}
	chattest.Expect(ann, func(e *chat.Entry) bool { return e.From == "ann" && strings.Contains(e.HTML, "over the websocket") })
	var list struct {
		Tokens []struct {
			ID     string   `json:"id"`
			Scopes []string `json:"scopes"`
		} `json:"tokens"`
	}
	resp, err := apiHTTP(ann.Jar).Get(s.URL + "/api/tokens")
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	id := ""
	for _, tk := range list.Tokens {
		if len(tk.Scopes) == 2 {
			id = tk.ID
		}
	}
	req, _ := http.NewRequest("DELETE", s.URL+"/api/tokens/"+id, nil)
	req.Header.Set("Origin", s.URL)
	if resp, err := apiHTTP(ann.Jar).Do(req); err != nil || resp.StatusCode != 204 {
		t.Fatalf("revoke %q: %v %v", id, resp, err)
	}
	rctx, cancel := context.WithTimeout(ctx, chattest.Wait)
	defer cancel()
	for {
		if _, _, err := ws.Read(rctx); err != nil {
			if websocket.CloseStatus(err) != websocket.StatusCode(chat.CloseSignedOut.Code) {
				t.Fatalf("closed with %v, want signed out", err)
			}
			return
		}
	}
}

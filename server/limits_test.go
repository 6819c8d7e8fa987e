package server_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server"
	"github.com/founding/chat/server/chattest"
	"github.com/founding/chat/server/hub"
	"github.com/founding/chat/server/wsconn"
)

// limitsDevice is the device of every message the limit tests send.
const limitsDevice = "limits-device"

func limitsID(n uint64) chat.MsgID { return chat.MsgID{Device: limitsDevice, N: n} }

// countFrames returns how many frames of type T that match accepts (nil:
// all) c has received.
func countFrames[T any](c *chattest.Client, match func(*T) bool) int {
	n := 0
	for _, f := range c.Frames() {
		if v, ok := any(f).(*T); ok && (match == nil || match(v)) {
			n++
		}
	}
	return n
}

// waitFrames waits until c has n frames of type T that match accepts.
func waitFrames[T any](t *testing.T, c *chattest.Client, n int, match func(*T) bool) {
	t.Helper()
	chattest.Eventually(t, chattest.Wait, func() bool { return countFrames(c, match) >= n },
		fmt.Sprintf("fewer than %d %T frames arrived", n, new(T)))
}

// writeRaw writes a websocket message of type typ, returning the error: a
// client the server has closed may fail to write.
func writeRaw(c *chattest.Client, typ websocket.MessageType, b []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), chattest.Wait)
	defer cancel()
	return c.Conn.Write(ctx, typ, b)
}

// closeReason returns the reason of the close frame that ended c.
func closeReason(c *chattest.Client) string {
	var ce websocket.CloseError
	if errors.As(c.Closed(), &ce) {
		return ce.Reason
	}
	return ""
}

// handshake makes a websocket upgrade request to s with header and returns
// the status and body of the answer. The connection, if it upgraded, is
// closed.
func handshake(t *testing.T, s *chattest.Server, header http.Header) (int, string) {
	t.Helper()
	key := make([]byte, 16)
	rand.Read(key)
	req, err := http.NewRequest(http.MethodGet, s.URL+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Sec-WebSocket-Version", "13")
	req.Header.Set("Sec-WebSocket-Key", base64.StdEncoding.EncodeToString(key))
	for k, v := range header {
		req.Header[k] = v
	}
	ctx, cancel := context.WithTimeout(context.Background(), chattest.Wait)
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusSwitchingProtocols {
		return resp.StatusCode, ""
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, string(body)
}

// dialStatus opens a chat.v1 websocket with origin and returns it, or the
// HTTP status that refused it.
func dialStatus(t *testing.T, s *chattest.Server, origin string) (*websocket.Conn, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), chattest.Wait)
	defer cancel()
	ws, resp, err := websocket.Dial(ctx, s.WS, &websocket.DialOptions{
		Subprotocols: []string{chat.Subprotocol},
		HTTPHeader:   http.Header{"Origin": {origin}},
	})
	if err != nil {
		if resp == nil {
			t.Fatalf("dial: %v", err)
		}
		return nil, resp.StatusCode
	}
	t.Cleanup(func() { ws.CloseNow() })
	return ws, http.StatusSwitchingProtocols
}

func TestGarbageClosesWithPolicyViolation(t *testing.T) {
	s := chattest.New(t, server.Options{PresenceGrace: 300 * time.Millisecond})
	ann, bob, cid := s.User(t, "ann"), s.User(t, "bob"), s.User(t, "cid")
	before := s.Stats().Policy

	for i := range 40 {
		if err := writeRaw(ann, websocket.MessageText, []byte(fmt.Sprintf("garbage %d", i))); err != nil {
			break // the server closed the connection meanwhile
		}
	}
	if code := ann.WaitClosed(chattest.Wait); int(code) != chat.ClosePolicy.Code {
		t.Fatalf("closed with %v, want %v", code, chat.ClosePolicy)
	}
	if closeReason(ann) == "" {
		t.Error("the close frame gives no reason")
	}
	if got := s.Stats().Policy; got != before+1 {
		t.Errorf("Stats().Policy = %d, want %d", got, before+1)
	}

	// The others chat on.
	bob.Send(&chat.Send{ID: limitsID(1), Conv: hub.LobbyID, Text: "still here"})
	chattest.Expect(bob, func(a *chat.Ack) bool { return a.ID == limitsID(1) })
	chattest.Expect(cid, func(e *chat.Entry) bool { return strings.Contains(e.HTML, "still here") })

	// The client is told to stop, not banned: a new connection works.
	again := s.Dial(t, ann.Jar)
	chattest.Expect(again, func(w *chat.Welcome) bool { return w.Me == "ann" })
}

// TestPolicyCloseComesAfterTheErrors checks that the error frames a client
// earned before it was closed for bad frames reach it before the close, so
// that it can tell what it did wrong.
func TestPolicyCloseComesAfterTheErrors(t *testing.T) {
	const bad = 11 // one more than the burst of bad frames allowed
	s := chattest.New(t, server.Options{})
	ann := s.User(t, "ann")
	for i := range bad {
		if err := writeRaw(ann, websocket.MessageText, []byte(fmt.Sprintf("garbage %d", i))); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	if code := ann.WaitClosed(chattest.Wait); int(code) != chat.ClosePolicy.Code {
		t.Fatalf("closed with %v, want %v", code, chat.ClosePolicy)
	}
	if n := countFrames(ann, func(e *chat.Error) bool { return e.Code == chat.CodeBadJSON }); n != bad {
		t.Errorf("%d bad_json errors before the close, want %d", n, bad)
	}
}

func TestFrameAboveTheHardLimitClosesWith1009(t *testing.T) {
	s := chattest.New(t, server.Options{})
	ann, bob := s.User(t, "ann"), s.User(t, "bob")
	big := []byte(`{"type":"ping","n":1,"pad":"` + strings.Repeat("x", chat.ServerReadLimit) + `"}`)
	_ = writeRaw(ann, websocket.MessageText, big) // may fail once the server closes
	if code := ann.WaitClosed(chattest.Wait); int(code) != chat.CloseTooBig.Code {
		t.Fatalf("closed with %v, want %v", code, chat.CloseTooBig)
	}
	if n := countFrames[chat.Pong](ann, nil); n != 0 {
		t.Error("the oversized frame was answered")
	}
	bob.Send(&chat.Ping{N: 9})
	chattest.Expect(bob, func(p *chat.Pong) bool { return p.N == 9 })
}

func TestHandshakeRefusals(t *testing.T) {
	s := chattest.New(t, server.Options{Transport: wsconn.Transport{MaxConnsPerAddr: 2}})
	tests := []struct {
		name   string
		header http.Header
		status int
		body   string // a part of the body that explains
	}{
		{"no subprotocol", http.Header{"Origin": {s.URL}}, http.StatusBadRequest, chat.Subprotocol},
		{"another subprotocol", http.Header{"Origin": {s.URL}, "Sec-Websocket-Protocol": {"chat.v2"}}, http.StatusBadRequest, chat.Subprotocol},
		{"a foreign origin", http.Header{"Origin": {"http://evil.example"}, "Sec-Websocket-Protocol": {chat.Subprotocol}}, http.StatusForbidden, "evil.example"},
		{"a foreign origin on the same port", http.Header{"Origin": {strings.Replace(s.URL, "127.0.0.1", "localhost", 1)}, "Sec-Websocket-Protocol": {chat.Subprotocol}}, http.StatusForbidden, "localhost"},
		{"a null origin", http.Header{"Origin": {"null"}, "Sec-Websocket-Protocol": {chat.Subprotocol}}, http.StatusForbidden, ""},
		{"the page's own origin", http.Header{"Origin": {s.URL}, "Sec-Websocket-Protocol": {"chat.v0, " + chat.Subprotocol}}, http.StatusSwitchingProtocols, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tries := 3 // more than MaxConnsPerAddr: a refusal holds no slot
			if tt.status == http.StatusSwitchingProtocols {
				tries = 1 // its slot is freed when the session ends, a little later
			}
			for range tries {
				status, body := handshake(t, s, tt.header)
				if status != tt.status {
					t.Fatalf("status %d (%q), want %d", status, body, tt.status)
				}
				if !strings.Contains(body, tt.body) {
					t.Errorf("body %q does not mention %q", body, tt.body)
				}
			}
		})
	}
	chattest.Eventually(t, chattest.Wait, func() bool { return s.Stats().Sessions == 0 }, "sessions left open")
	s.Dial(t, nil)
}

func TestTooManyConnectionsFromOneAddress(t *testing.T) {
	const limit = 3
	s := chattest.New(t, server.Options{Transport: wsconn.Transport{MaxConnsPerAddr: limit}})
	var conns []*chattest.Client
	for range limit {
		c := s.Dial(t, nil)
		chattest.Expect(c, func(w *chat.Welcome) bool { return w.NeedName })
		conns = append(conns, c)
	}
	for range 2 {
		status, body := handshake(t, s, http.Header{"Origin": {s.URL}, "Sec-Websocket-Protocol": {chat.Subprotocol}})
		if status != http.StatusTooManyRequests || !strings.Contains(body, "too many") {
			t.Fatalf("connection %d: status %d %q, want 429 with a reason", limit+1, status, body)
		}
	}
	// The open ones are unaffected, and a closed one frees its slot.
	conns[0].Send(&chat.Ping{N: 1})
	chattest.Expect(conns[0], func(p *chat.Pong) bool { return p.N == 1 })
	conns[1].Conn.Close(websocket.StatusNormalClosure, "")
	chattest.Eventually(t, chattest.Wait, func() bool {
		ws, status := dialStatus(t, s, s.URL)
		if ws != nil {
			ws.CloseNow()
		}
		return status == http.StatusSwitchingProtocols
	}, "no slot after a connection closed")
}

func TestFrameRateLimit(t *testing.T) {
	t.Run("frames over the burst are refused, the connection stays", func(t *testing.T) {
		t.Parallel()
		const burst = 5
		s := chattest.New(t, server.Options{Transport: wsconn.Transport{FrameRate: 1e-3, FrameBurst: burst}, MessageRate: 1e6, MessageBurst: 1e6})
		ann, bob := s.User(t, "ann"), s.User(t, "bob")
		tab := s.Dial(t, ann.Jar) // a fresh connection with a full bucket
		chattest.Expect(tab, func(w *chat.Welcome) bool { return w.Me == "ann" })
		const pings = 12
		for n := range uint64(pings) {
			tab.Send(&chat.Ping{N: n + 1})
		}
		tab.Send(&chat.Send{ID: limitsID(1), Conv: hub.LobbyID, Text: "too fast"})
		limited := func(e *chat.Error) bool { return e.Code == chat.CodeRateLimited }
		waitFrames(t, tab, pings-burst+1, limited)

		if n := countFrames[chat.Pong](tab, nil); n != burst {
			t.Errorf("%d pongs, want %d", n, burst)
		}
		if n := countFrames(tab, func(e *chat.Error) bool { return limited(e) && e.Ref == chat.TypePing }); n != pings-burst {
			t.Errorf("%d rate_limited errors for pings, want %d", n, pings-burst)
		}
		e := chattest.Expect(tab, func(e *chat.Error) bool { return limited(e) && e.Ref == chat.TypeSend })
		if e.ID == nil || *e.ID != limitsID(1) {
			t.Errorf("rate_limited send without its id: %+v", e)
		}
		if n := countFrames[chat.Ack](tab, nil); n != 0 {
			t.Error("a refused message was acked")
		}

		// Still open: what others say arrives, and the limit is per connection.
		bob.Send(&chat.Send{ID: limitsID(1), Conv: hub.LobbyID, Text: "can you hear me"})
		chattest.Expect(tab, func(e *chat.Entry) bool { return strings.Contains(e.HTML, "can you hear me") })
		ann.Send(&chat.Ping{N: 100})
		chattest.Expect(ann, func(p *chat.Pong) bool { return p.N == 100 })
		if tab.Closed() != nil || s.Stats().Policy != 0 {
			t.Errorf("rate limiting closed the connection: %v, %+v", tab.Closed(), s.Stats())
		}
	})

	t.Run("the connection recovers", func(t *testing.T) {
		t.Parallel()
		s := chattest.New(t, server.Options{Transport: wsconn.Transport{FrameRate: 5, FrameBurst: 2}})
		ann := s.User(t, "ann")
		tab := s.Dial(t, ann.Jar)
		chattest.Expect(tab, func(w *chat.Welcome) bool { return w.Me == "ann" })
		limited := func(e *chat.Error) bool { return e.Code == chat.CodeRateLimited }
		for n := uint64(1); n <= 200 && countFrames(tab, limited) == 0; n++ { // at 5/s, 200 frames take 40s
			tab.Send(&chat.Ping{N: n})
		}
		waitFrames(t, tab, 1, limited)
		n := uint64(1000)
		chattest.Eventually(t, chattest.Wait, func() bool {
			n++
			// One ping per poll: a refused frame takes no token, so the
			// limiter refills at its rate meanwhile.
			tab.Send(&chat.Ping{N: n})
			return countFrames(tab, func(p *chat.Pong) bool { return p.N > 1000 }) > 0
		}, "no pong after being rate limited")
	})
}

func TestMessageRateLimitIsPerUser(t *testing.T) {
	const burst = 3
	s := chattest.New(t, server.Options{MessageRate: 1e-3, MessageBurst: burst})
	ann, bob := s.User(t, "ann"), s.User(t, "bob")
	tab := s.Dial(t, ann.Jar)
	chattest.Expect(tab, func(w *chat.Welcome) bool { return w.Me == "ann" })

	ann.Send(&chat.Send{ID: limitsID(1), Conv: hub.LobbyID, Text: "one"})
	ann.Send(&chat.Send{ID: limitsID(2), Conv: hub.LobbyID, Text: "two"})
	chattest.Expect(ann, func(a *chat.Ack) bool { return a.ID == limitsID(2) })
	tab.Send(&chat.Send{ID: limitsID(3), Conv: hub.LobbyID, Text: "three"})
	tab.Send(&chat.Send{ID: limitsID(4), Conv: hub.LobbyID, Text: "four"})
	chattest.Expect(tab, func(a *chat.Ack) bool { return a.ID == limitsID(3) })
	e := chattest.Expect(tab, func(e *chat.Error) bool { return e.Code == chat.CodeRateLimited })
	if e.Ref != chat.TypeSend || e.ID == nil || *e.ID != limitsID(4) {
		t.Errorf("rate_limited error = %+v, want ref send and id 4", e)
	}
	chattest.Never(bob, 100*time.Millisecond, func(e *chat.Entry) bool { return strings.Contains(e.HTML, "four") })

	// Other frames, and other users, go on.
	tab.Send(&chat.Ping{N: 7})
	chattest.Expect(tab, func(p *chat.Pong) bool { return p.N == 7 })
	tab.Send(&chat.Join{Room: "den"})
	chattest.Expect(tab, func(c *chat.Conv) bool { return c.Name == "den" })
	bob.Send(&chat.Send{ID: limitsID(1), Conv: hub.LobbyID, Text: "bob is fine"})
	chattest.Expect(bob, func(a *chat.Ack) bool { return a.ID == limitsID(1) })
	if tab.Closed() != nil || ann.Closed() != nil {
		t.Fatal("rate limiting closed a connection")
	}
}

func TestMaxRoomsPerUser(t *testing.T) {
	s := chattest.New(t, server.Options{MaxRooms: 3}) // the lobby and two more
	ann, bob := s.User(t, "ann"), s.User(t, "bob")
	room := map[string]string{}
	for _, name := range []string{"one", "two"} {
		ann.Send(&chat.Join{Room: name})
		room[name] = chattest.Expect(ann, func(c *chat.Conv) bool { return c.Name == name }).ID
	}
	ann.Send(&chat.Join{Room: "three"})
	e := chattest.Expect(ann, func(e *chat.Error) bool { return e.Ref == chat.TypeJoin })
	if e.Code != chat.CodeTooManyRooms {
		t.Fatalf("error = %+v, want too_many_rooms", e)
	}
	ann.Send(&chat.Join{Room: "ONE"}) // a room one is in does not count twice
	chattest.Expect(ann, func(c *chat.Conv) bool { return c.ID == room["one"] })

	bob.Send(&chat.Join{Room: "three"}) // the limit is per user
	chattest.Expect(bob, func(c *chat.Conv) bool { return c.Name == "three" })

	ann.Send(&chat.Leave{Conv: room["two"]})
	chattest.Expect(ann, func(g *chat.Gone) bool { return g.Conv == room["two"] })
	ann.Send(&chat.Join{Room: "three"})
	chattest.Expect(ann, func(c *chat.Conv) bool { return c.Name == "three" })
	if n := countFrames(ann, func(e *chat.Error) bool { return e.Code == chat.CodeTooManyRooms }); n != 1 {
		t.Errorf("%d too_many_rooms errors, want 1", n)
	}
}

// TestSlowConsumerIsEvictedWithoutHurtingOthers floods the lobby while one
// connection reads nothing: it is closed as a slow consumer once its queue
// is full, and every reader that keeps up gets every message once, in order.
func TestSlowConsumerIsEvictedWithoutHurtingOthers(t *testing.T) {
	const (
		chunk = 50
		most  = 6000 // about 6 MB of entries at most
	)
	opts := server.Options{
		Transport:   wsconn.Transport{QueueBytes: 64 << 10, FrameRate: 1e6, FrameBurst: 1e6},
		MessageRate: 1e6, MessageBurst: 1e6,
	}
	noOtherEnd(&opts.Transport)
	s := chattest.New(t, opts)
	ann, bob, cid := s.User(t, "ann"), s.User(t, "bob"), s.User(t, "cid")
	s.DialSilent(t, bob.Jar) // bob's other tab, whose reader is stuck
	chattest.Eventually(t, chattest.Wait, func() bool { return s.Stats().Sessions == 4 }, "the silent tab did not connect")

	pad := strings.Repeat("0123456789", 100)
	text := func(n int) string { return fmt.Sprintf("flood %05d %s", n, pad) }
	isFlood := func(n int) func(*chat.Entry) bool { // looks at the start only: entries are big
		mark := fmt.Sprintf("flood %05d ", n)
		return func(e *chat.Entry) bool { return strings.Contains(e.HTML[:min(len(e.HTML), 64)], mark) }
	}
	sent := 0
	for s.Stats().SlowConsumers == 0 {
		if sent >= most {
			t.Fatalf("the silent tab was not evicted after %d messages", sent)
		}
		for range chunk {
			sent++
			ann.Send(&chat.Send{ID: limitsID(uint64(sent)), Conv: hub.LobbyID, Text: text(sent)})
		}
		// Readers that keep up stay at most a chunk behind.
		last := limitsID(uint64(sent))
		waitFrames(t, ann, 1, func(a *chat.Ack) bool { return a.ID == last })
		for _, c := range []*chattest.Client{cid, bob} {
			waitFrames(t, c, 1, isFlood(sent))
		}
	}
	t.Logf("evicted after %d messages (%d KB)", sent, sent*len(text(0))/1000)
	if st := s.Stats(); st.SlowConsumers != 1 {
		t.Errorf("SlowConsumers = %d, want 1", st.SlowConsumers)
	}

	// One more after the eviction, then every reader must have all of them.
	sent++
	ann.Send(&chat.Send{ID: limitsID(uint64(sent)), Conv: hub.LobbyID, Text: text(sent)})
	for _, c := range []*chattest.Client{ann, cid, bob} {
		waitFrames(t, c, 1, isFlood(sent))
		var seqs []uint64
		seen := map[string]int{}
		for _, f := range c.Frames() {
			if e, ok := f.(*chat.Entry); ok && e.Conv == hub.LobbyID {
				seqs = append(seqs, e.Seq)
				i := strings.Index(e.HTML, "flood ")
				if i < 0 {
					t.Fatalf("entry %d is not part of the flood: %.80s", e.Seq, e.HTML)
				}
				seen[e.HTML[i:i+len("flood 00000")]]++
			}
		}
		if len(seqs) != sent {
			t.Errorf("a reader got %d entries, want %d", len(seqs), sent)
		}
		for i, seq := range seqs {
			if seq != uint64(i+1) {
				t.Fatalf("a reader's entry %d has seq %d, want %d", i, seq, i+1)
			}
		}
		for k, n := range seen {
			if n != 1 {
				t.Errorf("%q arrived %d times", k, n)
			}
		}
	}
	if n := countFrames[chat.Ack](ann, nil); n != sent {
		t.Errorf("%d acks, want %d", n, sent)
	}
	if ann.Closed() != nil || bob.Closed() != nil || cid.Closed() != nil {
		t.Error("a reader that kept up was closed")
	}
	chattest.Eventually(t, 15*time.Second, func() bool { return s.Stats().Sessions == 3 }, "the slow consumer's session did not end")
	if !s.Hub().Online("bob") {
		t.Error("bob went offline with one tab left")
	}
}

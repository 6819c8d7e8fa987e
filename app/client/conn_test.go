//go:build !js

package client_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
	"github.com/founding/chat/server"
	"github.com/founding/chat/server/chattest"
	"github.com/founding/chat/server/wsconn"
)

// wait bounds every poll in these tests; they never assert on speed.
const wait = 10 * time.Second

// recorder keeps every event a Conn reports.
type recorder struct {
	mu     sync.Mutex
	events []client.Event
	signal chan struct{}
}

func newRecorder() *recorder { return &recorder{signal: make(chan struct{}, 1)} }

func (r *recorder) add(e client.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
	select {
	case r.signal <- struct{}{}:
	default:
	}
}

func (r *recorder) all() []client.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]client.Event(nil), r.events...)
}

func (r *recorder) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.events)
}

// next waits for an event at index from or later that match accepts, and
// returns it with its index.
func (r *recorder) next(t *testing.T, from int, what string, match func(client.Event) bool) (client.Event, int) {
	t.Helper()
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		events := r.all()
		for i := from; i < len(events); i++ {
			if match(events[i]) {
				return events[i], i
			}
		}
		select {
		case <-r.signal:
		case <-time.After(20 * time.Millisecond):
		case <-deadline.C:
			t.Fatalf("no event %s after %v; got %s", what, wait, describeEvents(r.all()[from:]))
		}
	}
}

func describeEvents(events []client.Event) string {
	s := ""
	for _, e := range events {
		s += "\n  " + describeEvent(e)
	}
	return s
}

func describeEvent(e client.Event) string {
	if e.Changed {
		return fmt.Sprintf("state %v close %v retry %v err %v", e.State, e.Close, e.Retry, e.Err)
	}
	if e.Frame != nil {
		b, _ := chat.Encode(e.Frame)
		return fmt.Sprintf("frame %.120s", b)
	}
	return fmt.Sprintf("event err %v", e.Err)
}

func isState(s client.State) func(client.Event) bool {
	return func(e client.Event) bool { return e.Changed && e.State == s }
}

// isRetry matches the event that announces a wait before the next dial (as
// opposed to the one that announces the dial itself).
func isRetry(e client.Event) bool {
	return e.Changed && e.State == client.Reconnecting && (e.Err != nil || e.Close.Code != 0)
}

func isWelcome(match func(*chat.Welcome) bool) func(client.Event) bool {
	return func(e client.Event) bool {
		w, ok := e.Frame.(*chat.Welcome)
		return ok && match(w)
	}
}

// options returns Conn options for server s with a fresh browser jar.
func options(s *chattest.Server, on func(client.Event)) client.Options {
	return client.Options{
		URL:        s.WS,
		HTTPClient: &http.Client{Jar: chattest.NewJar()},
		Header:     http.Header{"Origin": {s.URL}},
		OnEvent:    on,
	}
}

// runner is what keeps a connection up until its context ends: a Conn or a
// Session.
type runner interface{ Run(ctx context.Context) }

// run starts conn and stops it when the test ends.
func run(t *testing.T, conn runner) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		conn.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(wait):
			t.Error("Run did not return after its context ended")
		}
	})
}

// start runs a Conn with opts against its URL and records its events.
func start(t *testing.T, opts client.Options) (*client.Conn, *recorder) {
	t.Helper()
	rec := newRecorder()
	opts.OnEvent = rec.add
	conn := client.New(opts)
	run(t, conn)
	return conn, rec
}

// holdsFor proves that something does NOT happen during d, where no event
// marks the end of the span: it checks ok as events come (polling every few
// milliseconds) and fails at once when ok stops holding, or at the end.
func holdsFor(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	end := time.NewTimer(d)
	defer end.Stop()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		if !ok() {
			t.Fatalf("within %v: not %s", d, what)
		}
		select {
		case <-end.C:
			if !ok() {
				t.Fatalf("within %v: not %s", d, what)
			}
			return
		case <-tick.C:
		}
	}
}

// states returns the state changes among events.
func states(events []client.Event) []client.State {
	var out []client.State
	for _, e := range events {
		if e.Changed {
			out = append(out, e.State)
		}
	}
	return out
}

func TestConnConnectsAndPicksAName(t *testing.T) {
	t.Parallel()
	s := chattest.New(t, server.Options{})
	conn, rec := start(t, options(s, nil))

	_, i := rec.next(t, 0, "welcome need_name", isWelcome(func(w *chat.Welcome) bool { return w.NeedName }))
	if got := states(rec.all()[:i]); len(got) != 2 || got[0] != client.Connecting || got[1] != client.Online {
		t.Fatalf("states before the welcome = %v, want [connecting online]", got)
	}
	if err := conn.Send(&chat.Nick{Name: "ann"}); err != nil {
		t.Fatal(err)
	}
	e, _ := rec.next(t, i+1, "welcome for ann", isWelcome(func(w *chat.Welcome) bool { return w.Me == "ann" }))
	if w := e.Frame.(*chat.Welcome); w.NeedName || len(w.Convs) == 0 {
		t.Errorf("welcome = %+v, want the lobby listed", w)
	}
	for _, e := range rec.all() {
		if _, ok := e.Frame.(*chat.Pong); ok {
			t.Error("a pong reached OnEvent")
		}
		if e.Err != nil {
			t.Errorf("unexpected error event: %s", describeEvent(e))
		}
	}
}

func TestConnDeliversBatchesAsFrames(t *testing.T) {
	t.Parallel()
	s := chattest.New(t, server.Options{})
	conn, rec := start(t, options(s, nil))
	rec.next(t, 0, "welcome need_name", isWelcome(func(w *chat.Welcome) bool { return w.NeedName }))
	conn.Send(&chat.Nick{Name: "ann"})
	// The named welcome and the lobby roster are queued together; whether
	// they come as a batch or not, each reaches OnEvent as itself.
	rec.next(t, 0, "roster", func(e client.Event) bool {
		r, ok := e.Frame.(*chat.Roster)
		return ok && r.Conv == "r:lobby"
	})
	for _, e := range rec.all() {
		if _, ok := e.Frame.(*chat.Batch); ok {
			t.Errorf("a batch reached OnEvent: %s", describeEvent(e))
		}
	}
}

func TestConnDisconnectAndReconnect(t *testing.T) {
	t.Parallel()
	s := chattest.New(t, server.Options{})
	conn, rec := start(t, options(s, nil))
	rec.next(t, 0, "welcome need_name", isWelcome(func(w *chat.Welcome) bool { return w.NeedName }))
	conn.Send(&chat.Nick{Name: "ann"})
	_, i := rec.next(t, 0, "welcome for ann", isWelcome(func(w *chat.Welcome) bool { return w.Me == "ann" }))

	conn.Disconnect()
	_, off := rec.next(t, i, "offline", isState(client.Offline))
	if err := conn.Send(&chat.Ping{N: 1}); !errors.Is(err, client.ErrOffline) {
		t.Fatalf("Send while offline = %v, want ErrOffline", err)
	}
	chattest.Eventually(t, wait, func() bool { return s.Stats().Sessions == 0 }, "the server still holds the connection")
	// Nothing marks "it stays offline": watch for a while that no state
	// but Offline follows.
	holdsFor(t, 200*time.Millisecond, "offline after Disconnect", func() bool {
		for _, e := range rec.all()[off+1:] {
			if e.Changed && e.State != client.Offline {
				return false
			}
		}
		return true
	})

	n := rec.len()
	conn.Reconnect()
	rec.next(t, n, "online", isState(client.Online))
	// The cookie jar keeps the session: the same user, no name asked.
	e, _ := rec.next(t, n, "welcome", isWelcome(func(*chat.Welcome) bool { return true }))
	if w := e.Frame.(*chat.Welcome); w.NeedName || w.Me != "ann" {
		t.Fatalf("welcome after Reconnect = %+v, want ann", w)
	}
	if err := conn.Send(&chat.Ping{N: 2}); err != nil {
		t.Errorf("Send after Reconnect = %v", err)
	}
}

// TestConnDisconnectGoesStraightOffline checks that Disconnect reports one
// Offline and nothing else: no retry is announced for a close the user asked
// for.
func TestConnDisconnectGoesStraightOffline(t *testing.T) {
	t.Parallel()
	s := chattest.New(t, server.Options{})
	opts := options(s, nil)
	conn, rec := start(t, opts)
	_, i := rec.next(t, 0, "welcome", isWelcome(func(*chat.Welcome) bool { return true }))
	conn.Disconnect()
	rec.next(t, i, "offline", isState(client.Offline))
	// Nothing marks "nothing follows": watch for a while that no second
	// state comes.
	holdsFor(t, 200*time.Millisecond, "only offline after Disconnect", func() bool {
		return len(states(rec.all()[i:])) <= 1
	})
	if got := states(rec.all()[i:]); len(got) != 1 || got[0] != client.Offline {
		t.Fatalf("states after Disconnect = %v, want [offline]:%s", got, describeEvents(rec.all()[i:]))
	}
}

// TestConnReconnectWhileOnline checks that Reconnect on a live connection
// drops it and dials at once, without stopping.
func TestConnReconnectWhileOnline(t *testing.T) {
	t.Parallel()
	s := chattest.New(t, server.Options{})
	opts := options(s, nil)
	opts.Backoff = client.Backoff{Min: time.Minute, Max: time.Minute} // a backoff would stall the test
	conn, rec := start(t, opts)
	_, i := rec.next(t, 0, "welcome need_name", isWelcome(func(w *chat.Welcome) bool { return w.NeedName }))
	conn.Send(&chat.Nick{Name: "ann"})
	_, i = rec.next(t, i+1, "welcome for ann", isWelcome(func(w *chat.Welcome) bool { return w.Me == "ann" }))

	conn.Reconnect()
	rec.next(t, i+1, "online again", isState(client.Online))
	rec.next(t, i+1, "welcome for ann again", isWelcome(func(w *chat.Welcome) bool { return w.Me == "ann" }))
	for _, e := range rec.all()[i+1:] {
		if e.Changed && e.State == client.Offline {
			t.Errorf("Reconnect went offline: %s", describeEvent(e))
		}
	}
}

// TestConnReconnectsAtOnceAfterSlowConsumerClose uses a server whose queue
// holds nothing, so that it closes every connection as a slow consumer
// (4008): the client retries at once rather than after its backoff.
func TestConnReconnectsAtOnceAfterSlowConsumerClose(t *testing.T) {
	t.Parallel()
	s := chattest.New(t, server.Options{Transport: wsconn.Transport{QueueBytes: 1}})
	opts := options(s, nil)
	opts.Backoff = client.Backoff{Min: time.Minute, Max: time.Minute}
	_, rec := start(t, opts)
	from := 0
	for range 3 {
		e, i := rec.next(t, from, "reconnecting after 4008", isRetry)
		if !errors.Is(e.Close, chat.CloseSlowConsumer) {
			t.Fatalf("closed with %v, want %v: %s", e.Close, chat.CloseSlowConsumer, describeEvent(e))
		}
		if e.Retry < 0 || e.Retry >= 500*time.Millisecond {
			t.Fatalf("retry in %v after a RetryNow close, want under 500ms", e.Retry)
		}
		_, from = rec.next(t, i+1, "online again", isState(client.Online))
	}
}

// TestConnBacksOffWhileTheServerIsDown stops the server: the client gets
// 1001, then fails to dial, and waits longer after each failure, within the
// bounds of its Backoff.
func TestConnBacksOffWhileTheServerIsDown(t *testing.T) {
	t.Parallel()
	s := chattest.New(t, server.Options{})
	backoff := client.Backoff{Min: 20 * time.Millisecond, Max: 200 * time.Millisecond}
	opts := options(s, nil)
	opts.Backoff = backoff
	_, rec := start(t, opts)
	_, i := rec.next(t, 0, "online", isState(client.Online))
	rec.next(t, i, "welcome", isWelcome(func(*chat.Welcome) bool { return true }))

	s.HTTP.Close() // no more dials
	s.Server.Close()

	var delays []time.Duration
	from := i + 1
	for attempt := 1; attempt <= 7; attempt++ {
		e, j := rec.next(t, from, "reconnecting", isRetry)
		from = j + 1
		if attempt == 1 && e.Close.Code != chat.CloseGoingAway.Code {
			t.Errorf("first close %v, want %v", e.Close, chat.CloseGoingAway)
		}
		if attempt > 1 && e.Err == nil {
			t.Errorf("attempt %d: dial failure without an error", attempt)
		}
		d := min(backoff.Min<<(attempt-1), backoff.Max)
		if e.Retry < d/2 || e.Retry > d {
			t.Errorf("attempt %d: retry in %v, want within [%v, %v]", attempt, e.Retry, d/2, d)
		}
		delays = append(delays, e.Retry)
	}
	for k := 1; k < 4; k++ { // uncapped, the ranges of successive attempts do not overlap
		if delays[k] < delays[k-1] {
			t.Errorf("delays shrink: %v", delays)
		}
	}
	if delays[len(delays)-1] < 4*delays[0] {
		t.Errorf("delays do not grow: %v", delays)
	}
	for _, e := range rec.all()[i+1:] {
		if e.Changed && e.State == client.Online {
			t.Errorf("online while the server is down: %s", describeEvent(e))
		}
	}

	// A server comes back at the same address: the client finds it, and a
	// successful connection resets the backoff.
	srv, err := server.New(server.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatalf("listen again on %s: %v", s.URL, err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: wait}
	go hs.Serve(ln)
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
	})
	_, i = rec.next(t, from, "online again", isState(client.Online))
	rec.next(t, i, "welcome from the new server", isWelcome(func(*chat.Welcome) bool { return true }))
	hs.Close()
	srv.Close()
	e, _ := rec.next(t, i, "reconnecting", isRetry)
	if e.Retry > backoff.Min {
		t.Errorf("first retry after a good connection in %v, want at most %v", e.Retry, backoff.Min)
	}
}

// TestConnBackoffSurvivesReconnect checks that the next failure after a
// Reconnect still waits out its backoff: Reconnect's wake-up must not linger.
func TestConnBackoffSurvivesReconnect(t *testing.T) {
	t.Parallel()
	s := chattest.New(t, server.Options{})
	opts := options(s, nil)
	opts.Backoff = client.Backoff{Min: 10 * time.Second, Max: 20 * time.Second}
	conn, rec := start(t, opts)
	_, i := rec.next(t, 0, "welcome", isWelcome(func(*chat.Welcome) bool { return true }))
	conn.Reconnect()
	_, i = rec.next(t, i+1, "welcome again", isWelcome(func(*chat.Welcome) bool { return true }))

	s.HTTP.Close()
	s.Server.Close()
	e, j := rec.next(t, i+1, "reconnecting", isRetry)
	if e.Retry < 5*time.Second {
		t.Fatalf("retry in %v, want at least 5s", e.Retry)
	}
	// The backoff is at least 5s: watch a part of it for a dial.
	holdsFor(t, 300*time.Millisecond, "no dial before the backoff ends", func() bool {
		for _, e := range rec.all()[j+1:] {
			if e.Changed {
				t.Logf("dialed: %s", describeEvent(e))
				return false
			}
		}
		return true
	})
}

func TestConnAppPingKeepsTheConnection(t *testing.T) {
	t.Parallel()
	s := chattest.New(t, server.Options{})
	opts := options(s, nil)
	// Pings every 50ms; a second without any frame counts as dead, so that a
	// busy machine cannot fail the test but a missing pong would.
	opts.PingInterval = 50 * time.Millisecond
	opts.PongTimeout = time.Second
	conn, rec := start(t, opts)
	_, i := rec.next(t, 0, "welcome need_name", isWelcome(func(w *chat.Welcome) bool { return w.NeedName }))
	// Nothing but pongs comes from the server from now on: over more than
	// the PongTimeout, no event (such as a presumed-dead reconnect) follows.
	holdsFor(t, 1500*time.Millisecond, "no event while idle", func() bool {
		for _, e := range rec.all()[i+1:] {
			t.Logf("unexpected event while idle: %s", describeEvent(e))
			return false
		}
		return true
	})
	if err := conn.Send(&chat.Nick{Name: "ann"}); err != nil {
		t.Fatalf("Send after idling = %v", err)
	}
	rec.next(t, i+1, "welcome for ann", isWelcome(func(w *chat.Welcome) bool { return w.Me == "ann" }))
}

// TestConnHeartbeatDetectsASilentServer dials a websocket server that
// never answers: the client's own heartbeat ends the connection with 4009
// and reconnects at once.
func TestConnHeartbeatDetectsASilentServer(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var received [][]byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{chat.Subprotocol}})
		if err != nil {
			return
		}
		defer ws.CloseNow()
		for {
			_, b, err := ws.Read(r.Context())
			if err != nil {
				return
			}
			mu.Lock()
			received = append(received, b)
			mu.Unlock()
		}
	}))
	t.Cleanup(srv.Close)
	_, rec := start(t, client.Options{
		URL:          "ws" + srv.URL[len("http"):],
		PingInterval: 50 * time.Millisecond,
		Backoff:      client.Backoff{Min: time.Minute, Max: time.Minute},
	})
	_, i := rec.next(t, 0, "online", isState(client.Online))
	e, _ := rec.next(t, i, "reconnecting", isRetry)
	if e.Close != chat.CloseHeartbeat || e.Retry >= 500*time.Millisecond {
		t.Fatalf("after silence: %s; want %v and a retry under 500ms", describeEvent(e), chat.CloseHeartbeat)
	}
	rec.next(t, i+1, "online again", isState(client.Online))
	mu.Lock()
	defer mu.Unlock()
	if len(received) == 0 {
		t.Fatal("the client sent no ping")
	}
	f, err := chat.DecodeClient(received[0])
	if _, ok := f.(*chat.Ping); !ok || err != nil {
		t.Errorf("first frame the client sent = %s, %v; want a ping", received[0], err)
	}
}

// TestConnRefusesAServerWithoutTheSubprotocol checks that a server that
// does not speak chat.v1 never counts as online.
func TestConnRefusesAServerWithoutTheSubprotocol(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer ws.CloseNow()
		ws.Read(r.Context())
	}))
	t.Cleanup(srv.Close)
	_, rec := start(t, client.Options{
		URL:     "ws" + srv.URL[len("http"):],
		Backoff: client.Backoff{Min: time.Minute, Max: time.Minute},
	})
	rec.next(t, 0, "reconnecting", isRetry)
	for _, e := range rec.all() {
		if e.Changed && e.State == client.Online {
			t.Errorf("online with a server that does not speak %s", chat.Subprotocol)
		}
	}
}

func TestBackoffDelay(t *testing.T) {
	t.Parallel()
	def := client.DefaultBackoff
	small := client.Backoff{Min: 20 * time.Millisecond, Max: 200 * time.Millisecond}
	testCases := []struct {
		name    string
		backoff client.Backoff
		attempt int
		lo, hi  time.Duration
	}{
		{"defaultFirst", def, 1, 250 * time.Millisecond, 500 * time.Millisecond},
		{"defaultSecond", def, 2, 500 * time.Millisecond, time.Second},
		{"defaultThird", def, 3, time.Second, 2 * time.Second},
		{"defaultSixth", def, 6, 8 * time.Second, 16 * time.Second},
		{"defaultCapped", def, 7, 15 * time.Second, 30 * time.Second},
		{"defaultFarOut", def, 1000, 15 * time.Second, 30 * time.Second},
		{"attemptZero", def, 0, 250 * time.Millisecond, 500 * time.Millisecond},
		{"smallFirst", small, 1, 10 * time.Millisecond, 20 * time.Millisecond},
		{"smallFourth", small, 4, 80 * time.Millisecond, 160 * time.Millisecond},
		{"smallCapped", small, 5, 100 * time.Millisecond, 200 * time.Millisecond},
		{"minEqualsMax", client.Backoff{Min: time.Second, Max: time.Second}, 3, 500 * time.Millisecond, time.Second},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) {
			seen := map[time.Duration]bool{}
			for range 500 {
				d := tc.backoff.Delay(tc.attempt)
				if d < tc.lo || d > tc.hi {
					t.Fatalf("Delay(%d) = %v, want within [%v, %v]", tc.attempt, d, tc.lo, tc.hi)
				}
				seen[d] = true
			}
			if len(seen) < 2 {
				t.Errorf("Delay(%d) has no jitter: always %v", tc.attempt, seen)
			}
		})
	}
}

func TestStateString(t *testing.T) {
	t.Parallel()
	for s, want := range map[client.State]string{
		client.Connecting: "connecting", client.Online: "online", client.Reconnecting: "reconnecting", client.Offline: "offline",
	} {
		if s.String() != want {
			t.Errorf("%d.String() = %q, want %q", s, s.String(), want)
		}
	}
}

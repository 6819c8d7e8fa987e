package wsconn

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/founding/chat/app/chat"
)

// echoSession answers every ping with a pong, and reports its end.
type echoSession struct {
	c      *Conn
	closed chan struct{}
}

func (s *echoSession) Open(c *Conn) { s.c = c; c.SendFrame(&chat.Pong{N: 0}) }
func (s *echoSession) Frame(f chat.Frame) {
	if p, ok := f.(*chat.Ping); ok {
		s.c.SendFrame(&chat.Pong{N: p.N})
	}
}
func (s *echoSession) Evicted() {}
func (s *echoSession) Closed()  { close(s.closed) }

// serveEcho starts a Server of echo sessions, all in group "g", and
// returns it with its URL.
func serveEcho(t *testing.T, opts Options) (*Server, string) {
	t.Helper()
	opts.Logger = slog.New(slog.DiscardHandler)
	srv := New(opts)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		srv.Serve(w, r, func(http.ResponseWriter, *http.Request) (string, Session) {
			return "g", &echoSession{closed: make(chan struct{})}
		})
	}))
	t.Cleanup(func() { hs.Close(); srv.Close() })
	return srv, "ws" + strings.TrimPrefix(hs.URL, "http")
}

func dial(t *testing.T, url string, protocols ...string) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: protocols})
	if c != nil {
		t.Cleanup(func() { c.CloseNow() })
	}
	return c, resp, err
}

func TestServeChecksTheHandshake(t *testing.T) {
	srv, url := serveEcho(t, Options{Transport: Transport{MaxConnsPerAddr: 2}})
	if _, resp, err := dial(t, url, "chat.v0"); err == nil || resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("another subprotocol: %v, want 400", err)
	}
	for range 2 {
		c, _, err := dial(t, url, chat.Subprotocol)
		if err != nil {
			t.Fatal(err)
		}
		if f := unpack(t, readMessage(t, c)); len(f) != 1 || f[0].FrameType() != chat.TypePong {
			t.Fatalf("greeted with %v, want the session's pong", f)
		}
	}
	if _, resp, err := dial(t, url, chat.Subprotocol); err == nil || resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("a third connection from one address: %v, want 429", err)
	}
	if n := srv.Stats().Open; n != 2 {
		t.Errorf("%d connections open, want 2", n)
	}
}

func TestServeHandsFramesToTheSessionAndClosesByGroup(t *testing.T) {
	srv, url := serveEcho(t, Options{})
	c, _, err := dial(t, url, chat.Subprotocol)
	if err != nil {
		t.Fatal(err)
	}
	readMessage(t, c) // the greeting
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Write(ctx, websocket.MessageText, mustEncode(t, &chat.Ping{N: 7})); err != nil {
		t.Fatal(err)
	}
	if f := unpack(t, readMessage(t, c)); len(f) != 1 || f[0].(*chat.Pong).N != 7 {
		t.Fatalf("answer %v, want pong 7", f)
	}
	// A bad frame gets an error, and the connection carries on.
	if err := c.Write(ctx, websocket.MessageText, []byte(`{"type":"nope"}`)); err != nil {
		t.Fatal(err)
	}
	if f := unpack(t, readMessage(t, c)); len(f) != 1 || f[0].FrameType() != chat.TypeError {
		t.Fatalf("answer to a bad frame %v, want an error", f)
	}
	srv.CloseGroup("other", chat.CloseSignedOut)
	srv.CloseGroup("g", chat.CloseSignedOut)
	if _, cl := readUntilClose(t, c); cl != chat.CloseSignedOut {
		t.Errorf("closed with %v, want %v", cl, chat.CloseSignedOut)
	}
	waitFor(t, "the connection to end", func() bool { return srv.Stats().Open == 0 })
}

func TestTooManyBadFramesClose(t *testing.T) {
	srv, url := serveEcho(t, Options{})
	c, _, err := dial(t, url, chat.Subprotocol)
	if err != nil {
		t.Fatal(err)
	}
	readMessage(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for range badFrameBurst + 1 {
		if err := c.Write(ctx, websocket.MessageBinary, []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	frames, cl := readUntilClose(t, c)
	if cl != chat.ClosePolicy || len(frames) != badFrameBurst+1 {
		t.Errorf("closed with %v after %d frames, want %v after an error for each of %d", cl, len(frames), chat.ClosePolicy, badFrameBurst+1)
	}
	if st := srv.Stats(); st.Policy != 1 {
		t.Errorf("%d policy closes counted", st.Policy)
	}
}

// TestAConnectionAfterCloseIsTurnedAway: a handshake that comes once the
// server is closing is answered 503 with the reason, and not tracked
// (Close waits only for the connections it has).
func TestAConnectionAfterCloseIsTurnedAway(t *testing.T) {
	srv, url := serveEcho(t, Options{})
	srv.Close()
	_, resp, err := dial(t, url, chat.Subprotocol)
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("a handshake after Close: %v, want 503", err)
	}
	if n := srv.Stats().Open; n != 0 {
		t.Errorf("%d connections tracked after Close", n)
	}
}

// gatedSession is an echoSession whose answer to ping 1 waits until
// release is closed: a frame still being served.
type gatedSession struct {
	echoSession
	serving chan struct{} // closed once ping 1 is being served
	release chan struct{}
}

func (s *gatedSession) Frame(f chat.Frame) {
	if p, ok := f.(*chat.Ping); ok && p.N == 1 {
		close(s.serving)
		<-s.release
	}
	s.echoSession.Frame(f)
}

// TestDrainClosesAfterTheFrameBeingServed: Drain refuses new websockets
// with 503 and closes every connection with its close, but a connection
// whose frame is being served closes only once the frame's answer is
// queued, so the answer arrives before the close.
func TestDrainClosesAfterTheFrameBeingServed(t *testing.T) {
	srv := New(Options{Logger: slog.New(slog.DiscardHandler)})
	gated := &gatedSession{
		echoSession: echoSession{closed: make(chan struct{})},
		serving:     make(chan struct{}), release: make(chan struct{}),
	}
	var first atomic.Bool
	first.Store(true)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		srv.Serve(w, r, func(http.ResponseWriter, *http.Request) (string, Session) {
			if first.CompareAndSwap(true, false) {
				return "g", gated
			}
			return "g", &echoSession{closed: make(chan struct{})}
		})
	}))
	t.Cleanup(func() { hs.Close(); srv.Close() })
	url := "ws" + strings.TrimPrefix(hs.URL, "http")
	busy, _, err := dial(t, url, chat.Subprotocol)
	if err != nil {
		t.Fatal(err)
	}
	readMessage(t, busy)
	idle, _, err := dial(t, url, chat.Subprotocol)
	if err != nil {
		t.Fatal(err)
	}
	readMessage(t, idle)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := busy.Write(ctx, websocket.MessageText, mustEncode(t, &chat.Ping{N: 1})); err != nil {
		t.Fatal(err)
	}
	<-gated.serving
	drained := make(chan error, 1)
	go func() { drained <- srv.Drain(ctx, 0, chat.CloseRestart) }()

	if _, cl := readUntilClose(t, idle); cl != chat.CloseRestart {
		t.Errorf("the idle connection closed with %v, want %v", cl, chat.CloseRestart)
	}
	if _, resp, err := dial(t, url, chat.Subprotocol); err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("a handshake during the drain: %v, want 503", err)
	}
	waitFor(t, "the drain to reach the busy connection", func() bool {
		srv.mu.Lock()
		defer srv.mu.Unlock()
		for c := range srv.conns {
			if c.deferred.Load() == nil {
				return false
			}
		}
		return true
	})
	close(gated.release)
	frames, cl := readUntilClose(t, busy)
	if len(frames) != 1 || frames[0].FrameType() != chat.TypePong || frames[0].(*chat.Pong).N != 1 {
		t.Errorf("before its close the busy connection got %v, want pong 1", frames)
	}
	if cl != chat.CloseRestart {
		t.Errorf("the busy connection closed with %v, want %v", cl, chat.CloseRestart)
	}
	if err := <-drained; err != nil {
		t.Errorf("Drain: %v", err)
	}
	if n := srv.Stats().Open; n != 0 {
		t.Errorf("%d connections open after Drain returned", n)
	}
}

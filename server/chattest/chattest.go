// Package chattest runs a real chat server on a random loopback port and
// gives tests real websocket clients for it, the way net/http/httptest does
// for handlers. Clients read in the background and keep every frame, so a
// test can wait for the one it expects.
package chattest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server"
	"github.com/founding/chat/server/bus"
)

// clientReceiveBuffer is the receive buffer of the test clients that may
// stop reading (fixReceiveBuffer); the kernel doubles it.
const clientReceiveBuffer = 256 << 10

// Wait is how long Expect and Eventually wait by default: long, because
// `make test` runs the packages' tests side by side on two cores, with
// -race and child processes; a test that works never waits it.
const Wait = 30 * time.Second

// Server is a chat server listening on 127.0.0.1.
type Server struct {
	*server.Server
	URL  string // http://127.0.0.1:port
	WS   string // ws://127.0.0.1:port/ws
	HTTP *http.Server
}

// New starts a server with opts; it stops when the test ends. Unless opts
// name a Storage, it stores in an embedded NATS JetStream in a temporary
// directory, as the real binary does. Logs go to the test log.
func New(t testing.TB, opts server.Options) *Server {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	if opts.Storage == nil {
		opts.Storage = Durable(t, t.TempDir())
	}
	srv, err := server.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	s := &Server{Server: srv, URL: "http://" + ln.Addr().String(), WS: "ws://" + ln.Addr().String() + "/ws", HTTP: hs}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(ctx)
		srv.Close()
	})
	return s
}

// Durable opens embedded NATS with JetStream on dir and the server's
// storage on it; both close when the test ends.
func Durable(t testing.TB, dir string) *server.Storage {
	t.Helper()
	b, err := bus.Open(bus.Options{DataDir: dir, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	st, err := server.OpenStorage(context.Background(), b, server.StorageOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeStorage(t, st) })
	return st
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// Client is one websocket connection, as a browser tab would open it.
type Client struct {
	t    testing.TB
	Jar  http.CookieJar
	Conn *websocket.Conn
	URL  string // the server's, http://host:port

	mu      sync.Mutex
	frames  []chat.Frame
	raw     [][]byte // websocket messages as received
	lazy    bool     // decode raw into frames only when they are asked for
	decoded int      // how many of raw are in frames, when lazy
	closed  error
	signal  chan struct{}
}

// NewJar returns an empty cookie jar: one browser.
func NewJar() http.CookieJar {
	jar, _ := cookiejar.New(nil)
	return jar
}

// Dial opens a connection with the browser jar (a new one when nil) and
// starts reading.
func (s *Server) Dial(t testing.TB, jar http.CookieJar) *Client {
	t.Helper()
	c := s.DialSilent(t, jar)
	go c.readLoop()
	return c
}

// DialLazy opens a connection of a browser that has a name (jar) and
// starts reading, keeping what arrives as it came: frames are decoded only
// when Frames asks for them. A flood's many connections so cost the test
// little CPU while they receive, as an attacker's clients elsewhere would
// cost the server's machine nothing; ReceivedFrame checks for a frame
// without decoding.
func (s *Server) DialLazy(t testing.TB, jar http.CookieJar) *Client {
	t.Helper()
	c := s.DialSilent(t, jar)
	c.lazy = true
	go c.readLoop()
	return c
}

// DialURL opens a connection to the chat at baseURL (http://host:port: a
// node, or a balancer in front of several) and starts reading.
func DialURL(t testing.TB, baseURL string, jar http.CookieJar) *Client {
	t.Helper()
	s := &Server{URL: baseURL, WS: "ws" + strings.TrimPrefix(baseURL, "http") + "/ws"}
	return s.Dial(t, jar)
}

// DialSilent opens a connection that never reads, so it answers no ping:
// a client whose network went away.
func (s *Server) DialSilent(t testing.TB, jar http.CookieJar) *Client {
	t.Helper()
	if jar == nil {
		jar = NewJar()
	}
	ctx, cancel := context.WithTimeout(context.Background(), Wait)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, s.WS, &websocket.DialOptions{
		Subprotocols: []string{chat.Subprotocol},
		HTTPClient: &http.Client{Jar: jar, Transport: &http.Transport{
			DialContext: (&net.Dialer{Timeout: Wait, Control: fixReceiveBuffer}).DialContext,
		}},
		HTTPHeader: http.Header{"Origin": {s.URL}},
	})
	if err != nil {
		t.Fatalf("dial %s: %v", s.WS, err)
	}
	ws.SetReadLimit(chat.ClientReadLimit)
	c := &Client{t: t, Jar: jar, Conn: ws, URL: s.URL, signal: make(chan struct{}, 1)}
	t.Cleanup(func() { ws.CloseNow() })
	return c
}

// User connects a new browser and picks name; it returns once the Welcome
// for that name has arrived.
func (s *Server) User(t testing.TB, name string) *Client {
	t.Helper()
	c := s.Dial(t, nil)
	Expect(c, func(w *chat.Welcome) bool { return w.NeedName })
	c.Send(&chat.Nick{Name: name})
	Expect(c, func(w *chat.Welcome) bool { return !w.NeedName })
	return c
}

func (c *Client) readLoop() {
	for {
		_, data, err := c.Conn.Read(context.Background())
		c.mu.Lock()
		if err != nil {
			c.closed = err
			c.mu.Unlock()
			c.notify()
			return
		}
		c.raw = append(c.raw, data)
		if c.lazy {
			c.mu.Unlock()
			c.notify()
			continue
		}
		f, derr := chat.DecodeServer(data)
		if derr != nil {
			c.mu.Unlock()
			c.t.Errorf("server sent a frame that does not decode: %v: %.200s", derr, data)
			continue
		}
		c.mu.Unlock()
		frames := []chat.Frame{f}
		if b, ok := f.(*chat.Batch); ok {
			frames = b.Frames
		}
		for _, f := range frames {
			if h, ok := f.(*chat.Handover); ok {
				// As a browser does before it reads on: the name becomes
				// the jar's before the Welcome is seen.
				if err := Exchange(c.Jar, c.URL, h.Code); err != nil {
					c.t.Errorf("the handover of the name: %v", err)
				}
			}
		}
		c.mu.Lock()
		c.frames = append(c.frames, frames...)
		c.mu.Unlock()
		c.notify()
	}
}

// Exchange trades a handover code for the session cookie at the server
// baseURL, in jar, as the page does after it picked a name.
func Exchange(jar http.CookieJar, baseURL, code string) error {
	body, _ := json.Marshal(map[string]string{"code": code})
	req, err := http.NewRequest(http.MethodPost, baseURL+chat.HandoverPath, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Origin", baseURL)
	resp, err := (&http.Client{Jar: jar, Timeout: Wait}).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return fmt.Errorf("POST %s: %s: %s", chat.HandoverPath, resp.Status, msg)
	}
	return nil
}

func (c *Client) notify() {
	select {
	case c.signal <- struct{}{}:
	default:
	}
}

// Send writes a frame.
func (c *Client) Send(f chat.Frame) {
	c.t.Helper()
	b, err := chat.Encode(f)
	if err != nil {
		c.t.Fatal(err)
	}
	c.SendRaw(b)
}

// SendRaw writes bytes as a text message.
func (c *Client) SendRaw(b []byte) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Wait)
	defer cancel()
	if err := c.Conn.Write(ctx, websocket.MessageText, b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// Frames returns a copy of every frame received so far, batches flattened.
func (c *Client) Frames() []chat.Frame {
	c.mu.Lock()
	defer c.mu.Unlock()
	for ; c.lazy && c.decoded < len(c.raw); c.decoded++ {
		f, err := chat.DecodeServer(c.raw[c.decoded])
		if err != nil {
			c.t.Errorf("server sent a frame that does not decode: %v: %.200s", err, c.raw[c.decoded])
			continue
		}
		if b, ok := f.(*chat.Batch); ok {
			c.frames = append(c.frames, b.Frames...)
		} else {
			c.frames = append(c.frames, f)
		}
	}
	return append([]chat.Frame(nil), c.frames...)
}

// ReceivedFrame reports whether f arrived, alone or in a batch, comparing
// its encoding with what came without decoding anything.
func (c *Client) ReceivedFrame(f chat.Frame) bool {
	want, err := chat.Encode(f)
	if err != nil {
		c.t.Fatal(err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range c.raw {
		if bytes.Contains(m, want) {
			return true
		}
	}
	return false
}

// Messages returns how many websocket messages arrived.
func (c *Client) Messages() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.raw)
}

// Closed returns the error that ended the connection, or nil while open.
func (c *Client) Closed() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// Expect waits for a frame of type T that match accepts (nil accepts any)
// and returns it, failing the test after Wait. Frames before it stay in
// Frames.
func Expect[T any](c *Client, match func(*T) bool) *T {
	c.t.Helper()
	var found *T
	ok := c.waitFor(Wait, func(frames []chat.Frame) bool {
		for _, f := range frames {
			if v, ok := any(f).(*T); ok && (match == nil || match(v)) {
				found = v
				return true
			}
		}
		return false
	})
	if !ok {
		c.t.Fatalf("no %T arrived in %v; got %s", found, Wait, describe(c.Frames()))
	}
	return found
}

// Never fails the test if a frame of type T that match accepts arrives
// within d.
func Never[T any](c *Client, d time.Duration, match func(*T) bool) {
	c.t.Helper()
	if c.waitFor(d, func(frames []chat.Frame) bool {
		for _, f := range frames {
			if v, ok := any(f).(*T); ok && (match == nil || match(v)) {
				return true
			}
		}
		return false
	}) {
		c.t.Fatalf("an unexpected %T arrived; got %s", new(T), describe(c.Frames()))
	}
}

// WaitClosed waits for the connection to end and returns its close status.
func (c *Client) WaitClosed(d time.Duration) websocket.StatusCode {
	c.t.Helper()
	if !c.waitFor(d, func([]chat.Frame) bool { return c.Closed() != nil }) {
		c.t.Fatalf("connection still open after %v", d)
	}
	return websocket.CloseStatus(c.Closed())
}

func (c *Client) waitFor(d time.Duration, done func([]chat.Frame) bool) bool {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		if done(c.Frames()) {
			return true
		}
		select {
		case <-c.signal:
		case <-deadline.C:
			return done(c.Frames())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func describe(frames []chat.Frame) string {
	var b strings.Builder
	for i, f := range frames {
		if i > 0 {
			b.WriteString(", ")
		}
		enc, _ := chat.Encode(f)
		if len(enc) > 160 {
			enc = append(enc[:160], "…"...)
		}
		b.Write(enc)
	}
	return "[" + b.String() + "]"
}

// Within polls cond until it holds or d passes, and reports whether it
// holds.
func Within(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	poll := time.NewTicker(20 * time.Millisecond)
	defer poll.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		<-poll.C
	}
	return true
}

// Eventually polls cond until it holds or d passes.
func Eventually(t testing.TB, d time.Duration, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Get fetches path from the server with jar.
func (s *Server) Get(t testing.TB, jar http.CookieJar, path string) (*http.Response, string) {
	t.Helper()
	resp, err := (&http.Client{Jar: jar}).Get(s.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// closeStorage writes what st keeps to write later, before its bus closes
// (cleanups run last registered first). A node a test cut off gives up
// within the bound.
func closeStorage(t testing.TB, st *server.Storage) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := st.Close(ctx); err != nil {
		t.Logf("closing the storage: %v", err)
	}
}

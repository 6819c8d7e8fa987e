// Package client is the browser's end of /ws, written against
// github.com/coder/websocket so that the same code runs in the browser (over
// the JS WebSocket) and natively (tests, tools).
//
// Conn keeps one connection alive: it dials, reads and writes, sends an
// app-level ping (browsers cannot send websocket pings) and reconnects with
// exponential backoff and jitter, following the close code's policy. Model
// holds what the client knows of its conversations and turns server frames
// into the requests that keep them complete: resume from the last sequence,
// fill gaps, resend unacknowledged messages. Local is what the browser keeps
// between visits (IndexedDB): the saved conversations (Saved, which Restore
// puts back) and the outbox, with a device id per tab (docs/offline.md).
//
// Session is the controller that ties them together without any user
// interface: it owns a Conn, a Model and a Local, applies the connection's
// events (Handle), writes what the model asks for, keeps the outbox and the
// conversations in the Local, and returns every error to its caller. It
// belongs to one goroutine, its owner; chattest.ModelClient drives it from
// a test, so the outbox's durability is tested natively against a real
// server.
package client

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/founding/chat/app/chat"
)

// State is the connection's state as a user sees it.
type State int

// Connection states.
const (
	Connecting   State = iota // first dial
	Online                    // connected
	Reconnecting              // lost; waiting or dialing again
	Offline                   // stopped until Reconnect
)

var stateNames = [...]string{"connecting", "online", "reconnecting", "offline"}

func (s State) String() string { return stateNames[s] }

// Event is what a Conn reports: a state change, or a frame from the server.
type Event struct {
	// State is the connection state; Changed is true when this event
	// announces it rather than carrying a frame.
	State   State
	Changed bool
	// Frame is a frame from the server (never a Pong or a Batch: batches
	// arrive as their frames, one event each).
	Frame chat.Frame
	// Err says why a connection ended, Close is how it closed (the zero
	// Close, code 0, if it never opened) and Retry how long until the next
	// dial.
	Err   error
	Close chat.Close
	Retry time.Duration
	// Conn numbers the connection an Online state change opens, from 1:
	// SendOn writes only on that connection, so a frame meant to follow
	// what the session saw of it never goes out on the next one first.
	Conn uint64
	// Later is set on the events a Session schedules for itself (a delayed
	// save of the conversations, a look at the other tabs' outboxes, a
	// change another tab announced); the owner hands them to Handle like
	// the rest, in order.
	Later *Later
}

// Options configure a Conn.
type Options struct {
	// URL is the websocket URL, such as ws://localhost:8080/ws.
	URL string
	// HTTPClient and Header are used for the handshake outside the browser
	// (cookies, tests); the browser sends its own cookies and ignores them.
	// HTTPClient is an *http.Client; in the browser build its type is an
	// empty struct, so the wasm does not link http.Client's transport.
	HTTPClient *HTTPClient
	Header     http.Header
	// PingInterval is how often the client pings. Defaults to 10s.
	PingInterval time.Duration
	// PongTimeout is how long without any frame from the server before the
	// connection is presumed dead. Defaults to 2.5 × PingInterval.
	PongTimeout time.Duration
	// DialTimeout bounds one dial. Defaults to 10s.
	DialTimeout time.Duration
	// Backoff spaces reconnects. Zero means DefaultBackoff.
	Backoff Backoff
	// OnEvent receives every event, from one goroutine at a time, in order.
	OnEvent func(Event)
}

// Errors of Send.
var (
	ErrOffline = errors.New("client: not connected")
	ErrBusy    = errors.New("client: too many frames waiting to be written")
)

// Conn is a self-healing connection to the chat server. Its methods may be
// called from any goroutine.
type Conn struct {
	opts   Options
	kick   chan struct{}
	want   atomic.Bool // whether to be connected
	pingN  atomic.Uint64
	mu     sync.Mutex
	out    chan []byte // frames for the current connection; nil when offline
	active *websocket.Conn
	gen    uint64 // number of the current connection (Event.Conn); guarded by mu
}

// New returns a Conn; call Run to start it.
func New(opts Options) *Conn {
	if opts.PingInterval <= 0 {
		opts.PingInterval = 10 * time.Second
	}
	if opts.PongTimeout <= 0 {
		opts.PongTimeout = opts.PingInterval * 5 / 2
	}
	if opts.DialTimeout <= 0 {
		opts.DialTimeout = 10 * time.Second
	}
	if opts.Backoff.Min <= 0 {
		opts.Backoff.Min = DefaultBackoff.Min
	}
	if opts.Backoff.Max < opts.Backoff.Min {
		opts.Backoff.Max = max(DefaultBackoff.Max, opts.Backoff.Min)
	}
	if opts.OnEvent == nil {
		opts.OnEvent = func(Event) {}
	}
	c := &Conn{opts: opts, kick: make(chan struct{}, 1)}
	c.want.Store(true)
	return c
}

// Send encodes f and queues it for the current connection. It fails with
// ErrOffline when there is none: the Model resends what matters after the
// next Welcome.
func (c *Conn) Send(f chat.Frame) error { return c.SendOn(0, f) }

// SendOn is Send on the connection numbered conn (Event.Conn) only: on any
// other, or none, it fails with ErrOffline. Zero means whichever is open.
func (c *Conn) SendOn(conn uint64, f chat.Frame) error {
	b, err := chat.Encode(f)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.out == nil || conn != 0 && conn != c.gen {
		return ErrOffline
	}
	select {
	case c.out <- b:
		return nil
	default:
		return ErrBusy
	}
}

// Reconnect drops the current connection, if any, and dials at once.
//
// The kick goes before the drop: sent after it, it could arrive once Run
// had already redialled for the drop, and cut a later backoff short.
func (c *Conn) Reconnect() {
	c.want.Store(true)
	select {
	case c.kick <- struct{}{}:
	default:
	}
	c.drop()
}

// Disconnect closes the connection and stays offline until Reconnect.
func (c *Conn) Disconnect() {
	c.want.Store(false)
	c.drop()
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

func (c *Conn) drop() {
	c.mu.Lock()
	ws := c.active
	c.mu.Unlock()
	if ws != nil {
		go ws.Close(websocket.StatusNormalClosure, "client closed")
	}
}

// Run keeps the connection up until ctx ends.
func (c *Conn) Run(ctx context.Context) {
	attempt := 0
	state := Connecting
	var why Event // how the last connection ended
	for ctx.Err() == nil {
		if !c.want.Load() {
			c.emit(Event{State: Offline, Changed: true, Err: why.Err, Close: why.Close})
			if !c.waitWanted(ctx) {
				return
			}
			state, attempt, why = Connecting, 0, Event{}
			continue
		}
		c.drainKick() // a Reconnect already served must not cut the next wait short
		c.emit(Event{State: state, Changed: true})
		ws, err := c.dial(ctx)
		if err != nil {
			attempt++
			state = Reconnecting
			delay := c.opts.Backoff.Delay(attempt)
			c.emit(Event{State: Reconnecting, Changed: true, Err: err, Retry: delay})
			c.wait(ctx, delay)
			continue
		}
		closed, heard, err := c.serve(ctx, ws)
		state, why = Reconnecting, Event{Err: err, Close: closed}
		if heard {
			attempt = 0 // the server answered: it is up, start the backoff over
		}
		if !c.want.Load() {
			why = Event{} // Disconnect: not an error
			continue
		}
		var delay time.Duration
		switch closed.Policy() {
		case chat.Stop:
			if closed.Code != chat.CloseNormal.Code {
				c.want.Store(false) // the server told us to stop
			}
			continue // a normal close while wanted is Reconnect: dial at once
		case chat.RetryNow:
			delay = time.Duration(rand.Int64N(int64(500 * time.Millisecond)))
		default:
			attempt++
			delay = c.opts.Backoff.Delay(attempt)
		}
		c.emit(Event{State: Reconnecting, Changed: true, Err: err, Close: closed, Retry: delay})
		c.wait(ctx, delay)
	}
}

// waitWanted waits until Reconnect is called; it reports false when ctx
// ended.
func (c *Conn) waitWanted(ctx context.Context) bool {
	c.drainKick()
	for !c.want.Load() {
		if !c.wait(ctx, -1) {
			return false
		}
	}
	return true
}

func (c *Conn) drainKick() {
	select {
	case <-c.kick:
	default:
	}
}

// wait sleeps for d (forever when d < 0) or until a kick; it reports false
// when ctx ended.
func (c *Conn) wait(ctx context.Context, d time.Duration) bool {
	var timer <-chan time.Time
	if d >= 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timer = t.C
	}
	select {
	case <-ctx.Done():
		return false
	case <-c.kick:
	case <-timer:
	}
	return true
}

func (c *Conn) emit(e Event) { c.opts.OnEvent(e) }

func (c *Conn) dial(ctx context.Context) (*websocket.Conn, error) {
	dctx, cancel := context.WithTimeout(ctx, c.opts.DialTimeout)
	defer cancel()
	ws, err := dial(dctx, c.opts)
	if err != nil {
		return nil, err
	}
	if ws.Subprotocol() != chat.Subprotocol {
		ws.Close(websocket.StatusProtocolError, "subprotocol "+chat.Subprotocol+" required")
		return nil, errors.New("client: the server does not speak " + chat.Subprotocol)
	}
	ws.SetReadLimit(chat.ClientReadLimit)
	return ws, nil
}

// serve runs one connection until it ends and returns how it closed and
// whether any frame came from the server.
func (c *Conn) serve(ctx context.Context, ws *websocket.Conn) (chat.Close, bool, error) {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	out := make(chan []byte, 1024)
	c.mu.Lock()
	c.out, c.active = out, ws
	c.gen++
	gen := c.gen
	c.mu.Unlock()
	c.emit(Event{State: Online, Changed: true, Conn: gen})

	var lastHeard atomic.Int64
	lastHeard.Store(time.Now().UnixNano())
	var dead atomic.Bool
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); c.writeLoop(sctx, ws, out, cancel) }()
	go func() { defer wg.Done(); c.pingLoop(sctx, ws, &lastHeard, &dead) }()

	start := lastHeard.Load()
	err := c.readLoop(sctx, ws, &lastHeard)
	heard := lastHeard.Load() != start
	c.mu.Lock()
	c.out, c.active = nil, nil
	c.mu.Unlock()
	cancel()
	ws.CloseNow()
	wg.Wait()
	closed := closeOf(err)
	if dead.Load() {
		closed = chat.CloseHeartbeat
	}
	return closed, heard, err
}

func (c *Conn) writeLoop(ctx context.Context, ws *websocket.Conn, out chan []byte, cancel func()) {
	for {
		select {
		case <-ctx.Done():
			return
		case b := <-out:
			if err := ws.Write(ctx, websocket.MessageText, b); err != nil {
				cancel()
				return
			}
		}
	}
}

// pingLoop sends a Ping every interval and ends the connection when nothing
// has been heard for PongTimeout.
func (c *Conn) pingLoop(ctx context.Context, ws *websocket.Conn, lastHeard *atomic.Int64, dead *atomic.Bool) {
	t := time.NewTicker(c.opts.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if time.Since(time.Unix(0, lastHeard.Load())) > c.opts.PongTimeout {
			dead.Store(true)
			ws.CloseNow()
			return
		}
		c.Send(&chat.Ping{N: c.pingN.Add(1)})
	}
}

func (c *Conn) readLoop(ctx context.Context, ws *websocket.Conn, lastHeard *atomic.Int64) error {
	for {
		_, data, err := ws.Read(ctx)
		if err != nil {
			return err
		}
		lastHeard.Store(time.Now().UnixNano())
		f, err := chat.DecodeServer(data)
		if err != nil {
			c.emit(Event{State: Online, Err: err})
			continue
		}
		c.deliver(ctx, f)
	}
}

func (c *Conn) deliver(ctx context.Context, f chat.Frame) {
	switch f := f.(type) {
	case *chat.Pong:
	case *chat.Handover:
		// The name just picked becomes this browser's: the event tells
		// whether it worked (Err), after which the Welcome follows.
		c.emit(Event{State: Online, Frame: f, Err: c.exchange(ctx, f.Code)})
	case *chat.Batch:
		for _, inner := range f.Frames {
			c.deliver(ctx, inner)
		}
	default:
		c.emit(Event{State: Online, Frame: f})
	}
}

// Backoff is an exponential backoff with jitter: the delay before attempt n
// (from 1) is a random duration in [d/2, d] where d = Min × 2^(n-1), at most
// Max.
type Backoff struct {
	Min, Max time.Duration
}

// DefaultBackoff starts at half a second and stays under half a minute.
var DefaultBackoff = Backoff{Min: 500 * time.Millisecond, Max: 30 * time.Second}

// Delay returns the wait before attempt n.
func (b Backoff) Delay(n int) time.Duration {
	d := b.Min
	for i := 1; i < n && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// closeOf returns how a connection that ended with err closed: the code and
// reason of the close frame the server sent, or CloseAbnormal without one.
func closeOf(err error) chat.Close {
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		return chat.CloseOf(int(ce.Code), ce.Reason)
	}
	return chat.CloseAbnormal
}

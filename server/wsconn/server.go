package wsconn

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/founding/chat/app/chat"
)

// Options configure a Server. Zero values mean the documented defaults.
type Options struct {
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// OriginPatterns lists other origins allowed to open a websocket, as in
	// websocket.AcceptOptions. The page's own origin is always allowed.
	OriginPatterns []string

	// PingInterval is how often a connection is pinged. Defaults to 25s.
	PingInterval time.Duration
	// PingTimeout is how long a ping may go unanswered before the connection
	// is closed with chat.CloseHeartbeat. Defaults to 15s.
	PingTimeout time.Duration
	// WriteTimeout bounds one websocket write. Defaults to 10s.
	WriteTimeout time.Duration
	// QueueBytes bounds what may wait to be written to one connection; a
	// connection past it is closed as a slow consumer. Defaults to 4 MiB.
	QueueBytes int

	// MaxConnsPerAddr bounds the websockets open from one IP address.
	// Defaults to 64.
	MaxConnsPerAddr int
	// FrameRate and FrameBurst bound the frames one connection may send per
	// second. Default to 50 and 100.
	FrameRate  float64
	FrameBurst int
	// ClientAddr returns the address a request came from, the key of the
	// per-address limit. Defaults to the connection's peer (ClientAddr).
	ClientAddr func(*http.Request) string
}

func (o *Options) setDefaults() {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	setDefault(&o.PingInterval, 25*time.Second)
	setDefault(&o.PingTimeout, 15*time.Second)
	setDefault(&o.WriteTimeout, 10*time.Second)
	setDefault(&o.QueueBytes, 4<<20)
	setDefault(&o.MaxConnsPerAddr, 64)
	setDefault(&o.FrameRate, 50)
	setDefault(&o.FrameBurst, 100)
	if o.ClientAddr == nil {
		o.ClientAddr = ClientAddr
	}
}

func setDefault[T int | float64 | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// Session is the chat's side of one connection, made by the open function
// given to Server.Serve. Open and Frame are called in order, one at a time;
// Evicted may come at any moment, on a goroutine of its own.
type Session interface {
	// Open is called once, before the connection's first read: the
	// Session greets the client here.
	Open(c *Conn)
	// Frame handles one valid frame from the client.
	Frame(f chat.Frame)
	// Evicted is called when the connection is cut off as a slow consumer:
	// stop sending to it now. Closed still follows.
	Evicted()
	// Closed is called once the connection ended: after the last Frame
	// and the last write, before the socket is released.
	Closed()
}

// Server accepts websockets and keeps every connection it accepted until
// it ends: it pings them, cuts stuck writes, and closes them by group or
// all at once. Create it with New and stop it with Close. All methods may
// be called concurrently.
type Server struct {
	opts   Options
	log    *slog.Logger
	addrs  addrCounter
	closes closeCounts
	turns  decodeTurns // for big frames

	ctx    context.Context // a connection's: ends when the Server closes
	cancel context.CancelFunc

	mu       sync.Mutex
	conns    map[*Conn]struct{}
	closed   bool           // Close began: no connection may join any more
	wg       sync.WaitGroup // connections
	sweeping sync.WaitGroup
}

// New returns a Server, its sweeper started.
func New(opts Options) *Server {
	opts.setDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		opts:   opts,
		log:    opts.Logger,
		addrs:  addrCounter{limit: opts.MaxConnsPerAddr, open: make(map[string]int)},
		turns:  newDecodeTurns(),
		ctx:    ctx,
		cancel: cancel,
		conns:  make(map[*Conn]struct{}),
	}
	s.sweeping.Add(1)
	go s.sweep()
	return s
}

// Stats counts connections and the closes that matter to operators.
type Stats struct {
	Open          int    // websockets open now
	SlowConsumers uint64 // closed because they did not read fast enough
	Heartbeats    uint64 // closed because they stopped answering pings
	Policy        uint64 // closed for sending too many bad frames
}

// Stats returns the current counts.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	n := len(s.conns)
	s.mu.Unlock()
	return Stats{
		Open:          n,
		SlowConsumers: s.closes.slow.Load(),
		Heartbeats:    s.closes.heartbeat.Load(),
		Policy:        s.closes.policy.Load(),
	}
}

type closeCounts struct {
	slow, heartbeat, policy atomic.Uint64
}

func (c *closeCounts) count(cl chat.Close) {
	switch cl.Code {
	case chat.CloseSlowConsumer.Code:
		c.slow.Add(1)
	case chat.CloseHeartbeat.Code:
		c.heartbeat.Add(1)
	case chat.ClosePolicy.Code:
		c.policy.Add(1)
	}
}

// CloseGroup ends every connection of group (see Serve) with c.
func (s *Server) CloseGroup(group string, c chat.Close) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for conn := range s.conns {
		if conn.group == group {
			conn.Close(c)
		}
	}
}

// Close ends every connection with chat.CloseGoingAway and waits for them:
// for 5 seconds with their context alive, so what they were doing can
// finish, then with it cancelled. Call it after http.Server.Shutdown, which
// does not see websockets.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	for c := range s.conns {
		c.Close(chat.CloseGoingAway)
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	t := time.NewTimer(5 * time.Second)
	select {
	case <-done:
	case <-t.C:
	}
	t.Stop()
	s.cancel()
	s.wg.Wait()
	s.sweeping.Wait()
}

// track adds c to the open connections, or removes it; adding reports
// false once Close began (Close waits for the ones it has, and a WaitGroup
// may not grow from zero while it is waited for).
func (s *Server) track(c *Conn, open bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if open {
		if s.closed {
			return false
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		return true
	}
	delete(s.conns, c)
	s.wg.Done()
	return true
}

// Serve upgrades the request to a websocket and runs the connection until
// it ends, on a goroutine of its own; Serve itself returns once the
// handshake is done. It answers 400 to a handshake that does not offer
// chat.Subprotocol and 429 past MaxConnsPerAddr. open is called after those
// checks and before the handshake's answer is written, so it may set
// headers (a cookie): it returns the connection's Session and its group,
// the key CloseGroup ends connections by (a browser session).
func (s *Server) Serve(w http.ResponseWriter, r *http.Request, open func(http.ResponseWriter, *http.Request) (group string, _ Session)) {
	c, ok := s.accept(w, r, open)
	if !ok {
		return
	}
	if !s.track(c, true) {
		s.addrs.release(c.addr)
		c.ws.Close(websocket.StatusCode(chat.CloseGoingAway.Code), chat.CloseGoingAway.Reason)
		return
	}
	// The connection gets a goroutine of its own, and the handler returns:
	// net/http then lets go of the request, its buffers and the deep stack
	// of the handshake, which an idle connection would otherwise keep.
	go func() {
		defer s.addrs.release(c.addr)
		defer s.track(c, false)
		c.run()
	}()
}

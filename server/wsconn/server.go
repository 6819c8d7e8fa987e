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
	"github.com/founding/chat/server/metrics"
)

// Transport is how the server keeps its websockets: the checks at the
// handshake, the heartbeat, the write bounds, the pacing of fan-out and the
// client's frame budget. Zero values mean the documented defaults
// (DefaultTransport); server.Options embeds it.
type Transport struct {
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
	// PaceInterval is the least time between two gathers of a fan-out's
	// frames for one connection while the node is busy (pace.go): under
	// load, a write carries what came in that time, unless its batches are
	// large already. Defaults to 50ms; negative never paces.
	PaceInterval time.Duration
	// PaceAbove is the rate of frames written per second, over all
	// connections, from which the node counts as busy. Defaults to 20000.
	PaceAbove float64

	// MaxConnsPerAddr bounds the websockets open from one IP address.
	// Defaults to 64.
	MaxConnsPerAddr int
	// FrameRate and FrameBurst bound the frames one connection may send per
	// second. Default to 50 and 100.
	FrameRate  float64
	FrameBurst int
}

// DefaultTransport returns the defaults that SetDefaults gives a zero
// Transport: the one place they are written.
func DefaultTransport() Transport {
	return Transport{
		PingInterval:    25 * time.Second,
		PingTimeout:     15 * time.Second,
		WriteTimeout:    10 * time.Second,
		QueueBytes:      4 << 20,
		PaceInterval:    50 * time.Millisecond,
		PaceAbove:       20000,
		MaxConnsPerAddr: 64,
		FrameRate:       50,
		FrameBurst:      100,
	}
}

// SetDefaults gives every field left at zero (or, but for PaceInterval,
// below zero) its default from DefaultTransport.
func (t *Transport) SetDefaults() {
	d := DefaultTransport()
	setDefault(&t.PingInterval, d.PingInterval)
	setDefault(&t.PingTimeout, d.PingTimeout)
	setDefault(&t.WriteTimeout, d.WriteTimeout)
	setDefault(&t.QueueBytes, d.QueueBytes)
	if t.PaceInterval == 0 {
		t.PaceInterval = d.PaceInterval
	}
	setDefault(&t.PaceAbove, d.PaceAbove)
	setDefault(&t.MaxConnsPerAddr, d.MaxConnsPerAddr)
	setDefault(&t.FrameRate, d.FrameRate)
	setDefault(&t.FrameBurst, d.FrameBurst)
}

// Options configure a Server. Zero values mean the documented defaults.
type Options struct {
	Transport
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// ClientAddr returns the address a request came from, the key of the
	// per-address limit. Defaults to the connection's peer (ClientAddr).
	ClientAddr func(*http.Request) string
	// Metrics counts connections, queues, evictions, refused frames and
	// error frames. Nil counts nothing.
	Metrics *metrics.Metrics
}

func (o *Options) setDefaults() {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	o.Transport.SetDefaults()
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
	opts    Options
	log     *slog.Logger
	metrics *metrics.Metrics
	addrs   addrCounter
	closes  closeCounts
	turns   decodeTurns // for big frames
	pace    *pacer

	ctx    context.Context // a connection's: ends when the Server closes
	cancel context.CancelFunc

	mu         sync.Mutex
	conns      map[*Conn]struct{}
	refuse     chat.Close     // Drain or Close began: no connection may join any more, and a late one gets this
	wg         sync.WaitGroup // connections
	background sync.WaitGroup // the sweeper and the pacer
}

// New returns a Server, its sweeper and its pacer started.
func New(opts Options) *Server {
	opts.setDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		opts:    opts,
		log:     opts.Logger,
		metrics: opts.Metrics,
		addrs:   addrCounter{limit: opts.MaxConnsPerAddr, open: make(map[string]int)},
		turns:   newDecodeTurns(),
		pace:    newPacer(opts.PaceInterval, opts.PaceAbove),
		ctx:     ctx,
		cancel:  cancel,
		conns:   make(map[*Conn]struct{}),
	}
	s.metrics.Gauge("chat_connections_open", "Websockets open now.", func() float64 { return float64(s.open()) })
	s.metrics.Gauge("chat_queued_bytes", "Bytes waiting to be written to this node's connections.", func() float64 { return float64(s.queued()) })
	s.metrics.Gauge("chat_pacing", "1 while this node writes enough frames that fan-out writes are paced, else 0.", func() float64 {
		if s.pace.busy.Load() {
			return 1
		}
		return 0
	})
	s.background.Add(2)
	go s.sweep()
	go func(p *pacer) {
		defer s.background.Done()
		p.run(ctx)
	}(s.pace)
	return s
}

// Stats counts connections and the closes that matter to operators.
type Stats struct {
	Open          int    // websockets open now
	Queued        int    // bytes waiting to be written, over every connection
	SlowConsumers uint64 // closed because they did not read fast enough
	Heartbeats    uint64 // closed because they stopped answering pings
	Policy        uint64 // closed for sending too many bad frames
}

// Stats returns the current counts.
func (s *Server) Stats() Stats {
	return Stats{
		Open:          s.open(),
		Queued:        s.queued(),
		SlowConsumers: s.closes.slow.Load(),
		Heartbeats:    s.closes.heartbeat.Load(),
		Policy:        s.closes.policy.Load(),
	}
}

// open returns how many connections are open.
func (s *Server) open() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// queued returns the bytes waiting in every connection's queue: a walk
// over the connections, made when asked (a scrape) rather than kept up to
// date on every push.
func (s *Server) queued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for c := range s.conns {
		n += c.queue.size()
	}
	return n
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

// Drain closes every connection with cl, one after another, spread evenly
// over spread (the first at once), so that their clients do not all
// reconnect at the same moment; from its start, new websockets are refused
// (HTTP 503 with cl's reason). A connection serving a frame when its turn
// comes closes once the frame is served, so the reply (a message's ack)
// goes out before the close. When ctx ends first, the connections left are
// closed at once. Drain returns once every connection ended, or ctx
// ended (its error). Close still follows, to stop the Server.
func (s *Server) Drain(ctx context.Context, spread time.Duration, cl chat.Close) error {
	s.mu.Lock()
	if s.refuse.Code == 0 {
		s.refuse = cl
	}
	conns := make([]*Conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	start := time.Now()
	wait := time.NewTimer(0)
	defer wait.Stop()
	hurry := false
	for i, c := range conns {
		due := start.Add(spread * time.Duration(i) / time.Duration(len(conns)))
		if d := time.Until(due); d > 0 && !hurry {
			wait.Reset(d)
			select {
			case <-wait.C:
			case <-ctx.Done():
				hurry = true
			}
		}
		c.closeBetweenFrames(cl)
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// refusal returns the close a new connection would get, the zero Close
// while connections are welcome.
func (s *Server) refusal() chat.Close {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refuse
}

// Close ends every connection with chat.CloseGoingAway and waits for them:
// for 5 seconds with their context alive, so what they were doing can
// finish, then with it cancelled. Call it after http.Server.Shutdown, which
// does not see websockets.
func (s *Server) Close() {
	s.mu.Lock()
	if s.refuse.Code == 0 {
		s.refuse = chat.CloseGoingAway
	}
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
	s.background.Wait()
}

// track adds c to the open connections, or removes it; adding reports
// false once Drain or Close began (they wait for the ones they have, and a
// WaitGroup may not grow from zero while it is waited for).
func (s *Server) track(c *Conn, open bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if open {
		if s.refuse.Code != 0 {
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
// chat.Subprotocol, 429 past MaxConnsPerAddr, and 503 once Drain or Close
// began (a proxy then tries another node). open is called after those
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
		cl := s.refusal()
		s.metrics.Closed(cl.Code)
		c.ws.Close(websocket.StatusCode(cl.Code), cl.Reason)
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

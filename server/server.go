// Package server is the chat service as an http.Handler: "GET /ws" opens a
// websocket session (session.go), everything else is the go-app client,
// prerendered and served from the assets embedded by package build (web.go).
//
// The server is the trust boundary. A session's user comes from its
// HttpOnly cookie, never from a frame; every frame is validated before it is
// acted on, and a bad one gets an error frame while the connection carries on.
package server

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/build"
	"github.com/founding/chat/server/auth"
	"github.com/founding/chat/server/hub"
)

// Options configure a Server. Zero values mean the documented defaults.
type Options struct {
	// Version identifies the build to clients. Defaults to build.Version().
	Version string
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// OriginPatterns lists other origins allowed to open /ws, as in
	// websocket.AcceptOptions. The page's own origin is always allowed.
	OriginPatterns []string

	// PingInterval is how often the server pings a connection. Defaults to 25s.
	PingInterval time.Duration
	// PingTimeout is how long a ping may go unanswered before the connection
	// is closed with chat.CloseHeartbeat. Defaults to 15s.
	PingTimeout time.Duration
	// WriteTimeout bounds one websocket write. Defaults to 10s.
	WriteTimeout time.Duration
	// QueueBytes bounds what may wait to be written to one connection; a
	// connection past it is closed as a slow consumer. Defaults to 4 MiB.
	QueueBytes int
	// PresenceGrace: see hub.Options. Defaults to 5s.
	PresenceGrace time.Duration

	// MaxConnsPerAddr bounds the websockets open from one IP address.
	// Defaults to 64.
	MaxConnsPerAddr int
	// FrameRate and FrameBurst bound the frames one connection may send per
	// second. Default to 50 and 100.
	FrameRate  float64
	FrameBurst int
	// MessageRate and MessageBurst bound the messages one user may send per
	// second, across connections. Default to 10 and 30.
	MessageRate  float64
	MessageBurst int
	// MaxRooms: see hub.Options. Defaults to 100.
	MaxRooms int
	// PresenceLimit and RosterInterval: see hub.Options. Default to 200
	// and 10s.
	PresenceLimit  int
	RosterInterval time.Duration

	// Storage keeps conversations, memberships and accounts. Defaults to
	// MemoryStorage(): nothing survives a restart. OpenStorage makes the
	// durable one on NATS JetStream.
	Storage *Storage
}

func (o *Options) setDefaults() {
	if o.Version == "" {
		o.Version = build.Version()
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	setDefault(&o.PingInterval, 25*time.Second)
	setDefault(&o.PingTimeout, 15*time.Second)
	setDefault(&o.WriteTimeout, 10*time.Second)
	setDefault(&o.QueueBytes, 4<<20)
	setDefault(&o.PresenceGrace, 5*time.Second)
	setDefault(&o.MaxConnsPerAddr, 64)
	setDefault(&o.FrameRate, 50)
	setDefault(&o.FrameBurst, 100)
	setDefault(&o.MessageRate, 10)
	setDefault(&o.MessageBurst, 30)
	setDefault(&o.MaxRooms, 100)
}

func setDefault[T int | float64 | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// Server serves the chat. Create it with New and stop it with Close.
type Server struct {
	opts     Options
	log      *slog.Logger
	hub      *hub.Hub
	accounts *auth.Accounts
	welcome  chat.Welcome
	web      http.Handler
	mux      *http.ServeMux
	conns    addrCounter

	ctx    context.Context
	cancel context.CancelFunc

	closes closeCounts

	mu       sync.Mutex
	sessions map[*session]struct{}
	limiters map[string]*rate.Limiter
	wg       sync.WaitGroup // sessions
	sweeping sync.WaitGroup
}

// New returns a Server ready to serve.
func New(opts Options) (*Server, error) {
	opts.setDefaults()
	if opts.Storage == nil {
		opts.Storage = MemoryStorage()
	}
	ctx, cancel := context.WithCancel(context.Background())
	welcome := chat.Welcome{
		Version: opts.Version,
		Limits:  chat.Limits{MaxTextRunes: chat.MaxTextRunes, MaxFrameBytes: chat.MaxFrameBytes},
	}
	s := &Server{
		opts:     opts,
		log:      opts.Logger,
		accounts: opts.Storage.Accounts,
		welcome:  welcome,
		conns:    addrCounter{limit: opts.MaxConnsPerAddr, open: make(map[string]int)},
		ctx:      ctx,
		cancel:   cancel,
		sessions: make(map[*session]struct{}),
		limiters: make(map[string]*rate.Limiter),
	}
	h, err := hub.New(hub.Options{
		Log:            opts.Storage.Log,
		Directory:      opts.Storage.Directory,
		FindUser:       s.findUser,
		PresenceGrace:  opts.PresenceGrace,
		MaxRooms:       opts.MaxRooms,
		PresenceLimit:  opts.PresenceLimit,
		RosterInterval: opts.RosterInterval,
		PageBytes:      opts.QueueBytes / 2,
		Welcome:        welcome,
		Logger:         opts.Logger,
	})
	if err != nil {
		cancel()
		return nil, err
	}
	s.hub = h
	s.sweeping.Add(1)
	go s.sweep()
	s.web = newWeb(opts.Version, s.sessionToken)
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("GET /ws", s.serveWS)
	s.mux.HandleFunc("POST /api/signin", s.serveSignIn)
	s.mux.HandleFunc("POST /api/signout", s.serveSignOut)
	s.mux.Handle("/", s.web)
	return s, nil
}

// findUser looks an account up for the hub (private messages to users who
// may be offline or on another node).
func (s *Server) findUser(ctx context.Context, name string) (hub.User, error) {
	u, err := s.accounts.Find(ctx, name)
	if errors.Is(err, auth.ErrNoUser) {
		return hub.User{}, chat.Errorf(chat.CodeNoSuchUser, "nobody is called %q", name)
	}
	if err != nil {
		return hub.User{}, err
	}
	return hub.User{Key: u.Key, Name: u.Name, Password: u.HasPassword}, nil
}

// ServeHTTP routes /ws to a websocket session and the rest to the client.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	setSecurityHeaders(w.Header())
	s.mux.ServeHTTP(w, r)
}

// Stats counts what the server did, for tests, tools and logs.
type Stats struct {
	Sessions      int    // websockets open now
	SlowConsumers uint64 // closed because they did not read fast enough
	Heartbeats    uint64 // closed because they stopped answering pings
	Policy        uint64 // closed for sending too many bad frames
}

// Stats returns the current counts.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	n := len(s.sessions)
	s.mu.Unlock()
	return Stats{
		Sessions:      n,
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

// Hub returns the server's hub, for tests and tools.
func (s *Server) Hub() *hub.Hub { return s.hub }

// Close ends every session with chat.CloseGoingAway and waits for them.
// Call it after http.Server.Shutdown, which does not see websockets.
func (s *Server) Close() {
	s.mu.Lock()
	for ss := range s.sessions {
		ss.close(chat.CloseGoingAway)
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
	s.cancel()
	s.wg.Wait()
	s.sweeping.Wait()
	s.hub.Close()
}

// sweep pings every connection once per PingInterval and cuts those whose
// write has been stuck for WriteTimeout: one goroutine and one timer for all
// connections, instead of a ticker each.
func (s *Server) sweep() {
	defer s.sweeping.Done()
	every := min(max(s.opts.PingInterval/4, 10*time.Millisecond), time.Second)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
		}
		now := time.Now().UnixNano()
		ping, stuck := int64(s.opts.PingInterval), int64(s.opts.WriteTimeout)
		s.mu.Lock()
		for ss := range s.sessions {
			if now-ss.pinged.Load() >= ping {
				ss.ping()
			}
			if w := ss.writeStart.Load(); w != 0 && now-w > stuck {
				ss.logger().Info("write timed out; closing", "after", time.Duration(now-w))
				go ss.conn.CloseNow()
			}
		}
		s.mu.Unlock()
	}
}

// closeToken ends every connection of a browser session with c.
func (s *Server) closeToken(token string, c chat.Close) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for ss := range s.sessions {
		if ss.token == token {
			ss.close(c)
		}
	}
}

func (s *Server) track(ss *session, open bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if open {
		s.sessions[ss] = struct{}{}
		s.wg.Add(1)
		return
	}
	delete(s.sessions, ss)
	s.wg.Done()
}

// userLimiter returns the message rate limiter of the user key.
func (s *Server) userLimiter(key string) *rate.Limiter {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.limiters[key]
	if l == nil {
		l = rate.NewLimiter(rate.Limit(s.opts.MessageRate), s.opts.MessageBurst)
		s.limiters[key] = l
	}
	return l
}

// sessionCookie is the name of the cookie that holds a browser's session.
const sessionCookie = "chat_session"

// sessionToken returns the request's session token, setting a new one in an
// HttpOnly cookie when it has none.
func (s *Server) sessionToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(sessionCookie); err == nil && auth.ValidToken(c.Value) {
		return c.Value
	}
	token := auth.NewToken()
	setSessionCookie(w, r, token)
	return token
}

// setSessionCookie gives the browser the session token: HttpOnly, so page
// scripts never see it; SameSite=Lax, so other sites cannot use it.
func setSessionCookie(w http.ResponseWriter, r *http.Request, token string) {
	http.SetCookie(w, &http.Cookie{
		Name:     sessionCookie,
		Value:    token,
		Path:     "/",
		MaxAge:   400 * 24 * 3600,
		HttpOnly: true,
		Secure:   r.TLS != nil,
		SameSite: http.SameSiteLaxMode,
	})
}

// offers reports whether a websocket handshake offers the subprotocol.
func offers(r *http.Request, protocol string) bool {
	for _, v := range r.Header.Values("Sec-WebSocket-Protocol") {
		for _, p := range strings.Split(v, ",") {
			if strings.TrimSpace(p) == protocol {
				return true
			}
		}
	}
	return false
}

// clientAddr returns the IP address the request came from.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// addrCounter counts open connections per address.
type addrCounter struct {
	mu    sync.Mutex
	limit int
	open  map[string]int
}

func (c *addrCounter) acquire(addr string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.open[addr] >= c.limit {
		return false
	}
	c.open[addr]++
	return true
}

func (c *addrCounter) release(addr string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.open[addr]--; c.open[addr] <= 0 {
		delete(c.open, addr)
	}
}

// setSecurityHeaders forbids what the page never needs: scripts from
// elsewhere, inline scripts, framing, sniffing.
func setSecurityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; "+
		"style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "+
		"object-src 'none'; base-uri 'self'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
}

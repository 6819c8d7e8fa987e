// Package server is the chat service as an http.Handler, and its
// composition root: Options and New wire the transport (package wsconn),
// the hub, the accounts and the browser's side (package web) together.
// "GET /ws" opens a websocket whose frames a session serves (session.go,
// handle.go); /api/ is the account API (account.go); /healthz, /readyz
// and /metrics are for operators (health.go, package metrics); /api/v1/ is
// the HTTP API for bots and scripts, with personal access tokens (api.go,
// webhooks.go, docs/api.md), and Drain
// takes the node out of service; everything else is the go-app client
// (package web).
//
// The server is the trust boundary. A session's user comes from its
// HttpOnly cookie, never from a frame; every frame is validated before it is
// acted on, and a bad one gets an error frame while the connection carries on.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/build"
	"github.com/founding/chat/server/audit"
	"github.com/founding/chat/server/auth"
	"github.com/founding/chat/server/edge"
	"github.com/founding/chat/server/hub"
	"github.com/founding/chat/server/media"
	"github.com/founding/chat/server/metrics"
	"github.com/founding/chat/server/push"
	"github.com/founding/chat/server/search"
	"github.com/founding/chat/server/slackimport"
	"github.com/founding/chat/server/web"
	"github.com/founding/chat/server/wsconn"
)

// Options configure a Server. Zero values mean the documented defaults.
type Options struct {
	// Version identifies the build to clients. Defaults to build.Version().
	Version string
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Transport is how /ws connections are kept: origins, heartbeat,
	// write bounds, pacing and a connection's frame budget. See
	// wsconn.Transport, which holds the fields and their defaults.
	wsconn.Transport

	// PresenceGrace: see hub.Options. Defaults to 5s.
	PresenceGrace time.Duration
	// PresenceHeartbeat and PresenceTTL: how often this node tells the
	// others on the same NATS that it lives, and how long another may be
	// silent before its users are offline. See hub.Options. Default to 5s
	// and 15s.
	PresenceHeartbeat time.Duration
	PresenceTTL       time.Duration

	// MessageRate and MessageBurst bound the messages one user may send per
	// second, across connections. Default to 10 and 30.
	MessageRate  float64
	MessageBurst int
	// AddrMessageRate and AddrMessageBurst bound the messages sent from one
	// IP address per second, across its users, so that fresh names from one
	// address do not multiply the per-user rate. Default to 3 times
	// MessageRate and MessageBurst.
	AddrMessageRate  float64
	AddrMessageBurst int
	// ClaimsPerHour and ClaimBurst bound the names one IP address may claim
	// (new accounts). Default to 10 an hour and bursts of 10.
	ClaimsPerHour float64
	ClaimBurst    int
	// LookupRate and LookupBurst bound the conversations one user's resume
	// and history requests may look up per second, across the user's
	// connections: a resume costs one per conversation it names, a history
	// request one. Default to 200 and 2000.
	LookupRate  float64
	LookupBurst int
	// ReplyByteRate and ReplyByteBurst bound the bytes of history and
	// resume pages sent to one user per second, across connections.
	// Default to 2 MiB and 16 MiB.
	ReplyByteRate  float64
	ReplyByteBurst int
	// MaxRooms: see hub.Options. Defaults to 100.
	MaxRooms int
	// GroupLimit is the most people a group conversation may have (see
	// hub.Options). Defaults to hub.DefaultGroupLimit, 16.
	GroupLimit int
	// PresenceLimit and RosterInterval: see hub.Options. Default to 200
	// and 10s.
	PresenceLimit  int
	RosterInterval time.Duration
	// Admins are the names of the users who moderate every room (remove,
	// ban, invite-only, delete anyone's message), as owners do theirs.
	// Defaults to nobody.
	Admins []string

	// Hosts are the host names the server answers to, beyond localhost, IP
	// literals and the host of ListenAddr; any other Host header gets 421
	// (a page elsewhere that rebinds its DNS to this server). See edge.Options.
	Hosts []string
	// ListenAddr is the address the server listens on: its host is allowed.
	ListenAddr string
	// TrustedProxies are the networks of the reverse proxies in front of the
	// server, whose X-Forwarded-For and X-Forwarded-Proto are believed.
	// Empty believes no one.
	TrustedProxies []netip.Prefix

	// SessionIdle ends a browser session not used for this long (its last
	// use is written at most hourly). Defaults to 30 days.
	SessionIdle time.Duration
	// SessionLifetime ends a browser session this long after it began (a
	// name picked or a sign-in), however much it is used; the session
	// cookie expires then too. Defaults to 180 days.
	SessionLifetime time.Duration
	// NameRelease frees a name without a password once none of its
	// sessions was used for this long; whoever claims it next is a new
	// user, who sees nothing of the earlier owner's. Defaults to 30 days.
	NameRelease time.Duration

	// Storage keeps conversations, memberships and accounts. Defaults to
	// MemoryStorage(): nothing survives a restart. OpenStorage makes the
	// durable one on NATS JetStream.
	Storage *Storage

	// SearchIndex is the directory of this node's full-text search index
	// (package search); empty keeps it in memory, made again from the log
	// at every start.
	SearchIndex string
	// SearchRate and SearchBurst bound the searches one user may make per
	// second, across connections. Default to 2 and 10.
	SearchRate  float64
	SearchBurst int
	// MaxUpload bounds one uploaded file, in bytes (-max-upload).
	// Defaults to DefaultMaxUpload, 25 MiB.
	MaxUpload int64
	// UploadQuota bounds the bytes one user's files take, thumbnails
	// included. Defaults to DefaultUploadQuota, 1 GiB.
	UploadQuota int64
	// MaxImport bounds the zip an admin imports (import.go), in bytes
	// (-max-import). Defaults to DefaultMaxImport, 4 GiB.
	MaxImport int64
	// ImportLimits bound what an imported zip may hold (entries,
	// uncompressed bytes, expansion); zero fields take
	// slackimport's defaults.
	ImportLimits slackimport.Limits
	// MaxImagePixels bounds an uploaded image's width times height: a
	// larger one (a decompression bomb) is refused before it is decoded.
	// Defaults to media.DefaultMaxPixels, 40 million.
	MaxImagePixels int64
	// UploadDir holds uploads while they arrive. Defaults to os.TempDir().
	UploadDir string
	// UploadExpiry removes an upload never posted this long after it was
	// uploaded, and gives its bytes back to its owner's quota
	// (files_expiry.go). Defaults to DefaultUploadExpiry, 24 h; negative
	// keeps them.
	UploadExpiry time.Duration
	// Retention removes the entries of every conversation older than
	// this, unless its room's owner set a policy of the room's own
	// (retention.go). Zero keeps them for ever.
	Retention time.Duration
	// RetentionEvery is how often the retention sweep runs. Defaults to
	// an hour.
	RetentionEvery time.Duration

	// APIRate and APIBurst bound the requests of one personal access
	// token per second (api.go), across every node on the same NATS
	// (keyRate); HookRate and HookBurst those of one incoming webhook. APIRate and APIBurst default to
	// DefaultAPIRate and DefaultAPIBurst, HookRate and HookBurst to them.
	APIRate   float64
	APIBurst  int
	HookRate  float64
	HookBurst int

	// OutgoingAllow lists the networks outgoing webhooks may reach although
	// they are not public (an admin's own services): by default only
	// public addresses are (package safehttp).
	OutgoingAllow []netip.Prefix
	// OutgoingTimeout bounds one request of an outgoing webhook. Defaults
	// to 10s. OutgoingRetry is the wait before its first retry, doubled
	// after; defaults to 1s.
	OutgoingTimeout time.Duration
	OutgoingRetry   time.Duration

	// Push configures Web Push (push.go); off unless Push.Contact is set.
	Push PushOptions

	// OIDC configures single sign-on with an OpenID Connect provider
	// (oidc.go); off unless OIDC.Issuer is set.
	OIDC OIDCOptions

	// LinkPreviews configures the previews of links in messages
	// (linkpreviews.go); on unless LinkPreviews.Off.
	LinkPreviews LinkPreviewOptions

	// SeparateMetrics leaves GET /metrics out of the server's routes: the
	// caller serves MetricsHandler on an address of its own (-metrics-addr).
	// By default /metrics is served beside the chat.
	SeparateMetrics bool
}

func (o *Options) setDefaults() {
	if o.Version == "" {
		o.Version = build.Version()
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	o.Transport.SetDefaults()
	o.OIDC.setDefaults()
	setDefault(&o.PresenceGrace, 5*time.Second)
	setDefault(&o.MessageRate, 10)
	setDefault(&o.MessageBurst, 30)
	setDefault(&o.AddrMessageRate, 3*o.MessageRate)
	setDefault(&o.AddrMessageBurst, 3*o.MessageBurst)
	setDefault(&o.ClaimsPerHour, 10)
	setDefault(&o.ClaimBurst, 10)
	setDefault(&o.LookupRate, 200)
	setDefault(&o.LookupBurst, 2000)
	setDefault(&o.ReplyByteRate, 2<<20)
	setDefault(&o.ReplyByteBurst, 16<<20)
	setDefault(&o.MaxRooms, 100)
	setDefault(&o.GroupLimit, hub.DefaultGroupLimit)
	setDefault(&o.SearchRate, 2)
	setDefault(&o.SearchBurst, 10)
	setDefault(&o.APIRate, DefaultAPIRate)
	setDefault(&o.APIBurst, DefaultAPIBurst)
	setDefault(&o.HookRate, o.APIRate)
	setDefault(&o.HookBurst, o.APIBurst)
	setDefault(&o.OutgoingTimeout, 10*time.Second)
	setDefault(&o.OutgoingRetry, time.Second)
	setDefault(&o.SessionIdle, 30*24*time.Hour)
	setDefault(&o.SessionLifetime, 180*24*time.Hour)
	setDefault(&o.NameRelease, 30*24*time.Hour)
	setDefault(&o.MaxUpload, DefaultMaxUpload)
	setDefault(&o.UploadQuota, DefaultUploadQuota)
	setDefault(&o.MaxImport, DefaultMaxImport)
	setDefault(&o.MaxImagePixels, media.DefaultMaxPixels)
	if o.UploadExpiry == 0 {
		o.UploadExpiry = DefaultUploadExpiry
	}
}

func setDefault[T int | int64 | float64 | time.Duration](v *T, def T) {
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
	ws       *wsconn.Server
	edge     *edge.Guard
	mux      *http.ServeMux
	handler  http.Handler

	live      liveSessions // open sessions by group, to tell them why they close
	sessions  SessionEnds  // ends of sessions to and from other nodes; nil alone
	stopEnded func()

	metrics  *metrics.Metrics
	ready    readiness
	draining atomic.Bool // Drain began

	messages     *limiterSet // per user
	addrMessages *limiterSet // per address
	claims       *limiterSet // per address
	signIns      *limiterSet // per address
	typing       *limiterSet // per user (typing.go)
	costs        *costs      // per user
	searches     *limiterSet // per user
	apiRates     *keyRate    // per access token, across the cluster (api.go)
	hookRates    *keyRate    // per incoming webhook, across the cluster (webhooks.go)

	index *search.Index // the full-text index of this node (search.go)

	files       hub.Files     // attachments (files.go)
	decodeSlots chan struct{} // images decoded at once
	sweep       *uploadSweep  // of uploads never posted (files_expiry.go)
	retention   *uploadSweep  // the retention sweep (retention.go)

	push     *pushing   // Web Push (push.go); nil when off
	previews *previewer // link previews (linkpreviews.go); nil when off
	sso      *sso       // single sign-on (oidc.go); nil when off
	out      *outgoing  // outgoing webhooks (outgoing.go)

	web               http.Handler // the client's pages (package web)
	started           time.Time    // when New made the server
	stopFollowConsole func()       // stops following the admin console's lists (admin_follow.go)
	stopNodes         func()       // stops answering the console's question to every node (admin.go)
	lists             consoleLists // this node's copy of the archived and deleted rooms (admin_follow.go)
}

// New returns a Server ready to serve.
func New(opts Options) (*Server, error) {
	opts.setDefaults()
	if opts.Storage == nil {
		opts.Storage = MemoryStorage()
	}
	if opts.Storage.Audit == nil {
		opts.Storage.Audit = audit.NewMemory()
	}
	welcome := chat.Welcome{
		Version: opts.Version,
		Limits: chat.Limits{MaxTextRunes: chat.MaxTextRunes, MaxFrameBytes: chat.MaxFrameBytes,
			NameReleaseDays: int(opts.NameRelease.Round(24*time.Hour) / (24 * time.Hour)), MaxUploadBytes: opts.MaxUpload,
			GroupLimit: max(opts.GroupLimit, 3)},
	}
	if opts.Storage.Files == nil {
		welcome.Limits.MaxUploadBytes = 0 // the server takes no files
	}
	if opts.OIDC.On() {
		welcome.Limits.SSO, welcome.Limits.NoPasswords = opts.OIDC.Label, opts.OIDC.NoLocalPasswords
	}
	opts.Storage.Accounts.SetSessionLimits(auth.SessionLimits{Idle: opts.SessionIdle, Lifetime: opts.SessionLifetime, Release: opts.NameRelease})
	m := metrics.New()
	if w := opts.Storage.Watches; w != nil {
		m.WatchRecoveries(w.Recoveries)
	}
	s := &Server{
		started:      time.Now(),
		metrics:      m,
		ready:        readiness{probe: opts.Storage.Check},
		opts:         opts,
		log:          opts.Logger,
		accounts:     opts.Storage.Accounts,
		welcome:      welcome,
		edge:         edge.New(edge.Options{Hosts: opts.Hosts, ListenAddr: opts.ListenAddr, TrustedProxies: opts.TrustedProxies}),
		messages:     newLimiterSet(rate.Limit(opts.MessageRate), opts.MessageBurst),
		addrMessages: newLimiterSet(rate.Limit(opts.AddrMessageRate), opts.AddrMessageBurst),
		claims:       newLimiterSet(rate.Limit(opts.ClaimsPerHour/3600), opts.ClaimBurst),
		signIns:      newLimiterSet(rate.Every(signInEvery), signInBurst),
		typing:       newLimiterSet(typingRate, typingBurst),
		searches:     newLimiterSet(rate.Limit(opts.SearchRate), opts.SearchBurst),
		apiRates:     newKeyRate("api", opts.APIRate, opts.APIBurst, opts.Storage.Rates, opts.Logger),
		hookRates:    newKeyRate("hooks", opts.HookRate, opts.HookBurst, opts.Storage.Rates, opts.Logger),
		files:        opts.Storage.Files,
		decodeSlots:  make(chan struct{}, decodeSlots),
		costs: newCosts(CostLimits{
			LookupRate: opts.LookupRate, LookupBurst: opts.LookupBurst,
			ReplyByteRate: opts.ReplyByteRate, ReplyByteBurst: opts.ReplyByteBurst,
		}),
	}
	if opts.OIDC.On() {
		s.sso = &sso{opts: opts.OIDC}
	}
	if err := s.startPush(push.NewMetrics()); err != nil {
		return nil, err
	}
	s.startOutgoing()
	if err := s.watchHookChanges(); err != nil {
		s.stopOutgoing()
		s.stopPush()
		return nil, fmt.Errorf("server: watching changed outgoing hooks: %w", err)
	}
	s.startPreviews()
	h, err := hub.New(hub.Options{
		Log:            timedLog{opts.Storage.Log, m},
		Directory:      opts.Storage.Directory,
		FindUser:       s.findUser,
		PresenceGrace:  opts.PresenceGrace,
		MaxRooms:       opts.MaxRooms,
		GroupLimit:     opts.GroupLimit,
		PresenceLimit:  opts.PresenceLimit,
		RosterInterval: opts.RosterInterval,
		MayModerate:    s.mayModerate,
		Writable:       s.writable,
		Joinable:       s.joinable,
		Admins:         adminKeys(opts.Admins),
		PageBytes:      opts.QueueBytes / 2,
		Welcome:        welcome,
		Logger:         opts.Logger,

		Presence:          opts.Storage.Presence,
		PresenceHeartbeat: opts.PresenceHeartbeat,
		PresenceTTL:       opts.PresenceTTL,
		Typing:            opts.Storage.Typing,
		Notices:           opts.Storage.Notices,
		Metrics:           m,
		Files:             opts.Storage.Files,
		Retention:         opts.Retention,
		Stored:            s.stored,
		Followed:          s.pushFollowed,
	})
	if err != nil {
		s.stopOutgoing()
		s.stopPreviews()
		s.stopPush()
		return nil, err
	}
	s.hub = h
	if s.index, err = search.Open(context.Background(), search.Options{Path: opts.SearchIndex,
		Log: opts.Storage.Log, Directory: opts.Storage.Directory, Logger: opts.Logger}); err != nil {
		h.Close()
		s.stopOutgoing()
		s.stopPreviews()
		s.stopPush()
		return nil, err
	}
	s.ws = wsconn.New(wsconn.Options{
		Transport:  opts.Transport,
		Logger:     opts.Logger,
		ClientAddr: s.edge.ClientAddr,
		Metrics:    m,
	})
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("GET /ws", s.serveWS)
	api := func(path string, h http.HandlerFunc) { s.mux.HandleFunc("POST "+path, sameOrigin(h)) }
	api("/api/signin", s.serveSignIn)
	api("/api/signout", s.serveSignOut)
	api(chat.HandoverPath, s.serveHandover)
	api("/api/devices", s.serveDevices)
	api("/api/devices/signout", s.serveDeviceSignOut)
	s.routePush()
	s.routeSSO()
	s.routeAPI()
	s.routeAdmin()
	s.routeExport()
	s.routeImport()
	if s.files != nil {
		api(chat.UploadPath, s.serveUpload)
		s.mux.HandleFunc("GET "+chat.FilesPath+"/{id}", s.serveFile)
		s.mux.HandleFunc("GET "+chat.FilesPath+"/{id}/thumb", s.serveFile)
	}
	if !opts.SeparateMetrics {
		s.mux.Handle("GET /metrics", m.Handler())
	}
	s.web = web.New(opts.Version, s.pageSession)
	s.mux.Handle("/", s.web)
	s.sessions = opts.Storage.Sessions
	if err := s.watchEnded(); err != nil {
		s.Close()
		return nil, fmt.Errorf("server: watching ended sessions: %w", err)
	}
	if n := opts.Storage.Nodes; n != nil {
		stopAnswer, err := n.Answer(s.nodeInfo)
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("server: answering the admin console: %w", err)
		}
		s.stopNodes = stopAnswer
	}
	if err := s.followConsole(); err != nil {
		s.Close()
		return nil, fmt.Errorf("server: following the admin console's lists: %w", err)
	}
	// The probes answer before the Host check (health.go); /metrics, when
	// here, is behind it like the chat.
	outer := http.NewServeMux()
	outer.HandleFunc("GET /healthz", serveHealth)
	outer.HandleFunc("GET /readyz", s.serveReady)
	outer.Handle("/", s.edge.Handler(s.mux))
	s.handler = outer
	s.startUploadSweep()
	s.startRetention()
	return s, nil
}

// MetricsHandler serves the node's metrics in Prometheus's text format
// (package metrics; docs/deploy.md lists them). The server routes GET
// /metrics to it unless Options.SeparateMetrics.
func (s *Server) MetricsHandler() http.Handler { return s.metrics.Handler() }

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
	return hubUser(u), nil
}

// hubUser is the hub's record of the account u.
func hubUser(u auth.User) hub.User {
	return hub.User{Key: u.Key, Name: u.Name, Password: u.HasPassword, SSO: u.SSO, Bot: u.Bot}
}

// ServeHTTP answers the probes, refuses a request for a host the server
// does not serve, then routes /ws to a websocket session, /api/ to the
// accounts, /metrics to the metrics and the rest to the client.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	web.SetSecurityHeaders(w.Header())
	s.handler.ServeHTTP(w, r)
}

// clientAddr returns the address a request came from, behind trusted
// proxies too.
func (s *Server) clientAddr(r *http.Request) string { return s.edge.ClientAddr(r) }

// Stats counts what the server did, for tests, tools and logs.
type Stats struct {
	Sessions      int    // websockets open now
	SlowConsumers uint64 // closed because they did not read fast enough
	Heartbeats    uint64 // closed because they stopped answering pings
	Policy        uint64 // closed for sending too many bad frames
}

// Stats returns the current counts.
func (s *Server) Stats() Stats {
	st := s.ws.Stats()
	return Stats{Sessions: st.Open, SlowConsumers: st.SlowConsumers, Heartbeats: st.Heartbeats, Policy: st.Policy}
}

// Hub returns the server's hub, for tests and tools.
func (s *Server) Hub() *hub.Hub { return s.hub }

// Close ends every session with chat.CloseGoingAway and waits for them.
// Call it after http.Server.Shutdown, which does not see websockets.
func (s *Server) Close() {
	if s.stopEnded != nil {
		s.stopEnded()
	}
	if s.stopNodes != nil {
		s.stopNodes()
	}
	if s.stopFollowConsole != nil {
		s.stopFollowConsole()
	}
	s.stopUploadSweep()
	s.stopRetention()
	s.ws.Close()
	s.stopOutgoing()
	s.stopPreviews()
	s.hub.Close()
	s.stopPush()
	if err := s.index.Close(); err != nil {
		s.log.Error("closing the search index failed", "err", err)
	}
}

// messageAllowed reports whether the user key may send a message from addr
// now: both the user's budget and the address's must allow it, and a
// message refused costs neither.
func (s *Server) messageAllowed(key, addr string) bool {
	now := time.Now()
	ok, undo, _ := s.addrMessages.take(addr, now)
	if !ok {
		return false
	}
	if mine, _, _ := s.messages.take(key, now); !mine {
		undo()
		return false
	}
	return true
}

// sessionCookie is the name of the cookie that holds a browser's session.
const sessionCookie = "chat_session"

// pageSession makes sure a page load leaves the browser with a token this
// server signed: one it brings is kept when its signature and age are
// right (the websocket checks the rest, Accounts.Visit), otherwise a fresh
// visitor token is set.
func (s *Server) pageSession(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(sessionCookie); err == nil && s.accounts.Plausible(r.Context(), c.Value) {
		return c.Value
	}
	v, err := s.accounts.Visit(r.Context(), "", auth.Client{})
	if err != nil {
		s.log.Error("issuing a visitor token failed", "err", err)
		return ""
	}
	s.setSessionCookie(w, r, v)
	return v.Token
}

// visit resolves the request's session cookie (Accounts.Visit), setting
// the fresh token it may come with.
func (s *Server) visit(w http.ResponseWriter, r *http.Request) (auth.Session, error) {
	token := ""
	if c, err := r.Cookie(sessionCookie); err == nil {
		token = c.Value
	}
	v, err := s.accounts.Visit(r.Context(), token, s.client(r))
	if err == nil && v.Fresh {
		s.setSessionCookie(w, r, v)
	}
	return v, err
}

// client describes where a request comes from, for the accounts.
func (s *Server) client(r *http.Request) auth.Client {
	return auth.Client{Addr: s.clientAddr(r), Agent: r.UserAgent()}
}

// setSessionCookie gives the browser the token of v, kept until v ends.
func (s *Server) setSessionCookie(w http.ResponseWriter, r *http.Request, v auth.Session) {
	s.setCookie(w, r, sessionCookie, v.Token, time.Until(v.Ends))
}

// deviceCookieAge is how long the device cookie lives: it only marks a
// browser that signed in before.
const deviceCookieAge = 400 * 24 * time.Hour

// setCookie gives the browser a token for maxAge: HttpOnly, so page
// scripts never see it; SameSite=Lax, so other sites cannot use it; Secure
// whenever the request came over HTTPS, its own or a trusted proxy's. An
// empty value clears the cookie.
func (s *Server) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge time.Duration) {
	age := int(maxAge / time.Second)
	if value == "" || age <= 0 {
		age = -1
	}
	http.SetCookie(w, &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     "/",
		MaxAge:   age,
		HttpOnly: true,
		Secure:   s.edge.Secure(r),
		SameSite: http.SameSiteLaxMode,
	})
}

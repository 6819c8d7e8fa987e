// Command chat serves the chat: the websocket at /ws and the WebAssembly
// client, all embedded in this one binary.
//
// Usage:
//
//	chat [-addr host:port] [-log-level info]
//
// Every flag can also be set with an environment variable, CHAT_ and the flag
// name in capitals with _ for -, such as CHAT_ADDR=:8080.
//
// SIGTERM or SIGINT drains the node (server.Server.Drain): /readyz turns
// 503, new websockets are refused, and the connections are closed with
// 1012 over -drain; the process then exits, within -drain + 20 s
// (docs/deploy.md). A second signal exits at once.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/founding/chat/build"
	"github.com/founding/chat/server"
	"github.com/founding/chat/server/bus"
	"github.com/founding/chat/server/edge"
	"github.com/founding/chat/server/wsconn"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		stop() // the first signal drains; a second one ends the process at once
	}()
	if err := run(ctx, os.Args[1:], os.Stderr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "chat:", err)
		os.Exit(1)
	}
}

// maxPaceInterval bounds -pace-interval: past it, pacing would hold a busy
// room's messages back longer than a person waits for a chat.
const maxPaceInterval = time.Second

// config is what the flags set.
type config struct {
	addr     string
	logLevel slog.Level
	opts     server.Options
	bus      bus.Options
	natsURLs string
	storage  server.StorageOptions
	memory   bool
	debug    string
	gc       int
	memLimit int64 // -memory-limit, MiB
	idleGC   bool  // -collect-when-idle
	hosts    string
	admins   string // -admin

	linkPreviews     bool   // -link-previews
	linkPreviewAllow string // -link-preview-allow
	linkPreviewDeny  string // -link-preview-deny
	proxies          string
	outAllow         string // -outgoing-allow
	drain            time.Duration
	metrics          string

	oidcDomains string // -oidc-allowed-domains
	oidcGroups  string // -oidc-allowed-groups
	oidcLocal   bool   // -oidc-local-passwords
}

func parse(args []string, stderr io.Writer) (*config, error) {
	var c config
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	fs.SetOutput(stderr)
	tr := wsconn.DefaultTransport()
	fs.StringVar(&c.addr, "addr", "localhost:8080", "address to listen on (use :8080 to accept other machines)")
	fs.TextVar(&c.logLevel, "log-level", slog.LevelInfo, "log level: debug, info, warn or error")
	fs.DurationVar(&c.opts.PresenceGrace, "presence-grace", 5*time.Second, "how long a user who dropped stays online before others see them leave")
	fs.DurationVar(&c.opts.PingInterval, "ping-interval", tr.PingInterval, "how often the server pings each connection")
	fs.DurationVar(&c.opts.PingTimeout, "ping-timeout", tr.PingTimeout, "how long a ping may go unanswered before the connection is dropped")
	fs.IntVar(&c.opts.QueueBytes, "queue-bytes", tr.QueueBytes, "bytes that may wait for one slow connection before it is dropped")
	fs.DurationVar(&c.opts.PaceInterval, "pace-interval", tr.PaceInterval, "while the node is busy (-pace-above), the least time between two fan-out writes to one connection, so a write carries more frames: less CPU per delivery, at up to this much more latency (0: never)")
	fs.Float64Var(&c.opts.PaceAbove, "pace-above", tr.PaceAbove, "frames written per second, over all connections, from which the node counts as busy for -pace-interval")
	fs.IntVar(&c.opts.MaxConnsPerAddr, "max-conns-per-addr", tr.MaxConnsPerAddr, "websockets allowed from one IP address")
	fs.Float64Var(&c.opts.MessageRate, "message-rate", 10, "messages per second one user may send")
	fs.IntVar(&c.opts.MessageBurst, "message-burst", 30, "messages one user may send in a burst")
	fs.Float64Var(&c.opts.AddrMessageRate, "addr-message-rate", 0, "messages per second sent from one IP address, across its users (0: 3 times -message-rate)")
	fs.IntVar(&c.opts.AddrMessageBurst, "addr-message-burst", 0, "messages sent from one IP address in a burst (0: 3 times -message-burst)")
	fs.Float64Var(&c.opts.ClaimsPerHour, "claims-per-hour", 10, "new names (accounts) one IP address may claim per hour")
	fs.IntVar(&c.opts.ClaimBurst, "claim-burst", 10, "new names one IP address may claim in a burst")
	fs.Float64Var(&c.opts.LookupRate, "lookup-rate", 200, "conversations one user's resume and history requests may look up per second (a resume costs one per conversation it names)")
	fs.IntVar(&c.opts.LookupBurst, "lookup-burst", 2000, "conversations one user may look up in a burst")
	fs.Float64Var(&c.opts.ReplyByteRate, "reply-byte-rate", 2<<20, "bytes of history and resume pages sent to one user per second")
	fs.IntVar(&c.opts.ReplyByteBurst, "reply-byte-burst", 16<<20, "bytes of history and resume pages sent to one user in a burst")
	fs.Float64Var(&c.opts.FrameRate, "frame-rate", tr.FrameRate, "frames per second one connection may send")
	fs.IntVar(&c.opts.FrameBurst, "frame-burst", tr.FrameBurst, "frames one connection may send in a burst")
	fs.IntVar(&c.opts.MaxRooms, "max-rooms", 100, "rooms one user may be in")
	fs.IntVar(&c.opts.GroupLimit, "group-limit", server.DefaultGroupLimit, "the most people a group conversation may have (3 at least)")
	fs.Float64Var(&c.opts.APIRate, "api-rate", server.DefaultAPIRate, "requests per second one personal access token (or incoming webhook) may make of the HTTP API, on each node")
	fs.IntVar(&c.opts.APIBurst, "api-burst", server.DefaultAPIBurst, "requests one personal access token may make of the HTTP API in a burst")
	fs.DurationVar(&c.opts.SessionIdle, "session-idle", 30*24*time.Hour, "a browser session not used for this long ends")
	fs.DurationVar(&c.opts.NameRelease, "name-release", 30*24*time.Hour, "a name without a password becomes free for others once none of its sessions was used for this long")
	fs.DurationVar(&c.opts.SessionLifetime, "session-lifetime", 180*24*time.Hour, "a browser session ends this long after its sign-in or name pick, however much it is used (the cookie's lifetime)")
	fs.DurationVar(&c.opts.PresenceHeartbeat, "presence-heartbeat", 5*time.Second, "how often this node tells the others on the same NATS that it lives")
	fs.DurationVar(&c.opts.PresenceTTL, "presence-ttl", 15*time.Second, "how long another node may be silent before its users are offline")
	fs.IntVar(&c.opts.PresenceLimit, "presence-limit", 200, "online members above which a room shows a count instead of announcing arrivals, departures, joins and leaves")
	fs.IntVar(&c.gc, "gc-percent", defaultGCPercent, "the garbage collector's target (Go's GOGC): lower keeps less memory under load, at more CPU; 0 keeps Go's default or $GOGC")
	fs.Int64Var(&c.memLimit, "memory-limit", 0, "a soft limit on the server's memory in MiB (Go's GOMEMLIMIT): the collector works harder as the heap nears it, whatever -gc-percent says; 0 keeps $GOMEMLIMIT or none")
	fs.BoolVar(&c.idleGC, "collect-when-idle", true, "when the load stops, collect at once and give the freed memory back, so an idle server keeps little more than its live heap")
	fs.DurationVar(&c.drain, "drain", 5*time.Second, "on SIGTERM, close the websockets over this long, a few at a time, so their clients do not all reconnect at once (0: all at once)")
	fs.StringVar(&c.metrics, "metrics-addr", "", "serve the Prometheus metrics (/metrics) on this separate address, e.g. 127.0.0.1:9090, instead of beside the chat")
	fs.StringVar(&c.debug, "debug-addr", "", "serve Go's profiler (/debug/pprof/) on this separate address, e.g. 127.0.0.1:6060; off when empty")
	fs.BoolVar(&c.memory, "memory", false, "keep everything in memory instead of NATS: nothing survives a restart (for trials and comparisons)")
	fs.StringVar(&c.bus.DataDir, "data", "data", "directory of the embedded NATS server's files")
	fs.StringVar(&c.opts.SearchIndex, "search-index", "", "directory of this node's full-text search index, made again from the log when missing (default: search in the -data directory; in memory with -memory)")
	fs.StringVar(&c.natsURLs, "nats", "", "URLs of an external NATS cluster (comma-separated) instead of the embedded server")
	fs.BoolVar(&c.bus.Fsync, "fsync", false, "fsync every write before acknowledging it (embedded server; survives power loss, much slower)")
	fs.IntVar(&c.bus.Replicas, "replicas", 0, "copies of every stream and bucket (default 1 embedded, 3 on a cluster)")
	fs.StringVar(&c.bus.Name, "node", "chat", "this node's name on NATS")
	fs.IntVar(&c.storage.Shards, "log-shards", 1, "streams the conversations are spread over (choose before the first start)")
	fs.DurationVar(&c.storage.MaxAge, "retain-age", 0, "drop room entries older than this (0 keeps them)")
	fs.Int64Var(&c.storage.MaxBytes, "retain-bytes", server.DefaultRetainBytes, "bound on each stream of room entries, oldest dropped first (-1: none)")
	fs.Int64Var(&c.storage.MaxPerConversation, "retain-per-conversation", server.DefaultRetainPerConversation, "entries kept per room, oldest dropped first (-1: all)")
	fs.Int64Var(&c.storage.PrivateMaxBytes, "private-bytes", server.DefaultPrivateBytes, "bound on each stream of private conversations; when full, new private messages are refused and nothing is dropped (-1: none)")
	fs.Var((*daysFlag)(&c.opts.Retention), "retention", "remove messages, their files, search entries and link previews older than this, in days (\"90d\") or as a duration (\"2160h\"); a room's owner may set the room's own policy; 0 keeps them for ever")
	fs.DurationVar(&c.opts.RetentionEvery, "retention-every", time.Hour, "how often the retention sweep runs")
	fs.Int64Var(&c.opts.MaxUpload, "max-upload", server.DefaultMaxUpload, "largest file one upload may be, in bytes")
	fs.Int64Var(&c.opts.MaxImport, "max-import", server.DefaultMaxImport, "largest Slack export zip an admin may import, in bytes")
	fs.StringVar(&c.opts.UploadDir, "upload-dir", "", "directory of uploads while they arrive (default the system's temporary directory)")
	fs.Int64Var(&c.opts.UploadQuota, "upload-quota", server.DefaultUploadQuota, "bytes one user's files may take in all, thumbnails included")
	fs.StringVar(&c.hosts, "hosts", "", "host names the server answers to, comma-separated (\"chat.example.com,*.chat.example.com\"); localhost, IP addresses and the host of -addr always work, any other Host gets 421")
	fs.StringVar(&c.outAllow, "outgoing-allow", "", "networks outgoing webhooks may reach although they are not public (CIDRs, comma-separated; by default only public addresses)")
	fs.StringVar(&c.proxies, "trusted-proxies", "", "networks of the reverse proxies in front of the server (CIDRs, comma-separated), whose X-Forwarded-For and X-Forwarded-Proto are believed")
	fs.StringVar(&c.admins, "admin", "", "names of the server's admins, comma-separated (\"ann,bob\"): they moderate every room as owners do theirs")
	fs.StringVar(&c.opts.Push.Contact, "push-contact", "", "turns Web Push on: the VAPID contact push services may write to about this server, a mailto: or https: URL (docs/push.md)")
	fs.StringVar(&c.opts.OIDC.Issuer, "oidc-issuer", "", "turns single sign-on on: the OpenID Connect provider's issuer URL (docs/sso.md)")
	fs.StringVar(&c.opts.OIDC.ClientID, "oidc-client-id", "", "this server's client id at the OpenID Connect provider")
	fs.StringVar(&c.opts.OIDC.ClientSecret, "oidc-client-secret", "", "this server's client secret at the OpenID Connect provider (better set as CHAT_OIDC_CLIENT_SECRET)")
	fs.StringVar(&c.opts.OIDC.RedirectURL, "oidc-redirect", "", "the callback URL registered at the provider, https://HOST/auth/oidc/callback (default: derived from the host the browser reached)")
	fs.StringVar(&c.opts.OIDC.Label, "oidc-label", "", "the provider's name on the sign-in button, \"Sign in with LABEL\" (default: the issuer's host)")
	fs.StringVar(&c.opts.OIDC.NameClaim, "oidc-name-claim", "preferred_username", "the ID token claim that names a new account (falling back to name, then the local part of email)")
	fs.StringVar(&c.oidcDomains, "oidc-allowed-domains", "", "admit only people whose verified email is at one of these domains, comma-separated (default: any)")
	fs.StringVar(&c.oidcGroups, "oidc-allowed-groups", "", "admit only people in one of these groups (the -oidc-groups-claim), comma-separated (default: any)")
	fs.StringVar(&c.opts.OIDC.GroupsClaim, "oidc-groups-claim", "groups", "the ID token claim that lists a person's groups")
	fs.BoolVar(&c.oidcLocal, "oidc-local-passwords", true, "with single sign-on on, whether signing in with a local password stays allowed")
	fs.BoolVar(&c.linkPreviews, "link-previews", true, "preview the first link of a message (its page's title, description and image, fetched from public addresses only)")
	fs.StringVar(&c.linkPreviewAllow, "link-preview-allow", "", "preview links to these hosts only, comma-separated (default: any public host)")
	fs.StringVar(&c.linkPreviewDeny, "link-preview-deny", "", "never preview links to these hosts, comma-separated; wins over -link-preview-allow")
	version := fs.Bool("version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if err := fromEnv(fs); err != nil {
		return nil, err
	}
	if *version {
		fmt.Fprintln(stderr, build.Version())
		return nil, nil
	}
	if c.natsURLs != "" {
		c.bus.URLs = strings.Split(c.natsURLs, ",")
	}
	if c.hosts != "" {
		c.opts.Hosts = strings.Split(c.hosts, ",")
	}
	if c.admins != "" {
		c.opts.Admins = strings.Split(c.admins, ",")
	}
	if c.oidcDomains != "" {
		c.opts.OIDC.AllowedDomains = strings.Split(c.oidcDomains, ",")
	}
	if c.oidcGroups != "" {
		c.opts.OIDC.AllowedGroups = strings.Split(c.oidcGroups, ",")
	}
	c.opts.OIDC.NoLocalPasswords = !c.oidcLocal
	c.opts.LinkPreviews.Off = !c.linkPreviews
	if c.linkPreviewAllow != "" {
		c.opts.LinkPreviews.Allow = strings.Split(c.linkPreviewAllow, ",")
	}
	if c.linkPreviewDeny != "" {
		c.opts.LinkPreviews.Deny = strings.Split(c.linkPreviewDeny, ",")
	}
	if c.opts.OIDC.On() && c.opts.OIDC.ClientID == "" {
		return nil, errors.New("-oidc-issuer needs -oidc-client-id")
	}
	if !c.opts.OIDC.On() && c.opts.OIDC.NoLocalPasswords {
		return nil, errors.New("-oidc-local-passwords=false needs -oidc-issuer: nobody could sign in")
	}
	proxies, err := edge.ParsePrefixes(c.proxies)
	if err != nil {
		return nil, fmt.Errorf("-trusted-proxies: %w", err)
	}
	c.opts.TrustedProxies = proxies
	if c.opts.OutgoingAllow, err = edge.ParsePrefixes(c.outAllow); err != nil {
		return nil, fmt.Errorf("-outgoing-allow: %w", err)
	}
	c.opts.ListenAddr = c.addr
	c.opts.SeparateMetrics = c.metrics != ""
	switch {
	case c.opts.PaceInterval < 0 || c.opts.PaceInterval > maxPaceInterval:
		return nil, fmt.Errorf("-pace-interval %v: from 0 (never pace) to %v", c.opts.PaceInterval, maxPaceInterval)
	case c.memLimit < 0:
		return nil, fmt.Errorf("-memory-limit %d: MiB, 0 for none", c.memLimit)
	case c.opts.PaceAbove <= 0:
		return nil, fmt.Errorf("-pace-above %v: a rate of frames per second above 0", c.opts.PaceAbove)
	case c.opts.PaceInterval == 0:
		c.opts.PaceInterval = -1 // the flag's 0 is "never"; the option's 0 is the default
	}
	if c.drain < 0 {
		return nil, fmt.Errorf("-drain %v: a duration of 0 or more", c.drain)
	}
	return &c, nil
}

// fromEnv sets every flag not given on the command line from CHAT_<NAME>.
func fromEnv(fs *flag.FlagSet) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		env := "CHAT_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(env); ok && !given[f.Name] && err == nil {
			if e := f.Value.Set(v); e != nil {
				err = fmt.Errorf("%s=%q: %w", env, v, e)
			}
		}
	})
	return err
}

// run serves until ctx ends. When ready is not nil it receives the address
// the server listens on.
func run(ctx context.Context, args []string, stderr io.Writer, ready chan<- string) error {
	c, err := parse(args, stderr)
	if err != nil || c == nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: c.logLevel}))
	if c.gc > 0 {
		debug.SetGCPercent(c.gc)
	}
	if c.memLimit > 0 {
		debug.SetMemoryLimit(c.memLimit << 20)
	}
	if c.idleGC {
		go collectWhenIdle(ctx, idleCheck)
	}
	c.opts.Logger = log
	if !build.HasClient() {
		log.Warn("this binary has no WebAssembly client; build it with `make build`")
	}
	storeDesc := "memory (nothing survives a restart)"
	if c.memory {
		c.opts.Storage = server.MemoryStorage()
	} else {
		c.bus.Logger = log
		c.storage.Logger = log
		b, err := bus.Open(c.bus)
		if err != nil {
			return err
		}
		defer b.Close()
		if c.opts.Storage, err = openStorage(ctx, b, c.storage, log); err != nil {
			return err
		}
		if c.opts.SearchIndex == "" {
			c.opts.SearchIndex = filepath.Join(c.bus.DataDir, "search")
		}
		storeDesc = map[bool]string{true: "embedded NATS in " + c.bus.DataDir, false: "NATS at " + c.natsURLs}[b.Embedded()]
	}
	srv, err := server.New(c.opts)
	if err != nil {
		return err
	}
	if c.debug != "" {
		go func() {
			log.Info("profiler listening", "url", "http://"+c.debug+"/debug/pprof/")
			if err := http.ListenAndServe(c.debug, debugMux()); err != nil {
				log.Error("profiler stopped", "err", err)
			}
		}()
	}
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		srv.Close()
		return err
	}
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 2)
	var ms *http.Server
	if c.metrics != "" {
		mln, err := net.Listen("tcp", c.metrics)
		if err != nil {
			ln.Close()
			srv.Close()
			return fmt.Errorf("-metrics-addr: %w", err)
		}
		ms = &http.Server{Handler: metricsMux(srv.MetricsHandler()), ReadHeaderTimeout: 10 * time.Second}
		log.Info("metrics listening", "url", "http://"+displayAddr(mln.Addr())+"/metrics")
		go func() { errc <- ms.Serve(mln) }()
	}
	log.Info("chat is serving", "url", "http://"+displayAddr(ln.Addr()), "version", build.Version(), "storage", storeDesc)
	if ready != nil {
		ready <- ln.Addr().String()
	}
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		hs.Close()
		if ms != nil {
			ms.Close()
		}
		srv.Close()
		return err
	case <-ctx.Done():
	}
	err = stop(log, srv, hs, ms, c.drain)
	if st := c.opts.Storage; st.Close != nil {
		cctx, cancel := context.WithTimeout(context.Background(), closePatience)
		defer cancel()
		if cerr := st.Close(cctx); cerr != nil {
			log.Warn("the storage did not write everything before closing", "err", cerr)
		}
	}
	return err
}

// How long each step of a stop may take beyond the drain's spread: the
// last connections' ends (their close handshakes, the acks in flight),
// the HTTP requests in flight, the server's own close (connections that
// still would not end, last-seen times), the storage's last writes, and
// the bus's flush (run's deferred Bus.Close). A node exits within -drain
// + 25 s.
const (
	drainPatience    = 5 * time.Second
	shutdownPatience = 5 * time.Second
	closePatience    = 5 * time.Second
)

// stop drains the node over spread, then stops serving HTTP and closes
// the server, each step within its patience.
func stop(log *slog.Logger, srv *server.Server, hs, ms *http.Server, spread time.Duration) error {
	log.Info("shutting down: draining", "spread", spread)
	dctx, cancel := context.WithTimeout(context.Background(), spread+drainPatience)
	if err := srv.Drain(dctx, spread); err != nil {
		log.Warn("the drain did not finish; closing the rest", "err", err)
	}
	cancel()
	sctx, cancel := context.WithTimeout(context.Background(), shutdownPatience)
	defer cancel()
	err := hs.Shutdown(sctx)
	if ms != nil {
		ms.Shutdown(sctx)
	}
	closed := make(chan struct{})
	go func() {
		srv.Close()
		close(closed)
	}()
	select {
	case <-closed:
		log.Info("stopped")
	case <-time.After(closePatience):
		log.Warn("the server did not close in time; exiting anyway", "patience", closePatience)
	}
	return err
}

// displayAddr turns a listening address into one a browser can open.
func displayAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() || ip.IsLoopback() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// metricsMux serves the metrics at /metrics, and nothing else.
func metricsMux(h http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	return mux
}

// debugMux serves net/http/pprof's handlers, and only those.
func debugMux() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

// storageWait is how long a node waits for JetStream to place its streams
// and buckets at start: a node started with its NATS cluster (make
// cluster, a fleet coming up) may ask before the cluster has a leader.
const storageWait = 2 * time.Minute

// openStorage opens the durable storage on b, trying again while JetStream
// cannot place it yet, for storageWait at most.
func openStorage(ctx context.Context, b *bus.Bus, o server.StorageOptions, log *slog.Logger) (*server.Storage, error) {
	deadline := time.Now().Add(storageWait)
	pause := 250 * time.Millisecond
	for {
		st, err := server.OpenStorage(ctx, b, o)
		if err == nil || time.Now().After(deadline) || ctx.Err() != nil {
			return st, err
		}
		log.Info("JetStream is not ready for the chat's streams yet; trying again", "err", err, "in", pause)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(pause):
		}
		pause = min(2*pause, 5*time.Second)
	}
}

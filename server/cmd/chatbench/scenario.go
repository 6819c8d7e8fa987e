package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// Modes of a run.
const (
	modeChat    = "chat"    // our server, our protocol
	modeGorilla = "gorilla" // the control: gorilla/websocket's chat example
	modeIdle    = "idle"    // connections only, to measure memory per connection
)

// Config describes one run. Every loop it drives is bounded by Clients,
// Duration and Drain.
type Config struct {
	Name        string        // scenario label in the report
	URL         string        // the server, http://host:port; several nodes comma-separated, client i on the i-th (modulo)
	Mode        string        // chat, gorilla or idle
	Clients     int           // connections, each its own user
	Rooms       int           // rooms the clients are spread over
	Publishers  int           // clients that send
	Rate        float64       // messages per second, all publishers together
	Rates       []float64     // several rates, one step each, on the same connections
	StopLossPct float64       // stop stepping once a step loses more than this (0: never)
	StopP99Ms   float64       // or once its p99 latency passes this (0: never)
	Control     bool          // idle mode: the server is the control (plain websocket)
	Duration    time.Duration // how long to send
	Drain       time.Duration // how long to wait for the last deliveries
	Size        int           // payload bytes
	PID         int           // the server's process, for CPU and memory
	OtherPIDs   []int         // the other nodes' processes, whose CPU counts too
	Parallel    int           // connections opened at once
	Hold        time.Duration // idle mode: how long to hold before measuring
	Reconnect   bool          // idle mode: then every user comes back at once, and that is timed
	AllowRemote bool          // allow a server that is not on loopback
	Run         string        // a tag that keeps this run's names apart
}

// urls lists the servers (nodes) of URL.
func (c *Config) urls() []string { return strings.Split(c.URL, ",") }

// base returns the server client i connects to, http://host:port.
func (c *Config) base(i int) string {
	urls := c.urls()
	return urls[i%len(urls)]
}

// wsURL returns the websocket URL client i connects to.
func (c *Config) wsURL(i int) string {
	u, _ := url.Parse(c.base(i))
	scheme := "ws"
	if u.Scheme == "https" {
		scheme = "wss"
	}
	return scheme + "://" + u.Host + "/ws"
}

// check validates the configuration; it refuses non-loopback servers unless
// AllowRemote.
func (c *Config) check() error {
	for _, s := range c.urls() {
		if err := c.checkURL(s); err != nil {
			return err
		}
	}
	return c.checkLoad()
}

// checkURL validates one server URL.
func (c *Config) checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return fmt.Errorf("bad server URL %q", s)
	}
	if !c.AllowRemote {
		host := u.Hostname()
		ips, err := net.LookupIP(host)
		if err != nil || len(ips) == 0 {
			return fmt.Errorf("cannot resolve %s", host)
		}
		for _, ip := range ips {
			if !ip.IsLoopback() {
				return fmt.Errorf("%s is not a loopback address; pass -allow-remote to load another machine", host)
			}
		}
	}
	return nil
}

// checkLoad validates what the run asks of the servers.
func (c *Config) checkLoad() error {
	switch {
	case c.Mode != modeChat && c.Mode != modeGorilla && c.Mode != modeIdle:
		return fmt.Errorf("unknown mode %q", c.Mode)
	case c.Clients < 1 || c.Clients > 50000:
		return errors.New("clients must be between 1 and 50000")
	case c.Mode == modeIdle:
		return nil
	case c.Rooms < 1 || c.Rooms > c.Clients:
		return errors.New("rooms must be between 1 and the number of clients")
	case c.Publishers < 1 || c.Publishers > c.Clients:
		return errors.New("publishers must be between 1 and the number of clients")
	case c.Rate <= 0 || c.Rate > 1e6:
		return errors.New("rate must be above 0 and at most 1e6 messages/s")
	case c.Duration <= 0 || c.Duration > time.Hour:
		return errors.New("duration must be above 0 and at most an hour")
	case c.Size < minPayload || c.Size > 3000:
		return fmt.Errorf("size must be between %d and 3000 bytes", minPayload)
	}
	if c.Mode == modeGorilla && c.Rooms != 1 {
		return errors.New("the control server has one room")
	}
	return nil
}

// Result is what a run measured. Durations are in milliseconds or seconds
// as the names say.
type Result struct {
	Name             string  `json:"name"`
	Server           string  `json:"server,omitempty"` // chat or gorilla, in the standard suite
	Mode             string  `json:"mode"`
	Clients          int     `json:"clients"`
	Rooms            int     `json:"rooms"`
	Publishers       int     `json:"publishers"`
	Rate             float64 `json:"rate"`
	DurationS        float64 `json:"duration_s"`
	Size             int     `json:"size"`
	ConnectS         float64 `json:"connect_s"`
	Sent             uint64  `json:"sent"`
	SendLagMs        float64 `json:"send_lag_max_ms"`
	Expected         uint64  `json:"expected"`
	Delivered        uint64  `json:"delivered"`
	Lost             uint64  `json:"lost"`
	LossPct          float64 `json:"loss_pct"`
	Duplicates       uint64  `json:"duplicates"`
	ClientErrors     int     `json:"client_errors"`
	P50Ms            float64 `json:"p50_ms"`
	P90Ms            float64 `json:"p90_ms"`
	P99Ms            float64 `json:"p99_ms"`
	MaxMs            float64 `json:"max_ms"`
	DeliveriesPerS   float64 `json:"deliveries_per_s"`
	ServerCPUS       float64 `json:"server_cpu_s"`
	ServerUsPerDeliv float64 `json:"server_cpu_us_per_delivery"`
	ServerPeakRSS    int64   `json:"server_peak_rss"`
	ServerRSSPerConn int64   `json:"server_rss_per_conn,omitempty"`
	ToolCPUS         float64 `json:"tool_cpu_s"`
	ServerRSSBefore  int64   `json:"server_rss_before,omitempty"`
	ServerRSSHeld    int64   `json:"server_rss_held,omitempty"`
	ReconnectS       float64 `json:"reconnect_s,omitempty"`   // idle mode with Reconnect: every user back
	PublisherCut     string  `json:"publisher_cut,omitempty"` // the server closed a publisher's connection: the step failed
}

// errPublisherCut is a publisher's write failing: the server closed its
// connection (the gorilla example drops a client it finds slow). The step
// ends there and fails; a sweep stops at it, and the suite goes on.
var errPublisherCut = errors.New("the server closed a publisher's connection")

// failed reports whether a step misses the sweep's bar: loss of 0.1% or
// more, a duplicate, p99 of 250 ms or more, or a publisher cut off.
func (r *Result) failed() bool {
	return r.LossPct >= 0.1 || r.P99Ms >= 250 || r.Duplicates > 0 || r.PublisherCut != ""
}

// Run connects the clients once, then sends at each rate of cfg.Rates
// (cfg.Rate when empty) in turn, and returns a result per rate. It stops
// early when a step loses more than StopLossPct of its deliveries.
func Run(ctx context.Context, cfg Config) ([]*Result, error) {
	if len(cfg.Rates) == 0 {
		cfg.Rates = []float64{cfg.Rate}
	}
	cfg.Rate = cfg.Rates[0]
	for _, r := range cfg.Rates {
		cfg.Rate = max(cfg.Rate, r)
	}
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if cfg.Parallel <= 0 {
		cfg.Parallel = 64
	}
	if cfg.Run == "" {
		cfg.Run = fmt.Sprintf("%x", time.Now().UnixNano()&0xffffff)
	}
	if cfg.Mode == modeIdle {
		r, err := runIdle(ctx, cfg)
		if r == nil {
			return nil, err
		}
		return []*Result{r}, err
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	clients, connect, err := connectAll(ctx, runCtx, cfg)
	defer closeAll(clients)
	if err != nil {
		return nil, err
	}
	members := make([]uint64, cfg.Rooms)
	for _, c := range clients {
		members[c.room]++
	}
	var results []*Result
	var base uint64
	for _, rate := range cfg.Rates {
		step := cfg
		step.Rate = rate
		res, err := runStep(runCtx, step, clients, members, base)
		if res != nil {
			res.ConnectS = connect.Seconds()
			results = append(results, res)
			base += res.Sent + 1
		}
		if err != nil || ctx.Err() != nil || res.PublisherCut != "" ||
			(cfg.StopLossPct > 0 && res.LossPct > cfg.StopLossPct) || (cfg.StopP99Ms > 0 && res.P99Ms > cfg.StopP99Ms) {
			return results, err
		}
	}
	return results, nil
}

// runStep sends at one rate on connected clients and measures it.
func runStep(ctx context.Context, cfg Config, clients []*loadClient, members []uint64, base uint64) (*Result, error) {
	res := &Result{Name: cfg.Name, Mode: cfg.Mode, Clients: cfg.Clients, Rooms: cfg.Rooms, Publishers: cfg.Publishers,
		Rate: cfg.Rate, DurationS: cfg.Duration.Seconds(), Size: cfg.Size}
	count := int(cfg.Rate*cfg.Duration.Seconds()) + 1
	for _, c := range clients {
		c.reset(base, count)
	}
	cpu0 := serverCPU(cfg)
	self0 := selfCPU()
	rss := sampleRSS(cfg.PID, 100*time.Millisecond)
	start := time.Now()
	sent, expected, lag, err := publish(ctx, cfg, clients, members, base)
	res.Sent, res.Expected, res.SendLagMs = sent, expected, ms(lag)
	if err == nil {
		drain(clients, expected, cfg.Drain)
	}
	cpu1 := serverCPU(cfg)
	res.ServerPeakRSS = rss.Stop()
	res.ToolCPUS = (selfCPU() - self0).Seconds()
	res.ServerCPUS = (cpu1 - cpu0).Seconds()
	summarize(res, clients, start)
	if errors.Is(err, errPublisherCut) {
		res.PublisherCut, err = err.Error(), nil
	}
	return res, err
}

// serverCPU is the CPU time of the server's processes so far: PID and the
// other nodes'.
func serverCPU(cfg Config) time.Duration {
	var total time.Duration
	for _, pid := range append([]int{cfg.PID}, cfg.OtherPIDs...) {
		if d, err := procCPU(pid); err == nil {
			total += d
		}
	}
	return total
}

// connectAll opens every client, Parallel at a time, and starts each one's
// reader (with readCtx) as soon as it is in: a client that waited unread
// for the others would miss the server's pings and be dropped, as 10,000
// clients take about a minute to connect. Publishers are the first clients
// of each room in turn, so every room with a publisher has its share.
func connectAll(ctx, readCtx context.Context, cfg Config) ([]*loadClient, time.Duration, error) {
	clients := make([]*loadClient, cfg.Clients)
	rooms := max(cfg.Rooms, 1)
	for i := range clients {
		clients[i] = newLoadClient(i, i%rooms)
	}
	took, err := dialAll(ctx, readCtx, cfg, clients)
	return clients, took, err
}

// reconnectAll closes every client's connection and opens it again as the
// same user (its session cookie), Parallel at a time, as users come back
// after losing a node; it returns how long they took to be back.
func reconnectAll(ctx, readCtx context.Context, cfg Config, clients []*loadClient) (time.Duration, error) {
	closeAll(clients)
	for _, c := range clients {
		if c.ws != nil {
			<-c.done
		}
		c.ws, c.done, c.err = nil, make(chan struct{}), nil
	}
	return dialAll(ctx, readCtx, cfg, clients)
}

// dialAll connects clients, Parallel at a time, and starts each one's
// reader as soon as it is in; it returns how long that took and the first
// error.
func dialAll(ctx, readCtx context.Context, cfg Config, clients []*loadClient) (time.Duration, error) {
	start := time.Now()
	sem := make(chan struct{}, cfg.Parallel)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for _, c := range clients {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			dctx, cancel := context.WithTimeout(ctx, time.Minute)
			defer cancel()
			var err error
			if cfg.Mode == modeGorilla || cfg.Control {
				err = c.dialGorilla(dctx, &cfg)
			} else {
				err = c.dialChat(dctx, &cfg)
			}
			if err == nil {
				go c.readLoop(readCtx)
			} else {
				mu.Lock()
				if firstErr == nil {
					firstErr = fmt.Errorf("client %d: %w", c.idx, err)
				}
				mu.Unlock()
			}
		}()
		if ctx.Err() != nil {
			break
		}
	}
	wg.Wait()
	return time.Since(start), firstErr
}

func closeAll(clients []*loadClient) {
	var wg sync.WaitGroup
	for _, c := range clients {
		if c != nil && c.ws != nil {
			wg.Add(1)
			go func() { defer wg.Done(); c.ws.CloseNow() }()
		}
	}
	wg.Wait()
}

// publish sends Rate messages a second, evenly spaced, round robin over the
// publishers, for Duration. It returns what it sent, how many deliveries
// that means, and how late the schedule ran at worst.
func publish(ctx context.Context, cfg Config, clients []*loadClient, members []uint64, base uint64) (sent, expected uint64, maxLag time.Duration, err error) {
	pubs := clients[:cfg.Publishers]
	interval := time.Duration(float64(time.Second) / cfg.Rate)
	total := uint64(cfg.Rate * cfg.Duration.Seconds())
	counters := make([]uint64, len(pubs))
	devices := make([]string, len(pubs))
	for i := range pubs {
		devices[i] = fmt.Sprintf("bench-%s-%d-%d", cfg.Run, base, i) // a device per step: its counter starts at 1
	}
	var buf []byte
	start := time.Now().Add(50 * time.Millisecond)
	for i := uint64(0); i < total; i++ {
		id := base + i
		at := start.Add(time.Duration(i) * interval)
		if d := time.Until(at); d > 0 {
			time.Sleep(d)
		} else if -d > maxLag {
			maxLag = -d
		}
		p := int(i % uint64(len(pubs)))
		c := pubs[p]
		payload := makePayload(id, time.Now().UnixNano(), cfg.Size)
		msg := payload
		if cfg.Mode == modeChat {
			counters[p]++
			buf = sendFrame(buf[:0], devices[p], counters[p], c.conv, payload)
			msg = buf
		}
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := c.ws.Write(wctx, websocket.MessageText, msg)
		cancel()
		if err != nil {
			if ctx.Err() == nil {
				err = fmt.Errorf("%w: publisher %d: %w", errPublisherCut, p, err)
			}
			return sent, expected, maxLag, err
		}
		sent++
		expected += members[c.room]
	}
	return sent, expected, maxLag, nil
}

// drain waits until every expected delivery arrived or the time is up.
func drain(clients []*loadClient, expected uint64, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		var got uint64
		for _, c := range clients {
			got += c.got.Load()
		}
		if got >= expected {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// summarize merges the clients' counts of the step.
func summarize(res *Result, clients []*loadClient, start time.Time) {
	var h histogram
	var last int64
	for _, c := range clients {
		c.mu.Lock()
		res.Delivered += c.got.Load()
		res.Duplicates += c.dups
		if c.err != nil {
			res.ClientErrors++
		}
		h.merge(&c.hist)
		last = max(last, c.lastRecv)
		c.mu.Unlock()
	}
	if res.Expected > res.Delivered {
		res.Lost = res.Expected - res.Delivered
	}
	if res.Expected > 0 {
		res.LossPct = 100 * float64(res.Lost) / float64(res.Expected)
	}
	res.P50Ms, res.P90Ms, res.P99Ms, res.MaxMs = ms(h.quantile(.5)), ms(h.quantile(.9)), ms(h.quantile(.99)), ms(h.max)
	if last > 0 {
		res.DeliveriesPerS = float64(res.Delivered) / time.Unix(0, last).Sub(start).Seconds()
	}
	if res.Delivered > 0 {
		res.ServerUsPerDeliv = res.ServerCPUS * 1e6 / float64(res.Delivered)
	}
}

// runIdle opens Clients connections, holds them, and measures the server's
// memory per connection.
func runIdle(ctx context.Context, cfg Config) (*Result, error) {
	res := &Result{Name: cfg.Name, Mode: cfg.Mode, Clients: cfg.Clients}
	before, err := procRSS(cfg.PID)
	if err != nil {
		return nil, fmt.Errorf("idle mode needs the server's pid: %w", err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	clients, connect, err := connectAll(ctx, runCtx, cfg) // readers answer pings, as a live browser would
	defer closeAll(clients)
	if err != nil {
		return nil, err
	}
	res.ConnectS = connect.Seconds()
	hold := cfg.Hold
	if hold <= 0 {
		hold = 3 * time.Second
	}
	time.Sleep(hold)
	held, err := procRSS(cfg.PID)
	if err != nil {
		return nil, err
	}
	res.ServerRSSBefore, res.ServerRSSHeld = before, held
	res.ServerPeakRSS = held
	res.ServerRSSPerConn = (held - before) / int64(cfg.Clients)
	if cfg.Reconnect && cfg.Mode != modeGorilla && !cfg.Control {
		back, err := reconnectAll(ctx, runCtx, cfg, clients)
		if err != nil {
			return nil, err
		}
		res.ReconnectS = back.Seconds()
	}
	return res, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// String is the short human summary of a result.
func (r *Result) String() string {
	var b strings.Builder
	if r.Mode == modeIdle {
		fmt.Fprintf(&b, "%s [%s]: %d idle connections in %.1fs; server RSS %.1f MiB -> %.1f MiB = %.1f KB per connection",
			r.Name, r.Server, r.Clients, r.ConnectS, mib(r.ServerRSSBefore), mib(r.ServerRSSHeld), float64(r.ServerRSSPerConn)/1000)
		if r.ReconnectS > 0 {
			fmt.Fprintf(&b, "; all back as returning users in %.1fs", r.ReconnectS)
		}
		return b.String()
	}
	server := r.Mode
	if r.Server != "" {
		server = r.Server
	}
	fmt.Fprintf(&b, "%s [%s]: %d clients, %d rooms, %d publishers, %.0f msg/s × %.0fs, %d B\n",
		r.Name, server, r.Clients, r.Rooms, r.Publishers, r.Rate, r.DurationS, r.Size)
	fmt.Fprintf(&b, "  connect %.1fs; sent %d (schedule lag max %.1f ms); deliveries %d of %d (lost %d = %.3f%%, dup %d)\n",
		r.ConnectS, r.Sent, r.SendLagMs, r.Delivered, r.Expected, r.Lost, r.LossPct, r.Duplicates)
	fmt.Fprintf(&b, "  latency p50 %.2f ms, p90 %.2f, p99 %.2f, max %.2f; %.0f deliveries/s\n",
		r.P50Ms, r.P90Ms, r.P99Ms, r.MaxMs, r.DeliveriesPerS)
	fmt.Fprintf(&b, "  server CPU %.2fs (%.2f µs/delivery), peak RSS %.1f MiB; tool CPU %.2fs",
		r.ServerCPUS, r.ServerUsPerDeliv, mib(r.ServerPeakRSS), r.ToolCPUS)
	if r.PublisherCut != "" {
		fmt.Fprintf(&b, "\n  FAILED: %s", r.PublisherCut)
	}
	return b.String()
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }

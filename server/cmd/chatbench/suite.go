package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"
)

// suiteOptions configure the standard suite.
type suiteOptions struct {
	Server   string // the chat binary
	Gorilla  string // the control binary, or ""
	Markdown string // file whose benchmark section is rewritten, or ""
	Quick    bool   // a short version, to check the tool
	Only     string // run only scenarios whose name contains this
	// ServerFlags are added to the chat server's command line.
	ServerFlags []string
	// Runs is how many times each scenario runs, the chat and the control
	// in turn (interleaved), each time on fresh servers.
	Runs int
	// ServerCPUs, when not empty, is the CPU list (taskset's form, such as
	// "0") every server is started on; the tool runs on the others (pin.go).
	ServerCPUs string
}

// scenario is one entry of the standard suite.
type scenario struct {
	name       string
	what       string // what it shows, for the report
	clients    int
	rooms      int
	publishers int
	rates      []float64
	duration   time.Duration
	idle       bool
	sweep      bool // find the highest rate with loss < 0.1% and p99 < 250 ms
	control    bool // also run it against the control server
}

func standardScenarios(quick bool) []scenario {
	sweep := []float64{200, 400, 600, 700, 800, 900, 1000, 1100, 1200, 1400, 1600, 1800, 2000, 2400, 2800, 3200}
	list := []scenario{
		{name: "light", what: "100 clients, one room, 10 publishers, 10 msg/s", clients: 100, rooms: 1, publishers: 10, rates: []float64{10}, duration: 20 * time.Second, control: true},
		{name: "100k-deliveries", what: "1000 clients, one room, 10 publishers, 100 msg/s = 100k deliveries/s", clients: 1000, rooms: 1, publishers: 10, rates: []float64{100}, duration: 10 * time.Second, control: true},
		{name: "sustained-one-room", what: "1000 clients, one room, 10 publishers: highest rate with <0.1% loss and p99 < 250 ms", clients: 1000, rooms: 1, publishers: 10, rates: sweep, duration: 5 * time.Second, sweep: true, control: true},
		{name: "10-rooms", what: "10 rooms × 100 clients, a publisher per room", clients: 1000, rooms: 10, publishers: 10, rates: sweep, duration: 5 * time.Second, sweep: true},
		{name: "1000-rooms", what: "1000 rooms × 10 clients, a publisher per room", clients: 10000, rooms: 1000, publishers: 1000, rates: []float64{1000, 2000, 4000, 6000, 8000, 10000, 12000}, duration: 5 * time.Second, sweep: true},
		{name: "cost-10", what: "CPU per delivery, one room of 10, 10k deliveries/s", clients: 10, rooms: 1, publishers: 10, rates: []float64{1000}, duration: 10 * time.Second},
		{name: "cost-100", what: "CPU per delivery, one room of 100, 100k deliveries/s", clients: 100, rooms: 1, publishers: 10, rates: []float64{1000}, duration: 10 * time.Second},
		{name: "cost-1000", what: "CPU per delivery, one room of 1000, 100k deliveries/s", clients: 1000, rooms: 1, publishers: 10, rates: []float64{100}, duration: 10 * time.Second},
		{name: "cost-10000", what: "CPU per delivery, one room of 10000, 100k deliveries/s", clients: 10000, rooms: 1, publishers: 10, rates: []float64{10}, duration: 10 * time.Second},
		{name: "rooms-10", what: "CPU per delivery, 10 rooms × 10, 20k deliveries/s", clients: 100, rooms: 10, publishers: 10, rates: []float64{2000}, duration: 10 * time.Second},
		{name: "rooms-100", what: "CPU per delivery, 100 rooms × 10, 20k deliveries/s", clients: 1000, rooms: 100, publishers: 100, rates: []float64{2000}, duration: 10 * time.Second},
		{name: "rooms-1000", what: "CPU per delivery, 1000 rooms × 10, 20k deliveries/s", clients: 10000, rooms: 1000, publishers: 1000, rates: []float64{2000}, duration: 10 * time.Second},
		{name: "idle-10000", what: "server RSS per idle connection, 10,000 connections", clients: 10000, idle: true, control: true},
	}
	if !quick {
		return list
	}
	for i := range list {
		s := &list[i]
		s.clients = max(s.clients/10, 10)
		s.rooms = min(s.rooms, s.clients)
		s.publishers = min(s.publishers, s.clients)
		s.duration = 2 * time.Second
		if len(s.rates) > 3 {
			s.rates = s.rates[:3]
		}
	}
	return list
}

// runSuite runs the standard scenarios, each on a freshly started server,
// and writes the results as JSON lines, summaries and a markdown table.
func runSuite(ctx context.Context, o suiteOptions, stdout, stderr io.Writer) error {
	var rows []suiteRow
	for _, sc := range standardScenarios(o.Quick) {
		if !selected(sc.name, o.Only) {
			continue
		}
		row := suiteRow{sc: sc}
		for range max(o.Runs, 1) {
			chat, err := runScenario(ctx, sc, modeChat, o, stdout, stderr)
			if err != nil {
				return fmt.Errorf("%s: %w", sc.name, err)
			}
			row.chat = append(row.chat, chat)
			if sc.control && o.Gorilla != "" {
				control, err := runScenario(ctx, sc, modeGorilla, o, stdout, stderr)
				if err != nil {
					return fmt.Errorf("%s (control): %w", sc.name, err)
				}
				row.control = append(row.control, control)
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
		rows = append(rows, row)
	}
	if o.Markdown != "" {
		return writeMarkdown(o.Markdown, rows, o)
	}
	return nil
}

// suiteRow holds a scenario's results on our server and on the control,
// one list of steps per run.
type suiteRow struct {
	sc            scenario
	chat, control [][]*Result
}

func runScenario(ctx context.Context, sc scenario, mode string, o suiteOptions, stdout, stderr io.Writer) ([]*Result, error) {
	bin, flags := o.Server, o.ServerFlags
	if mode == modeGorilla {
		bin, flags = o.Gorilla, nil
	}
	srv, err := startServer(ctx, mode, bin, flags, o.ServerCPUs)
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	cfg := Config{
		Name: sc.name, URL: srv.url, Mode: mode, Clients: sc.clients, Rooms: max(sc.rooms, 1),
		Publishers: max(sc.publishers, 1), Rates: sc.rates, Duration: sc.duration, Drain: 5 * time.Second,
		Size: 100, PID: srv.pid, Parallel: 64, Hold: 5 * time.Second,
	}
	if sc.idle {
		cfg.Mode, cfg.Rates, cfg.Control = modeIdle, []float64{1}, mode == modeGorilla
	}
	if sc.sweep {
		cfg.StopLossPct, cfg.StopP99Ms = 0.1, 250
	}
	results, err := Run(ctx, cfg)
	for _, r := range results {
		r.Server = mode
		report(stdout, stderr, r)
	}
	return results, err
}

// serverProc is a server the suite started.
type serverProc struct {
	cmd    *exec.Cmd
	url    string
	pid    int
	dir    string
	stderr *bytes.Buffer
}

// startServer starts bin on a free loopback port: the chat with every
// limit raised above the scenario (and reported), or the control.
func startServer(ctx context.Context, mode, bin string, flags []string, cpus string) (*serverProc, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + port
	p := &serverProc{url: "http://" + addr, stderr: new(bytes.Buffer)}
	var args []string
	if mode == modeGorilla {
		args = []string{"-addr", addr}
	} else {
		if p.dir, err = os.MkdirTemp("", "chatbench-data-"); err != nil {
			return nil, err
		}
		args = append([]string{"-addr", addr, "-data", p.dir, "-log-level", "warn"}, raisedLimits...)
		args = append(args, flags...)
	}
	if cpus != "" {
		args, bin = append([]string{"-c", cpus, bin}, args...), "taskset"
	}
	p.cmd = exec.CommandContext(ctx, bin, args...)
	p.cmd.Stderr = p.stderr
	p.cmd.Stdout = io.Discard
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	p.pid = p.cmd.Process.Pid
	deadline := time.Now().Add(60 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			conn.Close()
			if mode == modeGorilla || ready(p.url) {
				return p, nil
			}
		}
		if time.Now().After(deadline) {
			p.stop()
			return nil, fmt.Errorf("%s did not start: %s", bin, p.stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// raisedLimits are the chat server flags the suite uses: its per-user and
// per-address limits sit above what a load of thousands of users from one
// address needs. Everything else is the default, durable log included.
var raisedLimits = []string{
	"-max-conns-per-addr", "60000",
	"-message-rate", "1000000", "-message-burst", "1000000",
	"-frame-rate", "1000000", "-frame-burst", "1000000",
	"-claims-per-hour", "1000000", "-claim-burst", "1000000",
}

func ready(url string) bool {
	resp, err := http.Get(url + "/manifest.webmanifest")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func (p *serverProc) stop() {
	if p.cmd.Process != nil {
		p.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { p.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			p.cmd.Process.Kill()
			<-done
		}
	}
	if p.dir != "" {
		os.RemoveAll(p.dir)
	}
}

func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	_, port, err := net.SplitHostPort(ln.Addr().String())
	return port, err
}

// best returns the step with the most deliveries per second that met the
// sweep's bar (Result.failed).
func best(results []*Result) *Result {
	var b *Result
	for _, r := range results {
		if !r.failed() && (b == nil || r.DeliveriesPerS > b.DeliveriesPerS) {
			b = r
		}
	}
	return b
}

// machine describes where the suite ran.
func machine() string {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "model name"); ok {
				cpu = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	return fmt.Sprintf("%d cores (%s), %s/%s, %s; load tool on the same machine", machineCPUs(), cpu, runtime.GOOS, runtime.GOARCH, runtime.Version())
}

// placement says where the servers and the tool ran.
func placement(o suiteOptions) string {
	if o.ServerCPUs == "" {
		return "servers and tool shared every CPU"
	}
	return fmt.Sprintf("servers pinned to CPU %s, the tool to the others (taskset)", o.ServerCPUs)
}

// Markers of the section writeMarkdown rewrites.
const (
	beginMark = "<!-- chatbench:begin -->"
	endMark   = "<!-- chatbench:end -->"
)

// writeMarkdown replaces the section between the markers in path (appending
// one if there is none) with the suite's tables.
func writeMarkdown(path string, rows []suiteRow, o suiteOptions) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n_Written by `make bench` on %s._\n\n", beginMark, time.Now().UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, "Machine: %s; %s.\n\n", machine(), placement(o))
	cmd := "go run ./server/cmd/chatbench -standard -server " + o.Server
	if o.Gorilla != "" {
		cmd += " -gorilla <gorilla chat example>"
	}
	if o.Runs > 1 {
		cmd += fmt.Sprintf(" -runs %d", o.Runs)
	}
	if o.ServerCPUs != "" {
		cmd += " -server-cpus " + o.ServerCPUs
	}
	fmt.Fprintf(&b, "Command: `%s` (each scenario on a freshly started server, default durable storage, 100-byte payloads; chat limits raised with `%s`).\n\n",
		cmd, strings.Join(raisedLimits, " "))
	writeSummary(&b, rows)
	b.WriteString("Every run:\n\n")
	b.WriteString("| scenario | server | deliveries/s | loss | dup | p50 ms | p90 ms | p99 ms | max ms | server CPU µs/delivery | server peak RSS | tool CPU s |\n")
	b.WriteString("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, row := range rows {
		for i := range row.chat {
			writeRows(&b, row.sc, runLabel("chat", i, len(row.chat)), row.chat[i])
			if i < len(row.control) {
				writeRows(&b, row.sc, runLabel("gorilla", i, len(row.control)), row.control[i])
			}
		}
	}
	b.WriteString("\nScenarios:\n\n")
	for _, row := range rows {
		fmt.Fprintf(&b, "- **%s**: %s.\n", row.sc.name, row.sc.what)
	}
	b.WriteString(endMark + "\n")

	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	text := string(old)
	i, j := strings.Index(text, beginMark), strings.Index(text, endMark)
	if i >= 0 && j > i {
		text = text[:i] + b.String() + strings.TrimPrefix(text[j+len(endMark):], "\n")
	} else {
		text = strings.TrimRight(text, "\n") + "\n\n" + b.String()
	}
	return os.WriteFile(path, []byte(text), 0o644)
}

func writeRows(b *strings.Builder, sc scenario, server string, results []*Result) {
	if len(results) == 0 {
		return
	}
	if sc.idle {
		r := results[0]
		fmt.Fprintf(b, "| %s | %s | RSS per idle connection: **%.1f KB** (%d connections, %.0f → %.0f MiB) | | | | | | | | | |\n",
			sc.name, server, float64(r.ServerRSSPerConn)/1000, r.Clients, mib(r.ServerRSSBefore), mib(r.ServerRSSHeld))
		return
	}
	show := results
	if sc.sweep {
		show = nil
		if r := best(results); r != nil {
			show = []*Result{r}
		}
		last := results[len(results)-1]
		if len(show) == 0 || show[0] != last {
			show = append(show, last) // the step that failed the bar, for context
		}
	}
	for _, r := range show {
		label := fmt.Sprintf("%s (%.0f msg/s)", sc.name, r.Rate)
		if sc.sweep && r == best(results) {
			label = fmt.Sprintf("**%s: best** (%.0f msg/s)", sc.name, r.Rate)
		}
		fmt.Fprintf(b, "| %s | %s | %.0f | %.3f%% | %d | %.2f | %.2f | %.2f | %.1f | %.2f | %.0f MiB | %.1f |\n",
			label, server, r.DeliveriesPerS, r.LossPct, r.Duplicates, r.P50Ms, r.P90Ms, r.P99Ms, r.MaxMs, r.ServerUsPerDeliv, mib(r.ServerPeakRSS), r.ToolCPUS)
	}
}

func runLabel(server string, i, runs int) string {
	if runs == 1 {
		return server
	}
	return fmt.Sprintf("%s #%d", server, i+1)
}

// headline is the step of a run that stands for it: the best step of a
// sweep (nil if none met the bar), else the first.
func headline(sc scenario, results []*Result) *Result {
	switch {
	case len(results) == 0:
		return nil
	case sc.sweep:
		return best(results)
	default:
		return results[0]
	}
}

// writeSummary writes, per scenario and server, the median over the runs
// of each figure with its range.
func writeSummary(b *strings.Builder, rows []suiteRow) {
	b.WriteString("Medians over the runs, [lowest-highest] (a sweep counts its best step; a run none of whose steps met the bar counts as 0):\n\n")
	b.WriteString("| scenario | server | runs | deliveries/s | p50 ms | p99 ms | server CPU µs/delivery | RSS per idle connection |\n")
	b.WriteString("|---|---|--:|--:|--:|--:|--:|--:|\n")
	for _, row := range rows {
		for _, side := range []struct {
			name string
			runs [][]*Result
		}{{"chat", row.chat}, {"gorilla", row.control}} {
			if len(side.runs) == 0 {
				continue
			}
			var rate, p50, p99, us, kb []float64
			for _, results := range side.runs {
				r := headline(row.sc, results)
				if r == nil {
					rate = append(rate, 0)
					continue
				}
				if row.sc.idle {
					kb = append(kb, float64(r.ServerRSSPerConn)/1000)
					continue
				}
				rate, p50, p99, us = append(rate, r.DeliveriesPerS), append(p50, r.P50Ms), append(p99, r.P99Ms), append(us, r.ServerUsPerDeliv)
			}
			fmt.Fprintf(b, "| %s | %s | %d | %s | %s | %s | %s | %s |\n", row.sc.name, side.name, len(side.runs),
				spread(rate, "%.0f"), spread(p50, "%.2f"), spread(p99, "%.1f"), spread(us, "%.2f"), spread(kb, "%.1f KB"))
		}
	}
	b.WriteString("\n")
}

// spread writes the median of vs and their range, or nothing for none.
func spread(vs []float64, format string) string {
	if len(vs) == 0 {
		return ""
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	med := s[len(s)/2]
	if len(s)%2 == 0 {
		med = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	if len(s) == 1 {
		return fmt.Sprintf(format, med)
	}
	return fmt.Sprintf(format+" ["+format+"-"+format+"]", med, s[0], s[len(s)-1])
}

// selected reports whether scenario name is among only: names or parts of
// names, comma-separated; every scenario when only is empty.
func selected(name, only string) bool {
	if only == "" {
		return true
	}
	for _, part := range strings.Split(only, ",") {
		if part = strings.TrimSpace(part); part != "" && strings.Contains(name, part) {
			return true
		}
	}
	return false
}

// Command chatbench is the load tool behind the chat's performance claims.
// It speaks the chat's own protocol like real clients: N connections, each
// with its own identity, spread over K rooms, P of them publishing at a
// combined, evenly spaced rate R for a duration D, with payloads of S bytes
// that carry a unique id and their send time. It reports one JSON line and a
// short summary: connect time, messages sent, expected and actual
// deliveries, loss, duplicates, latency percentiles, deliveries per second,
// and, given the server's PID, its CPU seconds and peak RSS, plus its own CPU.
//
// It can also drive the gorilla/websocket chat example (plain text on /ws)
// as a control, and hold idle connections to measure memory per connection.
// Every loop is bounded in count and time, and it refuses a server that is
// not on loopback unless told -allow-remote.
//
// One run:
//
//	chatbench -url http://127.0.0.1:8080 -pid $(pidof chat) -clients 1000 -rooms 1 -publishers 10 -rate 1000 -duration 10s
//
// The standard suite (make bench), which starts the servers itself:
//
//	chatbench -standard -server bin/chat [-gorilla /path/to/gorilla-chat] -markdown docs/BENCHMARKS.md
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "chatbench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	var rates, markdown, server, gorilla, only, serverFlags, otherPIDs string
	var standard, quick bool
	var runs int
	var cpuProfile, serverCPUs string
	fs := flag.NewFlagSet("chatbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.URL, "url", "http://127.0.0.1:8080", "the server to load; several nodes of one chat comma-separated, the clients spread over them")
	fs.StringVar(&cfg.Mode, "mode", modeChat, "chat (our server), gorilla (the control) or idle (memory per connection)")
	fs.StringVar(&cfg.Name, "name", "run", "a label for the report")
	fs.IntVar(&cfg.Clients, "clients", 100, "connections, each its own user")
	fs.IntVar(&cfg.Rooms, "rooms", 1, "rooms the clients are spread over")
	fs.IntVar(&cfg.Publishers, "publishers", 10, "clients that send")
	fs.Float64Var(&cfg.Rate, "rate", 10, "messages per second, all publishers together")
	fs.StringVar(&rates, "rates", "", "several rates, comma-separated, one step each on the same connections")
	fs.Float64Var(&cfg.StopLossPct, "stop-loss", 0, "stop stepping through -rates once a step loses more than this percentage")
	fs.DurationVar(&cfg.Duration, "duration", 10*time.Second, "how long to send")
	fs.DurationVar(&cfg.Drain, "drain", 5*time.Second, "how long to wait for the last deliveries")
	fs.IntVar(&cfg.Size, "size", 100, "payload bytes")
	fs.IntVar(&cfg.PID, "pid", 0, "the server's process id, for its CPU and memory")
	fs.StringVar(&otherPIDs, "pids", "", "the other nodes' process ids, comma-separated: their CPU counts as the server's")
	fs.IntVar(&cfg.Parallel, "parallel", 64, "connections opened at once")
	fs.DurationVar(&cfg.Hold, "hold", 3*time.Second, "idle mode: how long to hold the connections before measuring")
	fs.BoolVar(&cfg.Reconnect, "reconnect", false, "idle mode: then close every connection and time every user coming back with its session")
	fs.BoolVar(&cfg.AllowRemote, "allow-remote", false, "allow loading a server that is not on loopback")
	fs.BoolVar(&standard, "standard", false, "run the standard suite, starting the servers itself")
	fs.BoolVar(&quick, "quick", false, "with -standard: a short suite (smaller, shorter steps) to check the tool")
	fs.StringVar(&only, "only", "", "with -standard: run only the scenarios whose name contains this (several comma-separated)")
	fs.StringVar(&server, "server", "bin/chat", "with -standard: the chat binary to start")
	fs.StringVar(&gorilla, "gorilla", "", "with -standard: the gorilla chat example binary to start as the control")
	fs.StringVar(&serverFlags, "server-flags", "", "with -standard: more flags for the chat server, space-separated (e.g. -memory)")
	fs.StringVar(&markdown, "markdown", "", "with -standard: the markdown file whose benchmark section is rewritten")
	fs.IntVar(&runs, "runs", 1, "with -standard: run each scenario this many times, the chat and the control in turn")
	fs.StringVar(&serverCPUs, "server-cpus", "", "with -standard: run the servers on these CPUs (taskset's list, e.g. 0) and the tool on the others")
	fs.StringVar(&cpuProfile, "cpuprofile", "", "write the load tool's own CPU profile to this file")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if standard && serverCPUs != "" {
		if err := pinTool(serverCPUs); err != nil {
			return err
		}
	}
	if cpuProfile != "" {
		stop, err := profileCPU(cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	for _, f := range strings.FieldsFunc(otherPIDs, func(r rune) bool { return r == ',' }) {
		pid, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return fmt.Errorf("-pids: %w", err)
		}
		cfg.OtherPIDs = append(cfg.OtherPIDs, pid)
	}
	if rates != "" {
		for _, f := range strings.Split(rates, ",") {
			r, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
			if err != nil {
				return fmt.Errorf("-rates: %w", err)
			}
			cfg.Rates = append(cfg.Rates, r)
		}
	}
	if standard {
		return runSuite(ctx, suiteOptions{Server: server, Gorilla: gorilla, Markdown: markdown, Quick: quick, Only: only, ServerFlags: strings.Fields(serverFlags), ServerCPUs: serverCPUs, Runs: runs}, stdout, stderr)
	}
	results, err := Run(ctx, cfg)
	for _, r := range results {
		report(stdout, stderr, r)
	}
	return err
}

// report writes a result as one JSON line on out and a summary on human.
func report(out, human io.Writer, r *Result) {
	b, _ := json.Marshal(r)
	fmt.Fprintln(out, string(b))
	fmt.Fprintln(human, r.String())
}

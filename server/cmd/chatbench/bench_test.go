package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/founding/chat/server"
	"github.com/founding/chat/server/chattest"
	"github.com/founding/chat/server/wsconn"
)

func TestHistogramQuantiles(t *testing.T) {
	var h histogram
	for i := 1; i <= 1000; i++ {
		h.record(time.Duration(i) * time.Millisecond)
	}
	for _, tt := range []struct {
		name string
		q    float64
		want time.Duration
	}{
		{"p50", 0.5, 500 * time.Millisecond},
		{"p90", 0.9, 900 * time.Millisecond},
		{"p99", 0.99, 990 * time.Millisecond},
	} {
		got := h.quantile(tt.q)
		if diff := got - tt.want; diff > tt.want/30 || diff < -tt.want/30 {
			t.Errorf("%s = %v, want %v within 3%%", tt.name, got, tt.want)
		}
	}
	if h.max != time.Second || h.n != 1000 {
		t.Errorf("max %v n %d", h.max, h.n)
	}
	var m histogram
	m.merge(&h)
	m.merge(&h)
	if m.n != 2000 || m.quantile(0.5) != h.quantile(0.5) {
		t.Errorf("merge: n %d, p50 %v vs %v", m.n, m.quantile(0.5), h.quantile(0.5))
	}
}

func TestBucketsAreMonotonic(t *testing.T) {
	prev := -1
	for us := uint64(0); us < 1<<24; us = us*9/8 + 1 {
		b := bucketOf(us)
		if b < prev {
			t.Fatalf("bucket of %d µs is %d, below %d", us, b, prev)
		}
		if lb := lowerBound(b); lb > us || (us > 64 && float64(us-lb) > 0.04*float64(us)) {
			t.Fatalf("bucket %d of %d µs starts at %d", b, us, lb)
		}
		prev = b
	}
}

func TestPayloadsAreFoundInAnyFrame(t *testing.T) {
	a, b := makePayload(7, 1234567890123456789, 100), makePayload(4242, 42, 40)
	if len(a) != 100 || len(b) != minPayload+1 && len(b) != 40 {
		t.Fatalf("sizes %d %d", len(a), len(b))
	}
	frame := []byte(`{"type":"batch","frames":[{"type":"entry","html":"<div class=\"body\">` + string(a) + `</div>"},{"type":"ack"},` +
		`{"type":"entry","html":"<div>` + string(b) + `</div>"}]}` + "\n" + "BNCH12:3 broken")
	var got [][2]int64
	scanPayloads(frame, func(id uint64, ns int64) { got = append(got, [2]int64{int64(id), ns}) })
	if len(got) != 2 || got[0] != [2]int64{7, 1234567890123456789} || got[1] != [2]int64{4242, 42} {
		t.Fatalf("found %v", got)
	}
	// Random garbage never panics.
	for i := 0; i < 1000; i++ {
		junk := make([]byte, rand.IntN(80))
		for j := range junk {
			junk[j] = "BNCH0123456789:x"[rand.IntN(16)]
		}
		scanPayloads(junk, func(uint64, int64) {})
	}
}

func TestSendFrameIsValidJSON(t *testing.T) {
	b := sendFrame(nil, "bench-dev", 3, "r:bench\"x", makePayload(1, 2, 50))
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil || v["type"] != "send" || v["conv"] != "r:bench\"x" {
		t.Fatalf("%s: %v %v", b, v, err)
	}
}

func TestConfigRefusesRemoteServersAndBadValues(t *testing.T) {
	base := Config{URL: "http://127.0.0.1:1", Mode: modeChat, Clients: 10, Rooms: 1, Publishers: 1, Rate: 1, Duration: time.Second, Size: 100}
	if err := base.check(); err != nil {
		t.Fatalf("a good config: %v", err)
	}
	for _, tt := range []struct {
		name string
		edit func(*Config)
	}{
		{"remote host", func(c *Config) { c.URL = "http://192.0.2.1:8080" }},
		{"no host", func(c *Config) { c.URL = "nonsense" }},
		{"zero clients", func(c *Config) { c.Clients = 0 }},
		{"more publishers than clients", func(c *Config) { c.Publishers = 11 }},
		{"no rate", func(c *Config) { c.Rate = 0 }},
		{"endless", func(c *Config) { c.Duration = 2 * time.Hour }},
		{"tiny payload", func(c *Config) { c.Size = 5 }},
		{"unknown mode", func(c *Config) { c.Mode = "flood" }},
	} {
		c := base
		tt.edit(&c)
		if err := c.check(); err == nil {
			t.Errorf("%s: accepted", tt.name)
		}
	}
	remote := base
	remote.URL, remote.AllowRemote = "http://192.0.2.1:8080", true
	if err := remote.check(); err != nil {
		t.Errorf("a remote server with -allow-remote: %v", err)
	}
}

// TestRunAgainstARealServer drives a small load through the real server: every
// message reaches every member of its room once, and the report says so.
func TestRunAgainstARealServer(t *testing.T) {
	s := chattest.New(t, server.Options{
		Transport:   wsconn.Transport{MaxConnsPerAddr: 1000, FrameRate: 1e6, FrameBurst: 1e6},
		MessageRate: 1e6, MessageBurst: 1e6, ClaimsPerHour: 1e6, ClaimBurst: 1e6,
	})
	results, err := Run(context.Background(), Config{
		Name: "small", URL: s.URL, Mode: modeChat, Clients: 30, Rooms: 3, Publishers: 3,
		Rates: []float64{50, 100}, Duration: time.Second, Drain: 10 * time.Second, Size: 80, PID: os.Getpid(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 2 {
		t.Fatalf("%d results, want one per rate", len(results))
	}
	for _, r := range results {
		if r.Sent != uint64(r.Rate) || r.Expected != r.Sent*10 || r.Delivered != r.Expected || r.Lost != 0 || r.Duplicates != 0 {
			t.Errorf("rate %.0f: sent %d expected %d delivered %d lost %d dup %d", r.Rate, r.Sent, r.Expected, r.Delivered, r.Lost, r.Duplicates)
		}
		if r.P50Ms <= 0 || r.P99Ms < r.P50Ms || r.MaxMs < r.P99Ms || r.ServerCPUS <= 0 || r.ServerPeakRSS <= 0 {
			t.Errorf("rate %.0f: implausible measures %+v", r.Rate, r)
		}
	}
	var out, human bytes.Buffer
	report(&out, &human, results[0])
	var back Result
	if err := json.Unmarshal(out.Bytes(), &back); err != nil || back.Delivered != results[0].Delivered {
		t.Errorf("JSON line %q: %v", out.String(), err)
	}
	if !strings.Contains(human.String(), "deliveries") {
		t.Errorf("summary %q", human.String())
	}
}

// TestIdleModeMeasuresMemoryPerConnection holds connections and reports the
// process's memory growth per connection.
func TestIdleModeMeasuresMemoryPerConnection(t *testing.T) {
	s := chattest.New(t, server.Options{Transport: wsconn.Transport{MaxConnsPerAddr: 1000}, ClaimsPerHour: 1e6, ClaimBurst: 1e6})
	results, err := Run(context.Background(), Config{URL: s.URL, Mode: modeIdle, Clients: 50, PID: os.Getpid(), Hold: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	r := results[0]
	if r.ServerRSSHeld <= 0 || r.ServerRSSBefore <= 0 || r.Clients != 50 {
		t.Fatalf("idle result %+v", r)
	}
	// Run closes its connections before it returns.
	chattest.Eventually(t, 10*time.Second, func() bool { return s.Stats().Sessions == 0 }, "connections left open")

	// A failed idle run is an error, not a result to report.
	results, err = Run(context.Background(), Config{URL: s.URL, Mode: modeIdle, Clients: 5, PID: 1 << 30})
	if err == nil || len(results) != 0 {
		t.Errorf("idle run without a server pid: %d results, error %v; want none and an error", len(results), err)
	}
}

// TestIdleModeTimesReturningUsers: with Reconnect every user comes back
// on a new connection as itself (its session names it: no name asked),
// and how long that took is reported.
func TestIdleModeTimesReturningUsers(t *testing.T) {
	s := chattest.New(t, server.Options{Transport: wsconn.Transport{MaxConnsPerAddr: 1000}, ClaimsPerHour: 1e6, ClaimBurst: 1e6})
	results, err := Run(context.Background(), Config{URL: s.URL, Mode: modeIdle, Clients: 20, PID: os.Getpid(), Hold: 10 * time.Millisecond, Reconnect: true})
	if err != nil {
		t.Fatal(err)
	}
	if r := results[0]; r.ReconnectS <= 0 || !strings.Contains(r.String(), "all back as returning users") {
		t.Fatalf("idle result with reconnect %+v: %s", r, r.String())
	}
}

func TestMarkdownSectionIsReplaced(t *testing.T) {
	path := t.TempDir() + "/BENCH.md"
	os.WriteFile(path, []byte("# Bench\n\nintro\n\n"+beginMark+"\nold\n"+endMark+"\n\nafter\n"), 0o644)
	rows := []suiteRow{{sc: scenario{name: "light", what: "a test"}, chat: [][]*Result{
		{{Name: "light", Rate: 10, DeliveriesPerS: 1000, P50Ms: 1, P99Ms: 3}},
		{{Name: "light", Rate: 10, DeliveriesPerS: 990, P50Ms: 2, P99Ms: 4}},
		{{Name: "light", Rate: 10, DeliveriesPerS: 1010, P50Ms: 1.5, P99Ms: 9}},
	}}}
	if err := writeMarkdown(path, rows, suiteOptions{Server: "bin/chat", Runs: 3}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	text := string(b)
	if strings.Contains(text, "\nold\n") || !strings.Contains(text, "intro") || !strings.Contains(text, "after") ||
		!strings.Contains(text, "| light (10 msg/s) | chat #2 | 990 |") || strings.Count(text, beginMark) != 1 ||
		!strings.Contains(text, "| light | chat | 3 | 1000 [990-1010] | 1.50 [1.00-2.00] | 4.0 [3.0-9.0] |") {
		t.Fatalf("markdown:\n%s", text)
	}
}

// TestClientsSpreadOverNodes: with several URLs, client i connects to the
// i-th (modulo), and each is checked.
func TestClientsSpreadOverNodes(t *testing.T) {
	c := Config{URL: "http://127.0.0.1:1,http://127.0.0.1:2,http://127.0.0.1:3", Mode: modeChat, Clients: 10, Rooms: 1, Publishers: 1, Rate: 1, Duration: time.Second, Size: 100}
	if err := c.check(); err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"ws://127.0.0.1:1/ws", "ws://127.0.0.1:2/ws", "ws://127.0.0.1:3/ws", "ws://127.0.0.1:1/ws"} {
		if got := c.wsURL(i); got != want {
			t.Errorf("client %d dials %s, want %s", i, got, want)
		}
	}
	c.URL = "http://127.0.0.1:1,http://192.0.2.1:8080"
	if err := c.check(); err == nil {
		t.Error("a remote node among loopback ones was accepted")
	}
}

// TestAPublisherCutFailsItsStepAndStopsTheSweep: a control server that
// closes a publisher's connection (as the gorilla example does to a client
// it finds slow) fails that step, ends the sweep there and is reported;
// the run itself returns no error, so a suite goes on to its next scenario.
func TestAPublisherCutFailsItsStepAndStopsTheSweep(t *testing.T) {
	var mu sync.Mutex
	var conns []*websocket.Conn
	heard := map[*websocket.Conn]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		mu.Lock()
		conns = append(conns, ws)
		mu.Unlock()
		for {
			_, msg, err := ws.Read(context.Background())
			if err != nil {
				return
			}
			mu.Lock()
			heard[ws]++
			cut := heard[ws] == 2 // then 18 more writes of that publisher meet a closed socket
			all := slices.Clone(conns)
			mu.Unlock()
			if cut {
				ws.Close(websocket.StatusPolicyViolation, "too slow")
				return
			}
			for _, c := range all {
				_ = c.Write(context.Background(), websocket.MessageText, msg)
			}
		}
	}))
	defer srv.Close()
	results, err := Run(context.Background(), Config{
		Name: "cut", URL: srv.URL, Mode: modeGorilla, Clients: 6, Rooms: 1, Publishers: 2,
		Rates: []float64{20, 40}, Duration: 2 * time.Second, Drain: 2 * time.Second, Size: 80, PID: os.Getpid(),
	})
	if err != nil {
		t.Fatalf("the run failed (%v); a cut publisher should fail only its step", err)
	}
	if len(results) != 1 {
		t.Fatalf("%d results, want the sweep stopped at the first step", len(results))
	}
	r := results[0]
	if r.PublisherCut == "" || !r.failed() || r.Sent >= 40 {
		t.Fatalf("step: cut %q, failed %v, sent %d of 40", r.PublisherCut, r.failed(), r.Sent)
	}
	if best(results) != nil {
		t.Error("a step with a publisher cut counted as the sweep's best")
	}
	if !strings.Contains(r.String(), "FAILED") {
		t.Errorf("summary does not say the step failed: %q", r.String())
	}
}

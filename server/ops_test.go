package server_test

// Operating a node: the metrics a scrape shows after traffic, the health
// and readiness probes (NATS gone, draining), and a drain that moves every
// client to another node with nothing lost or doubled.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
	"github.com/founding/chat/server"
	"github.com/founding/chat/server/bus"
	"github.com/founding/chat/server/chattest"
	"github.com/founding/chat/server/hub"
	"github.com/founding/chat/server/wsconn"
)

// scrape fetches base's /metrics and parses it with Prometheus's own text
// parser.
func scrape(t *testing.T, base string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: %s", resp.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	return families
}

// metricValue returns the value of the series of name whose labels
// include labels (name=value pairs): a counter's or gauge's value, a
// histogram's count. A series not there is 0.
func metricValue(t *testing.T, families map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	t.Helper()
	f := families[name]
	if f == nil {
		t.Errorf("no metric %s", name)
		return 0
	}
next:
	for _, m := range f.GetMetric() {
		for i := 0; i+1 < len(labels); i += 2 {
			found := false
			for _, l := range m.GetLabel() {
				if l.GetName() == labels[i] && l.GetValue() == labels[i+1] {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	return 0
}

func TestMetricsCountWhatHappened(t *testing.T) {
	s := chattest.New(t, fast())
	ann, bob := s.User(t, "ann"), s.User(t, "bob")
	const sent = 5
	for i := 1; i <= sent; i++ {
		ann.Send(&chat.Send{ID: msgID(uint64(i)), Conv: hub.LobbyID, Text: fmt.Sprintf("metered %d", i)})
	}
	chattest.Expect(ann, func(a *chat.Ack) bool { return a.ID == msgID(sent) })
	chattest.Expect(bob, entryWith(fmt.Sprintf("metered %d", sent)))
	ann.Send(&chat.Send{ID: msgID(sent + 1), Conv: "r:nowhere", Text: "lost"}) // not her room
	bad := chattest.Expect(ann, func(e *chat.Error) bool { return e.Ref == chat.TypeSend })

	m := scrape(t, s.URL)
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"chat_messages_received_total", nil, sent + 1},
		{"chat_connections_open", nil, 2},
		{"chat_users_online", nil, 2},
		{"chat_error_frames_total", []string{"code", string(bad.Code)}, 1},
		{"chat_slow_consumer_evictions_total", nil, 0},
	} {
		if got := metricValue(t, m, c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	// Each message went to both connections; the lobby's join entries
	// came before them.
	for _, c := range []struct {
		name  string
		least float64
	}{
		{"chat_messages_delivered_total", 2 * sent},
		{"chat_fanout_recipients", sent},
		{"chat_fanout_seconds", sent},
		{"chat_log_append_seconds", sent},
		{"chat_presence_events_total", 2},
	} {
		if got := metricValue(t, m, c.name); got < c.least {
			t.Errorf("%s = %v, want at least %v", c.name, got, c.least)
		}
	}

	bob.Conn.Close(websocket.StatusNormalClosure, "bye")
	chattest.Eventually(t, chattest.Wait, func() bool {
		return metricValue(t, scrape(t, s.URL), "chat_connections_open") == 1
	}, "chat_connections_open to follow bob's close")
}

// openBus starts an embedded NATS on a temporary directory; it closes when
// the test ends, if the test did not close it.
func openBus(t *testing.T) *bus.Bus {
	t.Helper()
	b, err := bus.Open(bus.Options{DataDir: t.TempDir(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

// storageOn opens a node's storage on b: nodes on one bus share the chat.
func storageOn(t *testing.T, b *bus.Bus) *server.Storage {
	t.Helper()
	st, err := server.OpenStorage(context.Background(), b, server.StorageOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// probe fetches path from base with a Host header of host ("" keeps the
// address's), and returns the status and the body.
func probe(t *testing.T, base, path, host string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(body))
}

func TestHealthAndReadiness(t *testing.T) {
	b := openBus(t)
	s := chattest.New(t, server.Options{Storage: storageOn(t, b)})
	for _, c := range []struct {
		path, host string
		status     int
		body       string
	}{
		{"/healthz", "", http.StatusOK, "ok"},
		{"/readyz", "", http.StatusOK, "ready"},
		// Probes answer whatever the Host; the chat and its metrics do not.
		{"/healthz", "lb.internal", http.StatusOK, "ok"},
		{"/readyz", "lb.internal", http.StatusOK, "ready"},
		{"/metrics", "lb.internal", http.StatusMisdirectedRequest, ""},
	} {
		status, body := probe(t, s.URL, c.path, c.host)
		if status != c.status || (c.body != "" && body != c.body) {
			t.Errorf("GET %s (Host %q) = %d %q, want %d %q", c.path, c.host, status, body, c.status, c.body)
		}
	}

	b.Close() // NATS is gone
	var body string
	chattest.Eventually(t, chattest.Wait, func() bool {
		var status int
		status, body = probe(t, s.URL, "/readyz", "")
		return status == http.StatusServiceUnavailable
	}, "/readyz to answer 503 once NATS is gone")
	if !strings.Contains(body, "NATS") {
		t.Errorf("/readyz without NATS says %q, want the reason", body)
	}
	if status, _ := probe(t, s.URL, "/healthz", ""); status != http.StatusOK {
		t.Errorf("/healthz without NATS = %d, want 200: the process is alive", status)
	}
}

// readyProxy is a load balancer in front of nodes: each request goes to
// the first node that is ready (Server.Ready, what /readyz answers).
func readyProxy(t *testing.T, nodes ...*chattest.Server) *httptest.Server {
	t.Helper()
	targets := make([]*url.URL, len(nodes))
	for i, n := range nodes {
		u, err := url.Parse(n.URL)
		if err != nil {
			t.Fatal(err)
		}
		targets[i] = u
	}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			target := targets[len(targets)-1]
			for i, n := range nodes {
				if n.Ready(r.In.Context()) == nil {
					target = targets[i]
					break
				}
			}
			r.SetURL(target)
			r.Out.Host = r.In.Host // the page's origin, as a browser sends it
		},
		ErrorLog: slog.NewLogLogger(slog.DiscardHandler, slog.LevelError),
	}
	ps := httptest.NewServer(proxy)
	t.Cleanup(ps.Close)
	return ps
}

// restarted reports whether one of mc's connections ended with 1012.
func restarted(mc *chattest.ModelClient) bool {
	for _, e := range mc.Ends {
		if e.Close.Code == chat.CloseRestart.Code {
			return true
		}
	}
	return false
}

// TestDrainMovesEveryClientToAnotherNode: two nodes share one NATS
// behind a proxy that sends each request to the first ready node. Five
// tabs on node A put messages in flight, and A is drained: it reports not
// ready and refuses new websockets, closes the tabs one after another with
// 1012 (one is closed while the others are still on A), and every tab
// reconnects through the proxy to node B and resumes. Every message is
// there once in every tab, and no tab saw an error frame.
func TestDrainMovesEveryClientToAnotherNode(t *testing.T) {
	const tabs, each = 5, 10
	b := openBus(t)
	nodeA := chattest.New(t, server.Options{Storage: storageOn(t, b)})
	nodeB := chattest.New(t, server.Options{Storage: storageOn(t, b)})
	lb := readyProxy(t, nodeA, nodeB)

	clients := make([]*chattest.ModelClient, tabs)
	for i := range clients {
		clients[i] = chattest.NewModelClient(t, lb.URL, chattest.ModelOptions{Name: fmt.Sprintf("tab%d", i)})
	}
	for _, mc := range clients {
		mc.Until("a ready lobby", func() bool { return mc.Ready(hub.LobbyID) })
	}
	if n := nodeA.Stats().Sessions; n != tabs {
		t.Fatalf("node A holds %d connections, want all %d", n, tabs)
	}

	var texts []string
	for i, mc := range clients {
		for j := range each {
			text := fmt.Sprintf("drain %d-%d", i, j)
			texts = append(texts, text)
			mc.Say(hub.LobbyID, "", text)
		}
	}
	// A minute's spread: one tab closes at once, the next 12 s later, so
	// the test sees one gone while the others stay; then it hurries the
	// drain along by ending its context.
	inFlight := 0
	for _, mc := range clients {
		inFlight += len(mc.Model.Outbox)
	}
	t.Logf("messages in flight as the drain begins: %d of %d", inFlight, len(texts))
	ctx, hurry := context.WithCancel(context.Background())
	defer hurry()
	drained := make(chan error, 1)
	go func() { drained <- nodeA.Drain(ctx, time.Minute) }()

	chattest.Eventually(t, chattest.Wait, func() bool {
		status, body := probe(t, nodeA.URL, "/readyz", "")
		return status == http.StatusServiceUnavailable && body == "draining"
	}, "/readyz to answer 503 \"draining\"")
	_, resp, err := websocket.Dial(context.Background(), nodeA.WS, &websocket.DialOptions{
		Subprotocols: []string{chat.Subprotocol}, HTTPHeader: http.Header{"Origin": {nodeA.URL}},
	})
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("a websocket to node A while it drains: %v, want 503", err)
	}

	first := -1
	chattest.Eventually(t, time.Minute, func() bool {
		for i, mc := range clients {
			mc.Poll()
			if restarted(mc) {
				first = i
			}
		}
		return first >= 0
	}, "a tab closed with 1012")
	for i, mc := range clients {
		mc.Poll()
		if i != first && (restarted(mc) || mc.State != client.Online) {
			t.Errorf("tab%d is closed too, with tab%d: the drain closed them at once", i, first)
		}
	}
	hurry()
	for i, mc := range clients {
		mc.Until(fmt.Sprintf("tab%d moved and settled", i), func() bool {
			return restarted(mc) && mc.Settled() && mc.Ready(hub.LobbyID)
		})
	}
	if err := <-drained; err != nil && !errors.Is(err, context.Canceled) {
		t.Errorf("Drain: %v", err)
	}
	chattest.Eventually(t, chattest.Wait, func() bool { return nodeA.Stats().Sessions == 0 }, "node A to hold no connection")
	if n := nodeB.Stats().Sessions; n != tabs {
		t.Errorf("node B holds %d connections, want all %d", n, tabs)
	}
	if n := metricValue(t, scrape(t, nodeA.URL), "chat_connections_closed_total", "code", "1012"); n != tabs {
		t.Errorf("node A counts %v closes with 1012, want %d", n, tabs)
	}
	if n := metricValue(t, scrape(t, nodeB.URL), "chat_resumes_total"); n < tabs {
		t.Errorf("node B served %v resumes, want one per tab at least (%d)", n, tabs)
	}

	for i, mc := range clients {
		mc.Until(fmt.Sprintf("every message in tab%d", i), func() bool {
			for _, text := range texts {
				if mc.Count(hub.LobbyID, text) == 0 {
					return false
				}
			}
			return true
		})
	}
	for i, mc := range clients {
		mc.Drain(300 * time.Millisecond) // a duplicate would show up by now
		for _, text := range texts {
			if n := mc.Count(hub.LobbyID, text); n != 1 {
				t.Errorf("tab%d holds %q %d times, want once", i, text, n)
			}
		}
		if err := mc.CheckWindow(hub.LobbyID); err != nil {
			t.Errorf("tab%d: %v", i, err)
		}
		if len(mc.Errors) > 0 {
			t.Errorf("tab%d got error frames: %v", i, mc.Errors)
		}
	}
}

// TestMetricsCountRefusals: frames over a connection's rate, a handshake
// without the subprotocol, and a slow consumer each show in their metric.
func TestMetricsCountRefusals(t *testing.T) {
	opts := fast()
	opts.FrameRate, opts.FrameBurst = 0.001, 3
	s := chattest.New(t, opts)
	ann := s.User(t, "ann") // the nick is one frame of the burst
	for i := range 5 {
		ann.Send(&chat.Ping{N: uint64(i)})
	}
	chattest.Eventually(t, chattest.Wait, func() bool {
		n := 0
		for _, f := range ann.Frames() {
			if e, ok := f.(*chat.Error); ok && e.Code == chat.CodeRateLimited {
				n++
			}
		}
		return n == 3
	}, "3 pings refused")
	if _, resp, err := websocket.Dial(context.Background(), s.WS, nil); err == nil || resp == nil || resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("a handshake without the subprotocol: %v, want 400", err)
	}

	slow := chattest.New(t, server.Options{Transport: wsconn.Transport{QueueBytes: 1}})
	slow.DialSilent(t, nil) // its Welcome alone overflows the queue
	chattest.Eventually(t, chattest.Wait, func() bool { return slow.Stats().SlowConsumers == 1 }, "the slow consumer evicted")

	m := scrape(t, s.URL)
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"chat_rate_limited_frames_total", []string{"limit", "frames"}, 3},
		{"chat_error_frames_total", []string{"code", string(chat.CodeRateLimited)}, 3},
		{"chat_upgrades_refused_total", []string{"reason", "subprotocol"}, 1},
	} {
		if got := metricValue(t, m, c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	m = scrape(t, slow.URL)
	if got := metricValue(t, m, "chat_slow_consumer_evictions_total"); got != 1 {
		t.Errorf("chat_slow_consumer_evictions_total = %v, want 1", got)
	}
	if got := metricValue(t, m, "chat_connections_closed_total", "code", "4008"); got != 1 {
		t.Errorf("chat_connections_closed_total{code=4008} = %v, want 1", got)
	}
}

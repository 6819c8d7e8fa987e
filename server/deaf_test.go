package server_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/bus"
	"github.com/founding/chat/server/chattest"
	"github.com/founding/chat/server/hub"
)

// No node goes deaf (issue 27): when the NATS server leading the log's
// stream dies, every chat node's watch of the log comes back (its own
// watchdog recreates it when it stops making progress), says so on
// /readyz meanwhile, counts it in chat_watch_recoveries_total, and every
// user still connected gets every acknowledged message, once.

// deafBound is how long after its ack the last message may take to reach
// every connected user once the stream has a leader again: the watchdog
// notices a watch that stopped in about 2 s and recreates it.
const deafBound = 10 * time.Second

// deafSlack is how much longer than the store's own pause (the longest
// wait for acks after the kill) a node may deliver nothing: the watchdog
// remakes a stalled watch within 2.5 s of the stream moving on.
const deafSlack = 4 * time.Second

// readyWatch polls a node's /readyz and remembers whether it was ever not
// ready, and why.
type readyWatch struct {
	mu       sync.Mutex
	notReady []string // the reasons seen, in order, without repeats
	status   int      // the latest answer
}

// watchReady polls s's /readyz every 20 ms until the test ends.
func watchReady(t *testing.T, s *chattest.Server) *readyWatch {
	rw := &readyWatch{}
	done := make(chan struct{})
	stopped := make(chan struct{})
	t.Cleanup(func() { close(done); <-stopped })
	go func() {
		defer close(stopped)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			resp, err := client.Get(s.URL + "/readyz")
			if err != nil {
				continue
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			rw.mu.Lock()
			rw.status = resp.StatusCode
			if reason := strings.TrimSpace(string(body)); resp.StatusCode != http.StatusOK && !slices.Contains(rw.notReady, reason) {
				rw.notReady = append(rw.notReady, reason)
			}
			rw.mu.Unlock()
		}
	}()
	return rw
}

func (rw *readyWatch) seen() (notReady []string, status int) {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	return slices.Clone(rw.notReady), rw.status
}

// progress records when a raw client's count of live entries of a
// conversation last grew, to find the longest pause.
type progress struct {
	mu      sync.Mutex
	last    time.Time
	longest time.Duration
	from    time.Time // pauses are counted from here on
}

func trackProgress(t *testing.T, c *chattest.Client, conv string, from *time.Time, mu *sync.Mutex) *progress {
	p := &progress{last: time.Now()}
	done := make(chan struct{})
	stopped := make(chan struct{})
	t.Cleanup(func() { close(done); <-stopped })
	go func() {
		defer close(stopped)
		n := 0
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			if got := len(liveEntries(c, conv)); got > n {
				now := time.Now()
				p.mu.Lock()
				mu.Lock()
				start := *from
				mu.Unlock()
				if !start.IsZero() && n > 0 {
					since := p.last
					if start.After(since) {
						since = start
					}
					p.longest = max(p.longest, now.Sub(since))
				}
				p.last, n = now, got
				p.mu.Unlock()
			}
		}
	}()
	return p
}

func (p *progress) pause() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.longest
}

// streamLeader returns the name of the NATS server leading stream, as b's
// JetStream sees it.
func streamLeader(b *bus.Bus, stream string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := b.JetStream.Stream(ctx, stream)
	if err != nil {
		return "", err
	}
	info, err := s.Info(ctx)
	if err != nil {
		return "", err
	}
	if info.Cluster == nil || info.Cluster.Leader == "" {
		return "", fmt.Errorf("%s has no leader", stream)
	}
	return info.Cluster.Leader, nil
}

// TestFaultStreamLeaderKilledNoNodeDeaf: three chat nodes on a cluster of
// three NATS servers, each in a process of its own; two users connected to
// each node who never reconnect, and two senders. Midway, the NATS server
// leading the log's stream is killed with SIGKILL. Every node's watch of
// the log must come back: every connected user gets every acknowledged
// message exactly once, in order, the last one within deafBound of its
// ack. A node whose watch stopped says it is not ready while it recovers,
// counts the recovery, and is ready again after.
func TestFaultStreamLeaderKilledNoNodeDeaf(t *testing.T) {
	const each, killAt, window = 150, 50, 10
	procs := chattest.NATSProcCluster(t, t.TempDir(), 3)
	var urls []string
	for _, p := range procs {
		urls = append(urls, p.URL)
	}
	var srvs []*chattest.Server
	var buses []*bus.Bus
	for i := range 3 {
		mine := append(slices.Clone(urls[i:]), urls[:i]...)
		s, b := startNode(t, mine, 3, nil)
		srvs, buses = append(srvs, s), append(buses, b)
	}
	var mu sync.Mutex
	var killedAt time.Time
	var receivers []*chattest.Client
	var progs []*progress
	var readies []*readyWatch
	for i, s := range srvs {
		for j := range 2 {
			c := s.User(t, fmt.Sprintf("r%d%d", i, j))
			receivers = append(receivers, c)
			if j == 0 {
				progs = append(progs, trackProgress(t, c, hub.LobbyID, &killedAt, &mu))
			}
		}
		readies = append(readies, watchReady(t, s))
	}
	senders := []*chattest.ModelClient{srvs[0].ModelClient(t, "ann", nil), srvs[1].ModelClient(t, "bob", nil)}
	for _, mc := range senders {
		mc.Until("online", func() bool { return mc.Ready(hub.LobbyID) })
	}
	leader, err := streamLeader(buses[0], "CHAT_LOG_0")
	if err != nil {
		t.Fatal(err)
	}
	var ackPause time.Duration
	for i := 1; i <= each; i++ {
		for _, s := range senders {
			s.Model.Compose(hub.LobbyID, "", faultText(s.Name, i, "said while the stream's leader dies"))
			s.Flush()
			if i%window == 0 {
				start := time.Now()
				s.Until("the window acknowledged", func() bool { return len(s.Model.Outbox) == 0 })
				if i > killAt {
					ackPause = max(ackPause, time.Since(start))
				}
			}
		}
		if i == killAt {
			for _, p := range procs {
				if p.Name == leader {
					p.Kill()
				}
			}
			mu.Lock()
			killedAt = time.Now()
			mu.Unlock()
		}
	}
	senders[0].Model.Compose(hub.LobbyID, "", faultText("end", 1, "the last word"))
	senders[0].Flush()
	senders[0].Until("the last word acknowledged", func() bool { return senders[0].Settled() })
	acked := time.Now()
	for k, c := range receivers {
		if !chattest.Within(deafBound, func() bool {
			return slices.ContainsFunc(liveEntries(c, hub.LobbyID), func(e chat.Entry) bool { return faultNumber("end", e) == 1 })
		}) {
			t.Errorf("the user on node %d never got the last word (%v after its ack): the node went deaf; it has %d entries",
				k/2, deafBound, len(liveEntries(c, hub.LobbyID)))
		}
	}
	t.Logf("the last word reached every connected user %v after its ack; killed %s, the longest wait for %d acks after %v",
		time.Since(acked).Round(time.Millisecond), leader, window, ackPause.Round(time.Millisecond))
	for k, c := range receivers {
		for _, s := range senders {
			checkRun(t, fmt.Sprintf("the user on node %d", k/2), s.Name, liveEntries(c, hub.LobbyID), each)
		}
	}
	var recovered float64
	for i, s := range srvs {
		n := metricValue(t, scrape(t, s.URL), "chat_watch_recoveries_total", "watch", "log")
		recovered += n
		notReady, _ := readies[i].seen()
		pause := progs[i].pause()
		t.Logf("node %d: longest pause %v, %v log watch recoveries, not ready: %q", i, pause.Round(time.Millisecond), n, notReady)
		if pause > ackPause+deafSlack {
			t.Errorf("node %d delivered nothing for %v, longer than the store's own pause (%v) by more than %v: it was deaf",
				i, pause.Round(time.Millisecond), ackPause.Round(time.Millisecond), deafSlack)
		}
		if n > 0 && !slices.ContainsFunc(notReady, func(r string) bool { return strings.Contains(r, "watch") }) {
			t.Errorf("node %d recovered its watch of the log but never said on /readyz that it was recovering", i)
		}
	}
	for i := range srvs {
		chattest.Eventually(t, chattest.Wait, func() bool { _, st := readies[i].seen(); return st == http.StatusOK },
			fmt.Sprintf("node %d is not ready again after the recovery", i))
	}
	if recovered == 0 {
		t.Errorf("no node counted a recovery of its watch of the log, though the stream's leader died")
	}
	for _, s := range senders {
		for _, e := range s.Errors {
			t.Errorf("%s got an error: %s: %s", s.Name, e.Code, e.Message)
		}
	}
}

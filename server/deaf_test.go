package server_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server"
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

// deafSlack is how much longer than JetStream's own pause (the longest
// wait for acks after the kill, or until a consumer can be made again) a
// node may deliver nothing: the watchdog
// remakes a watch within 2.5 s of the stream moving on, or of its
// consumer's last heartbeat, once a consumer can be made again (the
// JetStream meta leader may be electing meanwhile).
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
}

// trackProgress watches c's live entries of conv until the test ends:
// the longest pause counts from *from on (guarded by mu), once set.
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

// consumerHosts counts the consumers of stream that the nodes' watches use
// now (each node's watchdog says which), by the NATS server that holds
// them, and returns as well the consumers JetStream lists that no watch
// uses (left behind by a watch made again or stopped, until their
// inactivity threshold ends them: they serve nobody, and killing their
// host shows nothing).
func consumerHosts(b *bus.Bus, stream string, storages []*server.Storage) (hosts map[string]int, unused []string, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := b.JetStream.Stream(ctx, stream)
	if err != nil {
		return nil, nil, err
	}
	used := make(map[string]bool)
	for _, st := range storages {
		wd, ok := st.Watches.(interface {
			Consumers(string) map[string]string
		})
		if !ok {
			return nil, nil, fmt.Errorf("the storage's watches (%T) do not say which consumers they use", st.Watches)
		}
		for name := range wd.Consumers(stream) {
			used[name] = true
		}
	}
	hosts = make(map[string]int)
	list := s.ListConsumers(ctx)
	for info := range list.Info() {
		switch {
		case !used[info.Name]:
			unused = append(unused, fmt.Sprintf("%s (waiting %d)", info.Name, info.NumWaiting))
		case info.Cluster != nil:
			hosts[info.Cluster.Leader]++
		}
	}
	return hosts, unused, list.Err()
}

// killRun is one run of a NATS server killed under traffic.
type killRun struct {
	// victim names the NATS server to kill, given the stream's leader, the
	// JetStream meta leader and the hosts of the stream's consumers.
	victim func(leader, meta string, hosts map[string]int) string
	// killNode also kills chat node 2 a third of the way in (its NATS
	// connection closed, no goodbye), and measures how long until a user
	// of it is offline for the others.
	killNode bool
	// defaults runs the nodes with the default presence heartbeat and TTL.
	defaults bool
}

// killResult is what a killRun measured.
type killResult struct {
	victim, leader string
	ackPause       time.Duration   // the longest wait for a window of acks after the kill
	consumerPause  time.Duration   // after the kill, until a consumer of the stream could be made again
	pauses         []time.Duration // per node, the longest time its users got nothing after the kill
	recoveries     []float64       // per node, chat_watch_recoveries_total{watch="log"}
	lost, doubled  int             // acknowledged messages missing or more than once, over every connected user
	deaf           int             // nodes whose users got nothing for longer than the store's pause + deafSlack
	offline        time.Duration   // killNode: until a user of the dead node was offline for the others
	meta           string          // the JetStream meta leader before the kill
	saidWatch      int             // nodes whose /readyz said a watch was recovering
}

// runKill runs three chat nodes on a cluster of three NATS servers, each
// in a process of its own; two users connected to each node who never
// reconnect, and two senders on nodes 0 and 1. A third of the way in, the
// NATS server run.victim picks is killed with SIGKILL (and two thirds in,
// with killNode, chat node 2 dies). Every node's watch of the log must
// come back: every user still connected gets every acknowledged message
// exactly once, in order, the last one within deafBound of its ack, and
// no node delivers nothing for longer than the store's own pause plus
// deafSlack. A node that recovered its watch said on /readyz that it was
// recovering; every node is ready at the end.
func runKill(t *testing.T, run killRun) killResult {
	const each, window = 150, 10
	killAt, nodeAt := each/3, 0
	if run.killNode {
		killAt, nodeAt = 2*each/3, each/3
	}
	procs := chattest.NATSProcCluster(t, t.TempDir(), 3)
	var urls []string
	for _, p := range procs {
		urls = append(urls, p.URL)
	}
	var srvs []*chattest.Server
	var buses []*bus.Bus
	var storages []*server.Storage
	for i := range 3 {
		mine := append(slices.Clone(urls[i:]), urls[:i]...)
		s, b, st := startNodeStorage(t, mine, 3, func(o *server.Options) {
			if run.defaults {
				o.PresenceHeartbeat, o.PresenceTTL = 0, 0
			}
		})
		srvs, buses, storages = append(srvs, s), append(buses, b), append(storages, st)
	}
	var mu sync.Mutex
	var killedAt time.Time
	var receivers []*chattest.Client
	for i, s := range srvs {
		for j := range 2 {
			receivers = append(receivers, receiver(t, s, fmt.Sprintf("r%d%d", i, j)))
		}
	}
	alive := len(srvs) // nodes whose users are checked
	if run.killNode {
		alive--
	}
	senders := []*chattest.ModelClient{srvs[0].ModelClient(t, "ann", nil), srvs[1].ModelClient(t, "bob", nil)}
	for _, mc := range senders {
		mc.Until("online", func() bool { return mc.Ready(hub.LobbyID) })
	}
	warmUp(t, srvs, receivers, senders[0])
	var progs []*progress
	var readies []*readyWatch
	for i, s := range srvs {
		progs = append(progs, trackProgress(t, receivers[2*i], hub.LobbyID, &killedAt, &mu))
		readies = append(readies, watchReady(t, s))
	}
	var res killResult
	var err error
	if res.leader, err = streamLeader(buses[0], "CHAT_LOG_0"); err != nil {
		t.Fatal(err)
	}
	hosts, unused, err := consumerHosts(buses[0], "CHAT_LOG_0", storages)
	if err != nil {
		t.Fatal(err)
	}
	if len(unused) > 0 {
		t.Logf("consumers of CHAT_LOG_0 no watch uses: %v", unused)
	}
	meta := procs[0].MetaLeader()
	res.meta = meta
	res.victim = run.victim(res.leader, meta, hosts)
	consumable := make(chan time.Duration, 1)
	offline := make(chan time.Duration, 1)
	for i := 1; i <= each; i++ {
		for _, s := range senders {
			s.Model.Compose(hub.LobbyID, "", faultText(s.Name, i, "said while a NATS server dies"))
			s.Flush()
			if i%window == 0 {
				start := time.Now()
				s.Until("the window acknowledged", func() bool { return len(s.Model.Outbox) == 0 })
				if i > killAt {
					res.ackPause = max(res.ackPause, time.Since(start))
				}
			}
		}
		if i == nodeAt {
			buses[2].Conn.Close()
			died := time.Now()
			go func() {
				if chattest.Within(time.Minute, func() bool {
					return slices.ContainsFunc(presences(receivers[0], "r20"), func(p chat.Presence) bool { return !p.Online })
				}) {
					offline <- time.Since(died)
				} else {
					offline <- -1
				}
			}()
		}
		if i == killAt {
			for _, p := range procs {
				if p.Name == res.victim {
					p.Kill()
				}
			}
			mu.Lock()
			killedAt = time.Now()
			mu.Unlock()
			go func() { consumable <- untilConsumable(buses[0], "CHAT_LOG_0") }()
		}
	}
	senders[0].Model.Compose(hub.LobbyID, "", faultText("end", 1, "the last word"))
	senders[0].Flush()
	senders[0].Until("the last word acknowledged", func() bool { return senders[0].Settled() })
	acked := time.Now()
	res.consumerPause = <-consumable
	late := make([]bool, alive)
	for k, c := range receivers[:2*alive] {
		if !chattest.Within(deafBound, func() bool {
			return slices.ContainsFunc(liveEntries(c, hub.LobbyID), func(e chat.Entry) bool { return faultNumber("end", e) == 1 })
		}) {
			late[k/2] = true
			t.Errorf("the user on node %d never got the last word (%v after its ack): the node went deaf; it has %d entries",
				k/2, deafBound, len(liveEntries(c, hub.LobbyID)))
		}
	}
	t.Logf("killed %s (the stream's leader: %s, the meta leader: %s, consumers by host %v); the last word reached every connected user %v after its ack; the longest wait for %d acks after the kill %v; a consumer could be made again %v after it",
		res.victim, res.leader, meta, hosts, time.Since(acked).Round(time.Millisecond), window, res.ackPause.Round(time.Millisecond), res.consumerPause.Round(time.Millisecond))
	// JetStream's own pause: until acks came again, or until a consumer
	// could be made again (no meta leader meanwhile), whichever is later.
	storePause := max(res.ackPause, res.consumerPause)
	for k, c := range receivers[:2*alive] {
		entries := liveEntries(c, hub.LobbyID)
		for _, s := range senders {
			checkRun(t, fmt.Sprintf("the user on node %d", k/2), s.Name, entries, each)
			seen := make(map[int]int)
			for _, e := range entries {
				if n := faultNumber(s.Name, e); n > 0 {
					seen[n]++
				}
			}
			for n := 1; n <= each; n++ {
				switch {
				case seen[n] == 0:
					res.lost++
				case seen[n] > 1:
					res.doubled += seen[n] - 1
				}
			}
		}
	}
	// A watch whose consumer was on the victim notices its loss by a
	// missing heartbeat or by delivering nothing while the stream grows,
	// which may come after the traffic ends: wait for its recovery to be
	// counted before the readiness and the counts below are read.
	if hosts[res.victim] > 0 && !run.killNode {
		chattest.Eventually(t, chattest.Wait, func() bool {
			total := 0.0
			for _, s := range srvs[:alive] {
				total += metricValue(t, scrape(t, s.URL), "chat_watch_recoveries_total", "watch", "log")
			}
			return total > 0
		}, fmt.Sprintf("no watch recovered the consumers %s held", res.victim))
	}
	// Every node ready again: its watches current, the search index's too,
	// each recovery counted.
	for i := range srvs[:alive] {
		chattest.Eventually(t, chattest.Wait, func() bool { _, st := readies[i].seen(); return st == http.StatusOK },
			fmt.Sprintf("node %d is not ready again after the recovery", i))
	}
	for i, s := range srvs[:alive] {
		n := metricValue(t, scrape(t, s.URL), "chat_watch_recoveries_total", "watch", "log")
		res.recoveries = append(res.recoveries, n)
		notReady, _ := readies[i].seen()
		pause := progs[i].pause()
		res.pauses = append(res.pauses, pause)
		t.Logf("node %d: longest pause %v, %v log watch recoveries, not ready: %q", i, pause.Round(time.Millisecond), n, notReady)
		switch {
		case pause > storePause+deafSlack:
			res.deaf++
			t.Errorf("node %d delivered nothing for %v, longer than JetStream's own pause (%v) by more than %v: it was deaf",
				i, pause.Round(time.Millisecond), storePause.Round(time.Millisecond), deafSlack)
		case late[i]:
			res.deaf++
		}
		// The storage's own check comes first: while JetStream does not
		// answer, that is the reason given.
		if n > 0 && len(notReady) == 0 {
			t.Errorf("node %d recovered its watch of the log but never said on /readyz that it was not ready", i)
		}
		if slices.ContainsFunc(notReady, func(r string) bool { return strings.Contains(r, "watch") }) {
			res.saidWatch++
		}
	}
	for _, s := range senders {
		for _, e := range s.Errors {
			t.Errorf("%s got an error: %s: %s", s.Name, e.Code, e.Message)
		}
	}
	if run.killNode {
		if res.offline = <-offline; res.offline < 0 {
			t.Errorf("a user of the dead node never went offline for the others")
		}
	}
	return res
}

// receiver connects a new user named name to s, one who never reconnects
// by herself, and returns her connection once welcomed with that name.
// An error frame instead (a session not read yet on a lagging replica:
// not what these tests are about) makes her connect again, as the client
// does.
func receiver(t *testing.T, s *chattest.Server, name string) *chattest.Client {
	t.Helper()
	jar := chattest.NewJar()
	for range 5 {
		c := s.Dial(t, jar)
		named, welcomed, failed := false, false, false
		chattest.Within(chattest.Wait, func() bool {
			for _, f := range c.Frames() {
				switch f := f.(type) {
				case *chat.Welcome:
					if f.NeedName && !named {
						c.Send(&chat.Nick{Name: name})
						named = true
					}
					welcomed = welcomed || !f.NeedName
				case *chat.Error:
					failed = true
				}
			}
			return welcomed || failed
		})
		if welcomed {
			return c
		}
		t.Logf("%s connects again after %s", name, describeErrors(c))
		c.Conn.CloseNow()
	}
	t.Fatalf("%s was never welcomed", name)
	return nil
}

// describeErrors lists the error frames c got.
func describeErrors(c *chattest.Client) string {
	var out []string
	for _, f := range c.Frames() {
		if e, ok := f.(*chat.Error); ok {
			out = append(out, string(e.Code)+": "+e.Message)
		}
	}
	return strings.Join(out, "; ")
}

// warmUp has from say a word in the lobby until every receiver got one
// live, connecting again the receivers that got none: a connection
// welcomed before its lobby was attached (not what these tests are
// about) would look deaf later.
func warmUp(t *testing.T, srvs []*chattest.Server, receivers []*chattest.Client, from *chattest.ModelClient) {
	t.Helper()
	for round := 1; round <= 3; round++ {
		from.Model.Compose(hub.LobbyID, "", faultText("warm", round, "before the traffic"))
		from.Flush()
		missing := 0
		for k, c := range receivers {
			if chattest.Within(5*time.Second, func() bool {
				return slices.ContainsFunc(liveEntries(c, hub.LobbyID), func(e chat.Entry) bool { return faultNumber("warm", e) == round })
			}) {
				continue
			}
			missing++
			t.Logf("receiver %d on node %d got no word of the warm-up: connecting again", k, k/2)
			c.Conn.CloseNow()
			again := srvs[k/2].Dial(t, c.Jar)
			chattest.Expect(again, func(w *chat.Welcome) bool { return !w.NeedName })
			receivers[k] = again
		}
		if missing == 0 {
			return
		}
	}
	t.Fatalf("receivers still get nothing live from the lobby after connecting again")
}

// untilConsumable returns how long, from now, until a consumer of stream
// can be made (JetStream needs its meta leader for that), at most a
// minute.
func untilConsumable(b *bus.Bus, stream string) time.Duration {
	start := time.Now()
	chattest.Within(time.Minute, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		c, err := b.JetStream.CreateOrUpdateConsumer(ctx, stream, jetstream.ConsumerConfig{
			AckPolicy: jetstream.AckNonePolicy, MemoryStorage: true, Replicas: 1, InactiveThreshold: time.Second})
		if err != nil {
			return false
		}
		b.JetStream.DeleteConsumer(ctx, stream, c.CachedInfo().Name)
		return true
	})
	return time.Since(start)
}

// TestFaultStreamLeaderKilledNoNodeDeaf: runKill, killing the NATS server
// that leads the log's stream. At least one node lost its watch's
// consumer there and counted its recovery.
func TestFaultStreamLeaderKilledNoNodeDeaf(t *testing.T) {
	res := runKill(t, killRun{victim: func(leader, _ string, _ map[string]int) string { return leader }})
	if slices.Max(res.recoveries) == 0 {
		t.Errorf("no node counted a recovery of its watch of the log, though the stream's leader died")
	}
}

// TestFaultConsumerHostKilledNoNodeDeaf: runKill, killing the NATS server,
// other than the stream's leader (and rather not the meta leader), that
// holds the most consumers of the log's stream (each in memory, on one
// server). The stream carries on at
// once; a node whose consumer was there must notice within seconds (its
// heartbeats stop), not the half minute the client library took.
func TestFaultConsumerHostKilledNoNodeDeaf(t *testing.T) {
	victim := func(leader, meta string, hosts map[string]int) string {
		// Rather not the meta leader either: the stream and JetStream then
		// carry on at once, and the only thing lost is the consumers.
		victim, most := leader, 0
		for host, n := range hosts {
			if score := 2 * n; host != leader && score > 0 {
				if host == meta {
					score = 1
				}
				if score > most {
					victim, most = host, score
				}
			}
		}
		return victim
	}
	// Every node's watches of the log's stream keep their consumers in
	// memory on one NATS server each; the victim holds at least one that
	// a watch uses (runKill lists them from the nodes' watchdogs), so that
	// watch must notice its loss and count a recovery.
	res := runKill(t, killRun{victim: victim})
	if res.victim == res.leader {
		t.Fatalf("no NATS server but the stream's leader holds a consumer a watch uses; nothing to test")
	}
	if slices.Max(res.recoveries) == 0 {
		t.Errorf("no node counted a recovery of its watch of the log, though %s held consumers they use", res.victim)
	}
	t.Logf("recoveries %v, /readyz said a watch was recovering %d times (victim %s, meta leader %s)",
		res.recoveries, res.saidWatch, res.victim, res.meta)
}

// TestMeasureLeaderKill measures what docs/cluster.md states of a stream
// leader's death: runKill with the default presence heartbeat and TTL,
// chat node 2 dying a third of the way in and the stream's leader killed
// two thirds in. It runs only when CHAT_MEASURE_KILLS is set (each run
// waits out the 15 s TTL); run it with -count=N and collect the MEASURE
// lines.
func TestMeasureLeaderKill(t *testing.T) {
	if os.Getenv("CHAT_MEASURE_KILLS") == "" {
		t.Skip("set CHAT_MEASURE_KILLS=1 to measure")
	}
	res := runKill(t, killRun{victim: func(leader, _ string, _ map[string]int) string { return leader }, killNode: true, defaults: true})
	var pauses []string
	for _, p := range res.pauses {
		pauses = append(pauses, fmt.Sprintf("%.2f", p.Seconds()))
	}
	t.Logf("MEASURE lost=%d doubled=%d deaf=%d ack_pause=%.2f consumer_pause=%.2f pauses=%s offline=%.2f recoveries=%v",
		res.lost, res.doubled, res.deaf, res.ackPause.Seconds(), res.consumerPause.Seconds(), strings.Join(pauses, ","), res.offline.Seconds(), res.recoveries)
}

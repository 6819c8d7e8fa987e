package server_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/founding/chat/server"
	"github.com/founding/chat/server/chattest"
	"github.com/founding/chat/server/hub"
)

// idleSink is a connection that takes every frame and counts them.
type idleSink struct{ frames atomic.Int64 }

func (s *idleSink) Send([]byte)                 { s.frames.Add(1) }
func (s *idleSink) SendWithNext(string, []byte) {}

// BenchmarkPresenceBus measures what presence costs the bus with 10,000
// users online, spread over three nodes, all in the lobby: the notes and
// bytes a node sends per second while nobody comes or goes, and the notes,
// bytes and frames one more arrival makes (its note only;
// the lobby is crowded, so its members get a renewed roster with their
// next frame instead of a notice each). The idle rate is measured over a
// window of time, as a rate must be; everything else waits for a state. It connects the users to the
// hubs directly (no websockets), and listens on NATS to everything the
// nodes tell each other.
//
//	go test -run '^$' -bench BenchmarkPresenceBus -benchtime 1x ./server/
func BenchmarkPresenceBus(b *testing.B) {
	const users, idle = 10_000, 10 * time.Second
	_, url := chattest.NATS(b, b.TempDir())
	var srvs []*chattest.Server
	for range 3 {
		s, _ := startNode(b, []string{url}, 1, func(o *server.Options) {
			o.PresenceHeartbeat, o.PresenceTTL = 0, 0 // the defaults: 5 s and 15 s
		})
		srvs = append(srvs, s)
	}
	nc, err := nats.Connect(url)
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	var notes, bytes, arrivals, arrivalBytes atomic.Int64
	sub, err := nc.Subscribe("chat.cluster.>", func(m *nats.Msg) {
		notes.Add(1)
		bytes.Add(int64(len(m.Data)))
		if strings.Contains(string(m.Data), `"newcomer"`) {
			arrivals.Add(1)
			arrivalBytes.Add(int64(len(m.Data)))
		}
	})
	if err != nil {
		b.Fatal(err)
	}
	defer sub.Unsubscribe()
	nc.Flush()

	ctx := context.Background()
	sinks := make([]*idleSink, users)
	for i := range users {
		sinks[i] = &idleSink{}
		u := hub.User{Key: fmt.Sprintf("user%05d", i), Name: fmt.Sprintf("user%05d", i)}
		if err := srvs[i%3].Hub().Connect(ctx, u, sinks[i]); err != nil {
			b.Fatal(err)
		}
	}
	// Every node holds the others' users: the nodes' digests agree, so no
	// node fetches another's state any more.
	for _, s := range srvs {
		chattest.Eventually(b, time.Minute, func() bool { return s.Hub().OnlineAnywhere() == users }, "the nodes agree on who is online")
	}
	for range b.N {
		// Idle: what the three nodes send while nobody comes or goes.
		n0, b0 := notes.Load(), bytes.Load()
		start := time.Now()
		time.Sleep(idle) // a rate is counted over a window of time
		secs := time.Since(start).Seconds()
		b.ReportMetric(float64(notes.Load()-n0)/secs/3, "idle-notes/s/node")
		b.ReportMetric(float64(bytes.Load()-b0)/secs/3, "idle-bytes/s/node")

		// One arrival in a room of 10,000 on three nodes.
		var frames0 int64
		for _, s := range sinks {
			frames0 += s.frames.Load()
		}
		arrivals.Store(0)
		arrivalBytes.Store(0)
		arrival := &idleSink{}
		if err := srvs[1].Hub().Connect(ctx, hub.User{Key: "newcomer", Name: "newcomer"}, arrival); err != nil {
			b.Fatal(err)
		}
		for _, s := range srvs {
			chattest.Eventually(b, time.Minute, func() bool { return s.Hub().OnlineAnywhere() == users+1 }, "every node sees the newcomer")
		}
		var frames int64
		for _, s := range sinks {
			frames += s.frames.Load()
		}
		b.ReportMetric(float64(arrivals.Load()), "arrival-notes")
		b.ReportMetric(float64(arrivalBytes.Load()), "arrival-bytes")
		b.ReportMetric(float64(frames-frames0), "arrival-frames")
		srvs[1].Hub().Disconnect(arrival)
	}
}

package server_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

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
// bytes and frames one more arrival makes (heartbeats in its 2 s included;
// the lobby is crowded, so its members get a renewed roster with their
// next frame instead of a notice each). It connects the users to the
// hubs directly (no websockets), and listens on NATS to everything the
// nodes tell each other.
//
//	go test -run '^$' -bench BenchmarkPresenceBus -benchtime 1x ./server/
func BenchmarkPresenceBus(b *testing.B) {
	const users, idle = 10_000, 10 * time.Second
	_, url := chattest.NATS(b, b.TempDir())
	var srvs []*chattest.Server
	for range 3 {
		st, _ := chattest.Node(b, []string{url}, 1)
		opts := clusterOpts(st)
		opts.PresenceHeartbeat, opts.PresenceTTL = 0, 0 // the defaults: 5 s and 15 s
		srvs = append(srvs, chattest.New(b, opts))
	}
	nc, err := nats.Connect(url)
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	var notes, bytes atomic.Int64
	sub, err := nc.Subscribe("chat.cluster.>", func(m *nats.Msg) { notes.Add(1); bytes.Add(int64(len(m.Data))) })
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
	for range b.N {
		// Idle: what the three nodes send while nobody comes or goes.
		chattest.Within(2*time.Second, func() bool { return false }) // let the arrivals' notes settle
		n0, b0 := notes.Load(), bytes.Load()
		start := time.Now()
		chattest.Within(idle, func() bool { return false })
		secs := time.Since(start).Seconds()
		b.ReportMetric(float64(notes.Load()-n0)/secs/3, "idle-notes/s/node")
		b.ReportMetric(float64(bytes.Load()-b0)/secs/3, "idle-bytes/s/node")

		// One arrival in a room of 10,000 on three nodes.
		var frames0 int64
		for _, s := range sinks {
			frames0 += s.frames.Load()
		}
		n0, b0 = notes.Load(), bytes.Load()
		arrival := &idleSink{}
		if err := srvs[1].Hub().Connect(ctx, hub.User{Key: "newcomer", Name: "newcomer"}, arrival); err != nil {
			b.Fatal(err)
		}
		chattest.Within(2*time.Second, func() bool { return false })
		var frames int64
		for _, s := range sinks {
			frames += s.frames.Load()
		}
		b.ReportMetric(float64(notes.Load()-n0), "arrival-notes")
		b.ReportMetric(float64(bytes.Load()-b0), "arrival-bytes")
		b.ReportMetric(float64(frames-frames0), "arrival-frames")
	}
}

package server_test

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/coder/websocket"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server"
	"github.com/founding/chat/server/chattest"
	"github.com/founding/chat/server/wsconn"
)

// smallRoomMarker starts the text of every message the small-room
// benchmark sends; its readers count deliveries by finding it.
const smallRoomMarker = "SMALLROOM"

// BenchmarkSmallRoomMessage is one message's whole path in a room of ten
// on a server as the binary runs it by default (every feature on, the
// durable log on embedded JetStream, the search index on disk): a
// member's Send frame read and decoded, validated, appended and acked,
// encoded and written to the ten members, and indexed for search. Each op
// waits until all ten have the message. The readers are bare websockets
// that only count deliveries, so that allocs/op and B/op are nearly all
// the server's (the clients' reads add a few small allocations per
// frame). Compare runs of the same -benchtime (docs/BENCHMARKS.md, "Small
// rooms").
func BenchmarkSmallRoomMessage(b *testing.B) {
	s := chattest.New(b, server.Options{
		Transport:   wsconn.Transport{MaxConnsPerAddr: 1000, FrameRate: 1e6, FrameBurst: 1e6},
		MessageRate: 1e6, MessageBurst: 1e6, AddrMessageRate: 1e6, AddrMessageBurst: 1e6,
		ClaimsPerHour: 1e6, ClaimBurst: 1e6,
		SearchIndex: b.TempDir(), // on disk, as the binary keeps it by default
	})
	const members = 10
	var delivered atomic.Int64
	arrived := make(chan struct{}, 1)
	conns := make([]*websocket.Conn, members)
	var conv string
	for i := range conns {
		// Each member picks a name and joins with a test client, then
		// reads on a bare connection of the same browser instead.
		u := s.User(b, fmt.Sprintf("small%d", i))
		u.Send(&chat.Join{Room: "smallroom"})
		conv = chattest.Expect(u, func(c *chat.Conv) bool { return c.Name == "smallroom" }).ID
		u.Conn.CloseNow()
		conns[i] = s.DialSilent(b, u.Jar).Conn
		welcomed := make(chan struct{})
		go countDeliveries(conns[i], &delivered, arrived, welcomed)
		<-welcomed
	}
	ctx := context.Background()
	var frame []byte
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		frame = append(frame[:0], `{"type":"send","id":{"d":"bench-device","n":`...)
		frame = strconv.AppendInt(frame, int64(i+1), 10)
		frame = append(frame, `},"conv":`...)
		frame = strconv.AppendQuote(frame, conv)
		frame = append(frame, `,"text":"`+smallRoomMarker+` hello there"}`...)
		if err := conns[i%members].Write(ctx, websocket.MessageText, frame); err != nil {
			b.Fatal(err)
		}
		want := int64(i+1) * members
		for delivered.Load() < want {
			<-arrived
		}
	}
}

// countDeliveries reads ws until it closes, adding the messages each frame
// carries to n and waking the benchmark. It closes welcomed once the
// first frame (the Welcome) is in, the connection then being a member's,
// or once the connection ended before it.
func countDeliveries(ws *websocket.Conn, n *atomic.Int64, arrived, welcomed chan<- struct{}) {
	var buf bytes.Buffer
	marker := []byte(smallRoomMarker)
	for {
		_, r, err := ws.Reader(context.Background())
		if err == nil {
			buf.Reset()
			_, err = buf.ReadFrom(r)
		}
		if welcomed != nil {
			close(welcomed)
			welcomed = nil
		}
		if err != nil {
			return
		}
		if k := bytes.Count(buf.Bytes(), marker); k > 0 {
			n.Add(int64(k))
			select {
			case arrived <- struct{}{}:
			default:
			}
		}
	}
}

package server_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
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
// durable log on embedded JetStream, the search index on disk): a member's Send frame read and decoded,
// validated, appended and acked, encoded and written to the ten members,
// and indexed for search. Each op waits until all ten have the message.
// The readers are bare websockets that only count deliveries, so that
// allocs/op and B/op are nearly all the server's (the clients' reads add
// a few small allocations per frame).
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
		ws, id, err := joinSmallRoom(s, fmt.Sprintf("small%d", i), "smallroom")
		if err != nil {
			b.Fatal(err)
		}
		conns[i], conv = ws, id
		go countDeliveries(ws, &delivered, arrived)
	}
	b.Cleanup(func() {
		for _, ws := range conns {
			ws.CloseNow()
		}
	})
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
// carries to n and waking the benchmark.
func countDeliveries(ws *websocket.Conn, n *atomic.Int64, arrived chan<- struct{}) {
	var buf bytes.Buffer
	marker := []byte(smallRoomMarker)
	for {
		_, r, err := ws.Reader(context.Background())
		if err != nil {
			return
		}
		buf.Reset()
		if _, err := buf.ReadFrom(r); err != nil {
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

// joinSmallRoom connects a new user called name and joins room; it returns
// the connection and the room's conversation id.
func joinSmallRoom(s *chattest.Server, name, room string) (*websocket.Conn, string, error) {
	ctx := context.Background()
	ws, _, err := websocket.Dial(ctx, s.WS, &websocket.DialOptions{
		Subprotocols: []string{chat.Subprotocol},
		HTTPClient:   &http.Client{Jar: chattest.NewJar()},
		HTTPHeader:   http.Header{"Origin": {s.URL}},
	})
	if err != nil {
		return nil, "", err
	}
	ws.SetReadLimit(chat.ClientReadLimit)
	send := func(f chat.Frame) error {
		data, err := chat.Encode(f)
		if err != nil {
			return err
		}
		return ws.Write(ctx, websocket.MessageText, data)
	}
	expect := func(match func(chat.Frame) bool) (chat.Frame, error) {
		for {
			_, data, err := ws.Read(ctx)
			if err != nil {
				return nil, err
			}
			f, err := chat.DecodeServer(data)
			if err != nil {
				return nil, err
			}
			frames := []chat.Frame{f}
			if batch, ok := f.(*chat.Batch); ok {
				frames = batch.Frames
			}
			for _, f := range frames {
				if e, ok := f.(*chat.Error); ok {
					return nil, errors.New(e.Message)
				}
				if match(f) {
					return f, nil
				}
			}
		}
	}
	if _, err := expect(func(f chat.Frame) bool { w, ok := f.(*chat.Welcome); return ok && w.NeedName }); err != nil {
		return nil, "", err
	}
	if err := send(&chat.Nick{Name: name}); err != nil {
		return nil, "", err
	}
	if _, err := expect(func(f chat.Frame) bool { w, ok := f.(*chat.Welcome); return ok && !w.NeedName }); err != nil {
		return nil, "", err
	}
	if err := send(&chat.Join{Room: room}); err != nil {
		return nil, "", err
	}
	f, err := expect(func(f chat.Frame) bool { c, ok := f.(*chat.Conv); return ok && c.Name == room })
	if err != nil {
		return nil, "", err
	}
	return ws, f.(*chat.Conv).ID, nil
}

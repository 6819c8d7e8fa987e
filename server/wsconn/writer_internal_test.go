package wsconn

import (
	"bytes"
	"context"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/metrics"
)

// wsPair returns the two ends of a real websocket speaking chat.v1: the
// server's, as serveWS gets it from Accept, and a client's.
func wsPair(t testing.TB) (server, client *websocket.Conn) {
	t.Helper()
	return wsPairOver(t, func(w http.ResponseWriter) http.ResponseWriter { return w })
}

// wsPairOver is wsPair with the server end accepted over wrap(w), such as
// the small buffers and cork accept gives it.
func wsPairOver(t testing.TB, wrap func(http.ResponseWriter) http.ResponseWriter) (server, client *websocket.Conn) {
	t.Helper()
	accepted := make(chan *websocket.Conn, 1)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(wrap(w), r, &websocket.AcceptOptions{Subprotocols: []string{chat.Subprotocol}})
		if err != nil {
			t.Errorf("accept: %v", err)
			return
		}
		accepted <- c
	}))
	t.Cleanup(hs.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	client, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(hs.URL, "http"), &websocket.DialOptions{Subprotocols: []string{chat.Subprotocol}})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	client.SetReadLimit(chat.ClientReadLimit)
	t.Cleanup(func() { client.CloseNow() })
	select {
	case server = <-accepted:
	case <-ctx.Done():
		t.Fatal("the server end was not accepted")
	}
	t.Cleanup(func() { server.CloseNow() })
	if server.Subprotocol() != chat.Subprotocol {
		t.Fatalf("subprotocol %q", server.Subprotocol())
	}
	return server, client
}

// newTestConn builds a connection around ws the way Serve does, with a
// queue of limit bytes and a Session that does nothing, without starting
// its goroutines.
func newTestConn(t testing.TB, ws *websocket.Conn, limit int) *Conn {
	t.Helper()
	srv := New(Options{Logger: slog.New(slog.DiscardHandler), Transport: Transport{QueueBytes: limit}})
	t.Cleanup(srv.Close)
	return newConn(srv, ws, "127.0.0.1", "", nopSession{})
}

// nopSession is a Session that does nothing.
type nopSession struct{}

func (nopSession) Open(*Conn)       {}
func (nopSession) Frame(chat.Frame) {}
func (nopSession) Evicted()         {}
func (nopSession) Closed()          {}

// startWriter starts flushing what c.queue holds; frames sent later with
// c.Send are flushed as they come. Flushing stops when the test ends.
func startWriter(t *testing.T, c *Conn) {
	t.Helper()
	c.kick(true)
	t.Cleanup(func() {
		c.queue.close()
		c.state.stop()
	})
}

// readMessage reads one websocket message, failing after a deadline.
func readMessage(t *testing.T, c *websocket.Conn) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	typ, data, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if typ != websocket.MessageText {
		t.Fatalf("message type %v, want text", typ)
	}
	return data
}

// unpack decodes a message as a client does: a batch becomes its frames.
func unpack(t *testing.T, msg []byte) []chat.Frame {
	t.Helper()
	f, err := chat.DecodeServer(msg)
	if err != nil {
		t.Fatalf("decode %.200s: %v", msg, err)
	}
	if b, ok := f.(*chat.Batch); ok {
		return b.Frames
	}
	return []chat.Frame{f}
}

func mustEncode(t *testing.T, f chat.Frame) []byte {
	t.Helper()
	b, err := chat.Encode(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// entryOfSize encodes an entry with seq whose encoding is exactly size bytes.
func entryOfSize(t *testing.T, seq uint64, size int) []byte {
	t.Helper()
	e := chat.Entry{Conv: "r:lobby", Seq: seq, Time: 1, Kind: chat.EntryMessage, From: "ann"}
	base := len(mustEncode(t, &e))
	if size < base {
		t.Fatalf("an entry takes at least %d bytes, not %d", base, size)
	}
	e.HTML = strings.Repeat("x", size-base)
	b := mustEncode(t, &e)
	if len(b) != size {
		t.Fatalf("entry of %d bytes, want %d", len(b), size)
	}
	return b
}

// seqsOf returns the Seq of every frame, which must all be entries.
func seqsOf(t *testing.T, frames []chat.Frame) []uint64 {
	t.Helper()
	seqs := make([]uint64, len(frames))
	for i, f := range frames {
		e, ok := f.(*chat.Entry)
		if !ok {
			t.Fatalf("frame %d is %s, want an entry", i, f.FrameType())
		}
		seqs[i] = e.Seq
	}
	return seqs
}

// wantInOrder fails unless seqs is 1..n.
func wantInOrder(t *testing.T, seqs []uint64, n int) {
	t.Helper()
	if len(seqs) != n {
		t.Fatalf("got %d frames, want %d", len(seqs), n)
	}
	for i, s := range seqs {
		if s != uint64(i+1) {
			t.Fatalf("frame %d has seq %d, want %d", i, s, i+1)
		}
	}
}

func TestWriterSendsEverythingQueuedAsOneBatch(t *testing.T) {
	server, client := wsPair(t)
	c := newTestConn(t, server, 1<<20)
	m := metrics.New()
	c.srv.metrics = m // before the flush starts
	var queued [][]byte
	for _, f := range []chat.Frame{
		&chat.Pong{N: 1},
		&chat.Presence{Conv: "r:lobby", User: "bob", Online: true},
		&chat.Entry{Conv: "r:lobby", Seq: 7, Time: 1, Kind: chat.EntryMessage, From: "bob", HTML: "<p>hi &amp; bye</p>"},
		&chat.Ack{ID: chat.MsgID{Device: "device-1", N: 3}, Conv: "r:lobby", Seq: 7, Time: 1},
		&chat.Pong{N: 2},
	} {
		b := mustEncode(t, f)
		queued = append(queued, b)
		if !c.queue.push(b) {
			t.Fatal("push failed below the limit")
		}
	}
	startWriter(t, c)

	msg := readMessage(t, client)
	if want := chat.AppendBatch(nil, queued); !bytes.Equal(msg, want) {
		t.Fatalf("first message\n%s\nwant one batch of everything queued\n%s", msg, want)
	}
	frames := unpack(t, msg)
	if len(frames) != len(queued) {
		t.Fatalf("batch holds %d frames, want %d", len(frames), len(queued))
	}
	for i, f := range frames {
		if got := mustEncode(t, f); !bytes.Equal(got, queued[i]) {
			t.Errorf("frame %d = %s, want %s", i, got, queued[i])
		}
	}

	// A frame queued alone goes alone, not wrapped in a batch.
	lone := mustEncode(t, &chat.Pong{N: 3})
	c.Send(lone)
	if msg := readMessage(t, client); !bytes.Equal(msg, lone) {
		t.Fatalf("lone frame sent as %s", msg)
	}

	// Two writes, which carried six frames.
	want := []string{"chat_websocket_writes_total 2\n", "chat_websocket_frames_written_total 6\n"}
	waitFor(t, "the writes counted", func() bool {
		rec := httptest.NewRecorder()
		m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		for _, w := range want {
			if !strings.Contains(rec.Body.String(), w) {
				return false
			}
		}
		return true
	})
}

func TestWriterSplitsBatchesAtTheFrameLimit(t *testing.T) {
	const limit = chat.MaxServerFrameBytes
	// Two frames that make a batch of exactly the limit, and of one more byte.
	half := (limit - chat.BatchSize(2, 0)) / 2
	tests := []struct {
		name     string
		sizes    []int
		messages int
	}{
		{"exactly the limit", []int{half, limit - chat.BatchSize(2, 0) - half}, 1},
		{"one byte over", []int{half, limit - chat.BatchSize(2, 0) - half + 1}, 2},
		{"one frame of the limit", []int{limit}, 1},
		{"many small ones", slicesOf(2100, 2000), 2},
		{"mixed", mixedSizes(), 0}, // count checked by greediness below
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			server, client := wsPair(t)
			c := newTestConn(t, server, 64<<20)
			total := 0
			for i, size := range tt.sizes {
				if !c.queue.push(entryOfSize(t, uint64(i+1), size)) {
					t.Fatal("push failed below the limit")
				}
				total += size
			}
			if total > chat.ClientReadLimit*4 {
				t.Fatalf("test sends %d bytes; keep it small", total)
			}
			startWriter(t, c)

			var frames []chat.Frame
			var counts []int // frames per message
			for len(frames) < len(tt.sizes) {
				msg := readMessage(t, client)
				if len(msg) > limit {
					t.Fatalf("message %d is %d bytes, above the limit of %d", len(counts), len(msg), limit)
				}
				got := unpack(t, msg)
				if len(got) > 1 && !bytes.HasPrefix(msg, []byte(`{"type":"batch"`)) {
					t.Fatalf("several frames outside a batch")
				}
				frames = append(frames, got...)
				counts = append(counts, len(got))
			}
			wantInOrder(t, seqsOf(t, frames), len(tt.sizes))
			if tt.messages != 0 && len(counts) != tt.messages {
				t.Errorf("%d messages %v, want %d", len(counts), counts, tt.messages)
			}
			// Greedy: no message could have taken the first frame of the next.
			next := 0
			for i, n := range counts[:len(counts)-1] {
				payload := 0
				for _, s := range tt.sizes[next : next+n+1] {
					payload += s
				}
				if chat.BatchSize(n+1, payload) <= limit {
					t.Errorf("message %d holds %d frames but had room for one more", i, n)
				}
				next += n
			}
		})
	}
}

// slicesOf returns n sizes of size bytes.
func slicesOf(n, size int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = size
	}
	return s
}

// mixedSizes returns frame sizes from 100 bytes to 1.5 MiB, about 6 MiB in
// all, the same on every run.
func mixedSizes() []int {
	r := rand.New(rand.NewPCG(1, 2))
	var sizes []int
	for total := 0; total < 6<<20; {
		size := 100 + r.IntN(4000)
		if r.IntN(4) == 0 {
			size = 100 + r.IntN(3<<19)
		}
		sizes = append(sizes, size)
		total += size
	}
	return sizes
}

func TestWriterKeepsOrderWhileFramesArrive(t *testing.T) {
	const n = 3000
	server, client := wsPair(t)
	c := newTestConn(t, server, 64<<20)
	startWriter(t, c)
	frames := make([][]byte, n)
	for i := range frames {
		frames[i] = mustEncode(t, &chat.Entry{Conv: "r:lobby", Seq: uint64(i + 1), Kind: chat.EntryMessage, HTML: "<p>hi</p>"})
	}
	go func() {
		for _, f := range frames {
			c.Send(f)
		}
	}()
	var got []chat.Frame
	for len(got) < n {
		got = append(got, unpack(t, readMessage(t, client))...)
	}
	wantInOrder(t, seqsOf(t, got), n)
}

func TestQueueOverflowIsSticky(t *testing.T) {
	q := newQueue(100)
	frame := func(n int) []byte { return make([]byte, n) }
	if !q.push(frame(60)) || !q.push(frame(40)) {
		t.Fatal("pushes up to the limit failed")
	}
	if q.push(frame(1)) {
		t.Fatal("a push past the limit succeeded")
	}
	if got := q.take(nil); len(got) != 2 || len(got[0]) != 60 || len(got[1]) != 40 {
		t.Fatalf("take returned %d frames", len(got))
	}
	for _, n := range []int{1, 0, 100} {
		if q.push(frame(n)) {
			t.Fatalf("a push of %d bytes succeeded after an overflow", n)
		}
	}
	if got := q.take(nil); len(got) != 0 {
		t.Fatalf("%d frames queued after an overflow", len(got))
	}
}

func TestQueueCountsBytesTaken(t *testing.T) {
	q := newQueue(100)
	for range 10 { // 10 × 90 bytes pass through a 100-byte queue
		if !q.push(make([]byte, 90)) {
			t.Fatal("push failed with the queue drained")
		}
		if got := q.take(nil); len(got) != 1 {
			t.Fatalf("take returned %d frames", len(got))
		}
	}
}

func TestQueueHandsOverItsFramesAndKeepsTheSpare(t *testing.T) {
	q := newQueue(1 << 10)
	q.push([]byte("a"))
	q.push([]byte("b"))
	got := q.take(make([][]byte, 0, 8))
	q.push([]byte("c")) // goes into the spare, not into what was taken
	if len(got) != 2 || string(got[0]) != "a" || string(got[1]) != "b" {
		t.Fatalf("took %q, want [a b]", got)
	}
	if next := q.take(nil); len(next) != 1 || string(next[0]) != "c" {
		t.Fatalf("then took %q, want [c]", next)
	}
	// An idle queue lets go of a large slice.
	q.take(make([][]byte, 0, 4*maxIdleFrames))
	q.trim()
	if cap(q.frames) != 0 {
		t.Errorf("an idle queue keeps a slice of capacity %d", cap(q.frames))
	}
}

func TestSendWithNextWaitsForTheNextFrameAndKeepsTheLatest(t *testing.T) {
	server, client := wsPair(t)
	c := newTestConn(t, server, 1<<20)
	t.Cleanup(func() {
		c.queue.close()
		c.state.stop()
	})

	c.SendWithNext("r:big", []byte(`{"type":"roster","conv":"r:big","users":[],"count":300}`))
	c.SendWithNext("r:big", []byte(`{"type":"roster","conv":"r:big","users":[],"count":301}`))
	// Nothing is woken for it alone.
	if st := c.state.current(); st != idle || c.queue.size() != 0 {
		t.Fatalf("a frame kept for later started a flush (%v) or counts as queued (%d bytes)", st, c.queue.size())
	}
	c.Send([]byte(`{"type":"pong"}`))
	msg := string(readMessage(t, client))
	if !strings.Contains(msg, `"count":301`) || strings.Contains(msg, `"count":300`) || !strings.Contains(msg, `"pong"`) {
		t.Errorf("the next write is %s; want the pong with the latest roster only", msg)
	}
}

package wsconn

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// recordingConn is a net.Conn that keeps each Write it gets.
type recordingConn struct {
	net.Conn
	mu     sync.Mutex
	writes [][]byte
	closed bool
}

func (r *recordingConn) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return 0, net.ErrClosed
	}
	r.writes = append(r.writes, bytes.Clone(p))
	return len(p), nil
}

func (r *recordingConn) SetWriteDeadline(time.Time) error { return nil }

func (r *recordingConn) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	return nil
}

func (r *recordingConn) joined() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return bytes.Join(r.writes, nil)
}

func (r *recordingConn) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.writes)
}

// header is a server frame's header for a text payload of n bytes, as
// coder/websocket writes it.
func header(n int) []byte {
	switch {
	case n <= 125:
		return []byte{0x81, byte(n)}
	case n <= 0xffff:
		return []byte{0x81, 126, byte(n >> 8), byte(n)}
	default:
		h := []byte{0x81, 127, 0, 0, 0, 0, 0, 0, 0, 0}
		for i := range 8 {
			h[9-i] = byte(n >> (8 * i))
		}
		return h
	}
}

// frame writes what coder/websocket writes for a message: a header into
// the buffer, the payload after it, then a flush.
func frame(t *testing.T, bw *bufio.Writer, payload []byte) {
	t.Helper()
	if _, err := bw.Write(header(len(payload))); err != nil {
		t.Fatal(err)
	}
	if _, err := bw.Write(payload); err != nil {
		t.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
}

func TestFrameBytesCountsTheHeader(t *testing.T) {
	for _, n := range []int{0, 125, 126, 0xffff, 0x10000} {
		if got, want := frameBytes(n), len(header(n))+n; got != want {
			t.Errorf("frameBytes(%d) = %d, want %d", n, got, want)
		}
	}
}

func TestCorkSendsAFrameLargerThanTheBufferInOneGo(t *testing.T) {
	for _, size := range []int{100, writeBufferSize, writeBufferSize + 100, heldBytes, 5000, 70000} {
		conn := &recordingConn{}
		k := &cork{conn: conn}
		bw := bufio.NewWriterSize(k, writeBufferSize)
		payload := bytes.Repeat([]byte{'x'}, size)
		payload[len(payload)-1] = 'z'

		k.corkIn(size)
		frame(t, bw, payload)
		// The frame is on the socket once written whole, before uncork:
		// nobody else's bytes or close can come between.
		want := append(header(size), payload...)
		if got := conn.joined(); !bytes.Equal(got, want) {
			t.Fatalf("size %d: before uncork the socket got %d bytes, not the frame's %d in order", size, len(got), len(want))
		}
		if k.held != nil {
			t.Errorf("size %d: the cork is still in after its frame was written", size)
		}
		// Without writev (this fake conn), the held bytes and the large
		// write are two writes; never more, and never the buffer's flush
		// alone followed by its own tail.
		if n := conn.count(); n > 2 || (len(want) <= heldBytes && n != 1) {
			t.Errorf("size %d: %d writes to the socket %v, want 1 (2 with a large payload)", size, n, lens(conn.writes))
		}
		if err := k.uncork(); err != nil {
			t.Fatal(err)
		}
		if n := conn.count(); n > 2 {
			t.Errorf("size %d: uncork wrote again", size)
		}
	}
}

func TestCorkPassesWritesOutsideAFlushStraightThrough(t *testing.T) {
	conn := &recordingConn{}
	k := &cork{conn: conn}
	bw := bufio.NewWriterSize(k, writeBufferSize)
	frame(t, bw, []byte("pong"))
	if conn.count() != 1 {
		t.Fatalf("a write outside a flush made %d socket writes, want 1 at once", conn.count())
	}

	// A pong written after the cork went in (before the flush's frame got
	// the frame lock) goes out with that frame, before it.
	entry := bytes.Repeat([]byte("entry"), 200)
	k.corkIn(len(entry))
	frame(t, bw, []byte("pong2"))
	if conn.count() != 1 {
		t.Fatalf("the pong went out alone while the cork was in: %v", lens(conn.writes))
	}
	frame(t, bw, entry)
	if conn.count() != 2 {
		t.Fatalf("the pong and the frame made %v, want one write", lens(conn.writes[1:]))
	}
	got := conn.writes[1]
	if !bytes.HasPrefix(got, append(header(5), "pong2"...)) || !bytes.HasSuffix(got, entry) {
		t.Errorf("the write was %d bytes, want the pong then the frame", len(got))
	}
	if err := k.uncork(); err != nil {
		t.Fatal(err)
	}
	frame(t, bw, []byte("pong3"))
	if conn.count() != 3 {
		t.Errorf("after uncork a write was held")
	}
}

func TestUncorkWritesWhatAFailedFrameLeft(t *testing.T) {
	conn := &recordingConn{}
	k := &cork{conn: conn}
	bw := bufio.NewWriterSize(k, writeBufferSize)
	k.corkIn(1000)
	frame(t, bw, []byte("pong")) // the frame itself never comes
	if conn.count() != 0 {
		t.Fatal("held bytes went out early")
	}
	if err := k.uncork(); err != nil {
		t.Fatal(err)
	}
	if got := conn.joined(); !bytes.Equal(got, append(header(4), "pong"...)) {
		t.Errorf("uncork wrote %q", got)
	}
}

func TestClosingTheConnectionWritesWhatIsHeld(t *testing.T) {
	conn := &recordingConn{}
	k := &cork{conn: conn}
	cc := corkedConn{Conn: conn, k: k}
	bw := bufio.NewWriterSize(k, writeBufferSize)
	k.corkIn(1000)
	// The reader answers a peer's close just before the flush's frame
	// gets the frame lock, then closes the connection.
	frame(t, bw, []byte("close"))
	if err := cc.Close(); err != nil {
		t.Fatal(err)
	}
	if got := conn.joined(); !bytes.Equal(got, append(header(5), "close"...)) {
		t.Errorf("the close wrote %q, want the held close frame", got)
	}
	if k.held != nil {
		t.Error("the cork is still in after the close")
	}

	// A close while a write is under way (holding the cork's lock, as a
	// stuck write does) does not wait for it.
	conn2 := &recordingConn{}
	k2 := &cork{conn: conn2}
	k2.mu.Lock()
	done := make(chan error, 1)
	go func() { done <- corkedConn{Conn: conn2, k: k2}.Close() }()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	k2.mu.Unlock()
}

// corkedPair returns the two ends of a real websocket whose server end
// writes through a cork, as accept makes it.
func corkedPair(t *testing.T) (server *websocket.Conn, k *cork, client *websocket.Conn) {
	t.Helper()
	corks := make(chan *smallBuffers, 1)
	server, client = wsPairOver(t, func(w http.ResponseWriter) http.ResponseWriter {
		bufs := &smallBuffers{ResponseWriter: w}
		corks <- bufs
		return bufs
	})
	if k = (<-corks).out; k == nil {
		t.Fatal("the server end was not hijacked through the small buffers")
	}
	return server, k, client
}

// message is the n-th test message: its number, then filler up to a size
// that crosses the write buffer's bound one way or the other.
func message(n int) []byte {
	size := []int{20, writeBufferSize - 4, writeBufferSize, writeBufferSize + 3, heldBytes, 3000, 70000}[n%7]
	return fmt.Appendf(nil, "%d:%s", n, bytes.Repeat([]byte{'a' + byte(n%26)}, size))
}

// TestCorkedFramesArriveWholeBesideOtherWriters writes messages of every
// size through the cork over a real socket while another goroutine pings
// (the client's pongs come back through the server's reader), and then
// the client closes during the stream: every message arrives whole and in
// order, and the close handshake completes.
func TestCorkedFramesArriveWholeBesideOtherWriters(t *testing.T) {
	server, k, client := corkedPair(t)
	c := &Conn{ws: server, out: k}
	const total = 400
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	serverRead := make(chan error, 1)
	go func() {
		_, _, err := server.Read(ctx) // answers the client's pings and close
		serverRead <- err
	}()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(2)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			pctx, pcancel := context.WithTimeout(ctx, 5*time.Second)
			err := server.Ping(pctx)
			pcancel()
			if err != nil {
				return
			}
		}
	}()
	written := make(chan error, 1)
	go func() {
		defer wg.Done()
		for n := range total {
			if err := c.writeCorked(message(n)); err != nil {
				written <- err
				return
			}
		}
		written <- nil
	}()
	for n := range total {
		typ, got, err := client.Read(ctx)
		if err != nil {
			t.Fatalf("message %d: %v", n, err)
		}
		if want := message(n); typ != websocket.MessageText || !bytes.Equal(got, want) {
			t.Fatalf("message %d: got %d bytes starting %.12q, want %d bytes starting %.12q", n, len(got), got, len(want), want)
		}
	}
	if err := <-written; err != nil {
		t.Fatalf("write: %v", err)
	}
	close(stop)

	// The client closes while the server goes on writing: the server's
	// reader answers the close between two frames, and the client sees
	// its close answered, not a torn frame.
	more := make(chan struct{})
	go func() {
		defer close(more)
		for n := 0; ; n++ {
			if c.writeCorked(message(n)) != nil {
				return
			}
		}
	}()
	closed := make(chan error, 1)
	go func() { closed <- client.Close(websocket.StatusNormalClosure, "bye") }()
	if err := <-closed; err != nil && !errors.Is(err, net.ErrClosed) {
		t.Errorf("the client's close: %v", err)
	}
	if err := <-serverRead; websocket.CloseStatus(err) != websocket.StatusNormalClosure {
		t.Errorf("the server's reader ended with %v, want the client's normal close", err)
	}
	<-more
	wg.Wait()
}

func lens(writes [][]byte) []int {
	var n []int
	for _, w := range writes {
		n = append(n, len(w))
	}
	return n
}

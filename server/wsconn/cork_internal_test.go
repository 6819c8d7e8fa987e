package wsconn

import (
	"bufio"
	"bytes"
	"net"
	"sync"
	"testing"
)

// recordingConn is a net.Conn that keeps each Write it gets.
type recordingConn struct {
	net.Conn
	mu     sync.Mutex
	writes [][]byte
}

func (r *recordingConn) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.writes = append(r.writes, bytes.Clone(p))
	return len(p), nil
}

func (r *recordingConn) joined() []byte { return bytes.Join(r.writes, nil) }

// frame writes what coder/websocket writes for a message: a header into
// the buffer, the payload after it, then a flush.
func frame(t *testing.T, bw *bufio.Writer, payload []byte) {
	t.Helper()
	if _, err := bw.Write([]byte{0x81, 0x7e, byte(len(payload) >> 8), byte(len(payload))}); err != nil {
		t.Fatal(err)
	}
	if _, err := bw.Write(payload); err != nil {
		t.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
}

func TestCorkSendsAFrameLargerThanTheBufferInOneGo(t *testing.T) {
	for _, size := range []int{100, writeBufferSize, writeBufferSize + 100, heldBytes, 5000, 70000} {
		conn := &recordingConn{}
		k := &cork{conn: conn}
		bw := bufio.NewWriterSize(k, writeBufferSize)
		payload := bytes.Repeat([]byte{'x'}, size)
		payload[len(payload)-1] = 'z'

		k.corkIn()
		frame(t, bw, payload)
		if err := k.uncork(); err != nil {
			t.Fatal(err)
		}
		want := append([]byte{0x81, 0x7e, byte(size >> 8), byte(size)}, payload...)
		if got := conn.joined(); !bytes.Equal(got, want) {
			t.Fatalf("size %d: the socket got %d bytes, not the frame's %d in order", size, len(got), len(want))
		}
		// Without writev (this fake conn), the held bytes and the large
		// write are two writes; never more, and never the buffer's flush
		// alone followed by its own tail.
		if limit := 2; len(conn.writes) > limit || (len(want) <= heldBytes && len(conn.writes) != 1) {
			t.Errorf("size %d: %d writes to the socket %v, want 1 (2 with a large payload)", size, len(conn.writes), lens(conn.writes))
		}
	}
}

func TestCorkPassesWritesOutsideAFlushStraightThrough(t *testing.T) {
	conn := &recordingConn{}
	k := &cork{conn: conn}
	bw := bufio.NewWriterSize(k, writeBufferSize)
	frame(t, bw, []byte("pong"))
	if len(conn.writes) != 1 {
		t.Fatalf("a write outside a flush made %d socket writes, want 1 at once", len(conn.writes))
	}

	// A pong written while a flush holds the cork goes out with it, after
	// what was held before it.
	k.corkIn()
	frame(t, bw, []byte("entry"))
	frame(t, bw, []byte("pong2"))
	if len(conn.writes) != 1 {
		t.Fatalf("writes went out while the cork was in: %v", lens(conn.writes))
	}
	if err := k.uncork(); err != nil {
		t.Fatal(err)
	}
	if got := string(conn.writes[1]); !bytes.Contains([]byte(got), []byte("entry")) || bytes.Index([]byte(got), []byte("entry")) > bytes.Index([]byte(got), []byte("pong2")) {
		t.Errorf("uncork wrote %q, want the entry then the pong", got)
	}
}

func lens(writes [][]byte) []int {
	var n []int
	for _, w := range writes {
		n = append(n, len(w))
	}
	return n
}

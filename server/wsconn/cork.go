package wsconn

import (
	"net"
	"sync"
	"time"
)

// cork is the writer under a connection's small write buffer. A frame
// larger than the buffer would leave in two system calls: the buffer
// flushed with the frame's header and the start of its payload, then the
// rest. While a flush writes a frame the cork is in for that frame's
// bytes: it holds what the buffer flushes until the frame is whole (or
// what is held would overflow), then writes it in one system call (a
// writev with a large write). The frame has therefore left before
// coder/websocket releases its frame lock: no other writer (a pong from
// the reader, a ping, the close frame, a close of the connection) can come
// between the held bytes and the socket. Outside a flush every write goes
// straight through.
type cork struct {
	conn net.Conn

	mu   sync.Mutex
	want int       // bytes of the corked frame not yet written or held
	held *[]byte   // borrowed from heldBuffers while corked
	vec  [2][]byte // a writev's held bytes and large write
}

// heldBytes is how much a cork holds before it writes: two flushes of the
// write buffer, the most one frame's header and payload tail can make.
const heldBytes = 2 * writeBufferSize

var heldBuffers = sync.Pool{New: func() any { b := make([]byte, 0, heldBytes); return &b }}

// frameBytes is the size on the wire of a server's (unmasked, unfragmented)
// websocket frame with a payload of n bytes.
func frameBytes(n int) int {
	switch {
	case n <= 125:
		return 2 + n
	case n <= 0xffff:
		return 4 + n
	default:
		return 10 + n
	}
}

// Write holds p while the cork is in, p fits and the frame is not whole
// yet; otherwise it writes what is held and p in one system call. p is
// never kept after Write returns.
func (k *cork) Write(p []byte) (int, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.held == nil {
		return k.conn.Write(p)
	}
	h := *k.held
	if len(h)+len(p) < k.want && len(h)+len(p) <= cap(h) {
		*k.held = append(h, p...)
		return len(p), nil
	}
	k.want -= len(h) + len(p)
	if k.want <= 0 {
		defer k.release()
	}
	if len(h) == 0 {
		return k.conn.Write(p)
	}
	if len(h)+len(p) <= cap(h) {
		// The frame's end: it all fits the held buffer, one write.
		n, err := k.conn.Write(append(h, p...))
		*k.held = h[:0]
		return max(n-len(h), 0), err
	}
	k.vec = [2][]byte{h, p}
	bufs := net.Buffers(k.vec[:])
	n, err := bufs.WriteTo(k.conn)
	k.vec = [2][]byte{}
	*k.held = h[:0]
	return int(min(max(n-int64(len(h)), 0), int64(len(p)))), err
}

// corkIn holds the buffer's flushes until the frame of a payload of n
// bytes has been written whole (or uncork).
func (k *cork) corkIn(n int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.held == nil {
		k.held = heldBuffers.Get().(*[]byte)
	}
	k.want = frameBytes(n)
}

// uncork writes whatever is still held (nothing once the frame was written
// whole) and lets writes through again.
func (k *cork) uncork() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.writeHeld()
}

// writeHeld writes what is held and releases the cork; k.mu is held.
func (k *cork) writeHeld() error {
	if k.held == nil {
		return nil
	}
	var err error
	if len(*k.held) > 0 {
		_, err = k.conn.Write(*k.held)
	}
	k.release()
	return err
}

// release gives the held buffer back; k.mu is held.
func (k *cork) release() {
	*k.held = (*k.held)[:0]
	heldBuffers.Put(k.held)
	k.held, k.want = nil, 0
}

// closeFlushTimeout bounds the write of what a cork holds when its
// connection is closed.
const closeFlushTimeout = 100 * time.Millisecond

// corkedConn is the connection coder/websocket gets: closing it first
// writes what the cork may hold (a control frame written just before a
// flush's frame), unless a write is under way (it may be the stuck write
// the close is for).
type corkedConn struct {
	net.Conn
	k *cork
}

// Close writes what is held, within closeFlushTimeout, and closes.
func (c corkedConn) Close() error {
	if c.k.mu.TryLock() {
		if c.k.held != nil && len(*c.k.held) > 0 {
			_ = c.Conn.SetWriteDeadline(time.Now().Add(closeFlushTimeout))
		}
		_ = c.k.writeHeld() // the connection ends either way
		c.k.mu.Unlock()
	}
	return c.Conn.Close()
}

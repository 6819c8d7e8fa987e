package wsconn

import (
	"net"
	"sync"
)

// cork is the writer under a connection's small write buffer. A frame
// larger than the buffer would leave in two system calls: the buffer
// flushed with the frame's header and the start of its payload, then the
// rest. While the flush writes a frame the cork is in: what the buffer
// flushes is held, and goes out with the next large write in one writev,
// or at uncork. Outside a flush (a pong from the reader, the close frame)
// every write goes straight to the socket.
type cork struct {
	conn net.Conn

	mu   sync.Mutex
	in   bool
	held *[]byte   // borrowed from heldBuffers while in
	vec  [2][]byte // a writev's held bytes and large write
}

// heldBytes is how much a cork holds before it writes: two flushes of the
// write buffer, the most one frame's header and payload tail can make.
const heldBytes = 2 * writeBufferSize

var heldBuffers = sync.Pool{New: func() any { b := make([]byte, 0, heldBytes); return &b }}

// Write holds p while the cork is in and p fits; otherwise it writes what
// is held and p in one system call. p is never kept after Write returns.
func (k *cork) Write(p []byte) (int, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if !k.in {
		return k.conn.Write(p)
	}
	if h := *k.held; len(h)+len(p) <= cap(h) {
		*k.held = append(h, p...)
		return len(p), nil
	}
	if len(*k.held) == 0 {
		return k.conn.Write(p)
	}
	h := *k.held
	k.vec = [2][]byte{h, p}
	bufs := net.Buffers(k.vec[:])
	n, err := bufs.WriteTo(k.conn)
	k.vec = [2][]byte{}
	*k.held = h[:0]
	return int(min(max(n-int64(len(h)), 0), int64(len(p)))), err
}

// corkIn holds the buffer's flushes until uncork.
func (k *cork) corkIn() {
	k.mu.Lock()
	k.in = true
	k.held = heldBuffers.Get().(*[]byte)
	k.mu.Unlock()
}

// uncork writes what is held and lets writes through again.
func (k *cork) uncork() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.in = false
	held := k.held
	k.held = nil
	var err error
	if len(*held) > 0 {
		_, err = k.conn.Write(*held)
	}
	*held = (*held)[:0]
	heldBuffers.Put(held)
	return err
}

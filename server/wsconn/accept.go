package wsconn

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"

	"github.com/coder/websocket"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/metrics"
)

// accept checks the handshake, makes the Session and takes the socket
// over; it reports false when it refused the request (and answered it).
func (s *Server) accept(w http.ResponseWriter, r *http.Request, open func(http.ResponseWriter, *http.Request) (string, Session)) (*Conn, bool) {
	if cl := s.refusal(); cl.Code != 0 {
		s.metrics.Refused(metrics.RefusedDraining)
		w.Header().Set("Retry-After", "1")
		http.Error(w, cl.Reason+"; connect again", http.StatusServiceUnavailable)
		return nil, false
	}
	if !offers(r, chat.Subprotocol) {
		s.metrics.Refused(metrics.RefusedSubprotocol)
		http.Error(w, "this server speaks the websocket subprotocol "+chat.Subprotocol, http.StatusBadRequest)
		return nil, false
	}
	addr := s.opts.ClientAddr(r)
	if !s.addrs.acquire(addr) {
		s.metrics.Refused(metrics.RefusedAddrLimit)
		http.Error(w, "too many connections from your address", http.StatusTooManyRequests)
		return nil, false
	}
	group, session := open(w, r)
	bufs := &smallBuffers{ResponseWriter: w}
	ws, err := websocket.Accept(bufs, r, &websocket.AcceptOptions{
		Subprotocols:   []string{chat.Subprotocol},
		OriginPatterns: s.opts.OriginPatterns,
	})
	if err != nil {
		s.addrs.release(addr)
		s.log.Debug("websocket refused", "addr", addr, "err", err)
		return nil, false
	}
	ws.SetReadLimit(chat.ServerReadLimit)
	c := newConn(s, ws, addr, group, session)
	c.out = bufs.out
	return c, true
}

// offers reports whether a websocket handshake offers the subprotocol.
func offers(r *http.Request, protocol string) bool {
	for _, v := range r.Header.Values("Sec-WebSocket-Protocol") {
		for _, p := range strings.Split(v, ",") {
			if strings.TrimSpace(p) == protocol {
				return true
			}
		}
	}
	return false
}

// ClientAddr returns the IP address the request came from: the key of the
// per-address limits.
func ClientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// addrCounter counts open connections per address.
type addrCounter struct {
	mu    sync.Mutex
	limit int
	open  map[string]int
}

func (c *addrCounter) acquire(addr string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.open[addr] >= c.limit {
		return false
	}
	c.open[addr]++
	return true
}

func (c *addrCounter) release(addr string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.open[addr]--; c.open[addr] <= 0 {
		delete(c.open, addr)
	}
}

// smallBuffers wraps a ResponseWriter so that the websocket taken over from
// it reads and writes through small buffers instead of net/http's 4 KiB
// ones: most of an idle connection's memory. Frames larger than a buffer
// are read and written straight through, the writes through a cork.
type smallBuffers struct {
	http.ResponseWriter
	out *cork // the writer under the write buffer, once hijacked
}

// Buffer sizes of a websocket: client frames are small, and a chat entry
// fits the write buffer; larger server frames (batches, rosters, history
// pages) go out in the same system call thanks to the cork. Every idle
// connection pays for both buffers.
const (
	readBufferSize  = 256
	writeBufferSize = 512
)

// Hijack takes the connection over with small buffers, keeping any bytes
// net/http had read ahead.
func (w *smallBuffers) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("wsconn: the response writer cannot be hijacked")
	}
	conn, brw, err := h.Hijack()
	if err != nil {
		return nil, nil, err
	}
	var r io.Reader = conn
	if n := brw.Reader.Buffered(); n > 0 {
		ahead, _ := brw.Reader.Peek(n)
		r = io.MultiReader(bytes.NewReader(bytes.Clone(ahead)), conn)
	}
	w.out = &cork{conn: conn}
	return corkedConn{Conn: conn, k: w.out}, bufio.NewReadWriter(bufio.NewReaderSize(r, readBufferSize), bufio.NewWriterSize(w.out, writeBufferSize)), nil
}

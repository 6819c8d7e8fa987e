package server

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/time/rate"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/auth"
	"github.com/founding/chat/server/hub"
)

// session is one websocket connection: a reader goroutine that handles the
// client's frames in order, and, only while there is something to send, a
// flush goroutine that drains the queue the hub fills and writes it in as
// few websocket messages as it can. An idle connection costs one goroutine
// (blocked in Read) and its buffers. Pings and write timeouts are checked
// for every connection at once by the server's sweeper. It implements
// hub.Sink.
type session struct {
	srv   *Server
	conn  *websocket.Conn
	token string
	addr  string
	queue *queue
	ctx   context.Context // the server's: storage calls end when it closes
	ended atomic.Bool     // the session is over

	user      auth.User // set by the reader goroutine once the session has a name
	limitOnce sync.Once
	frames    *rate.Limiter // see limits
	strikes   *rate.Limiter
	pinging   atomic.Bool
	pinged    atomic.Int64 // Unix ns of the latest ping

	flushMu    sync.Mutex
	flushing   bool           // a flush goroutine runs; guarded by flushMu
	stopped    bool           // no flush may start any more; guarded by flushMu
	flushDone  sync.WaitGroup // the running flush goroutine
	writeStart atomic.Int64   // Unix ns the current write began, 0 when none

	closeOnce sync.Once
	closing   atomic.Pointer[chat.Close]
}

// serveWS accepts a websocket and runs its session until it ends.
func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	if !offers(r, chat.Subprotocol) {
		http.Error(w, "this server speaks the websocket subprotocol "+chat.Subprotocol, http.StatusBadRequest)
		return
	}
	addr := clientAddr(r)
	if !s.conns.acquire(addr) {
		http.Error(w, "too many connections from your address", http.StatusTooManyRequests)
		return
	}
	token := s.sessionToken(w, r)
	conn, err := websocket.Accept(smallBuffers{w}, r, &websocket.AcceptOptions{
		Subprotocols:   []string{chat.Subprotocol},
		OriginPatterns: s.opts.OriginPatterns,
	})
	if err != nil {
		s.conns.release(addr)
		s.log.Debug("websocket refused", "addr", addr, "err", err)
		return
	}
	conn.SetReadLimit(chat.ServerReadLimit)
	ss := &session{
		srv: s, conn: conn, token: token, addr: addr,
		queue: newQueue(s.opts.QueueBytes),
		ctx:   s.ctx,
	}
	s.track(ss, true)
	// The session gets a goroutine of its own, and this handler returns:
	// net/http then lets go of the request, its buffers and the deep stack
	// of the handshake, which an idle connection would otherwise keep.
	go func() {
		defer s.conns.release(addr)
		defer s.track(ss, false)
		ss.run()
	}()
}

// Bad frames: a client may send badFrameBurst of them in a row, then one per
// badFrameWindow/badFrameBurst; past that it is closed as broken.
const (
	badFrameBurst  = 10
	badFrameWindow = 10 * time.Second
)

func (ss *session) run() {
	ss.pinged.Store(time.Now().UnixNano())
	ss.deep(ss.greet)
	ss.readLoop()
	ss.end()
	ss.stopFlushing()
	if ss.user.Key != "" {
		ss.srv.hub.Disconnect(ss)
	}
	ss.conn.CloseNow()
}

// end marks the session over: replies waiting for room in its queue give
// up, and no more pings go out.
func (ss *session) end() {
	ss.ended.Store(true)
	ss.queue.close()
}

// limits returns the session's frame and bad-frame rate limiters, made on
// first use: most connections send little, and many send nothing for hours.
func (ss *session) limits() (frames, strikes *rate.Limiter) {
	ss.limitOnce.Do(func() {
		ss.frames = rate.NewLimiter(rate.Limit(ss.srv.opts.FrameRate), ss.srv.opts.FrameBurst)
		ss.strikes = rate.NewLimiter(rate.Every(badFrameWindow/badFrameBurst), badFrameBurst)
	})
	return ss.frames, ss.strikes
}

// logger returns the server's logger with the connection's address; made
// when needed rather than kept, since idle connections outnumber log lines.
func (ss *session) logger() *slog.Logger { return ss.srv.log.With("addr", ss.addr) }

// greet sends the Welcome: the user's own when the session has a name.
func (ss *session) greet() {
	u, err := ss.srv.accounts.Lookup(ss.ctx, ss.token)
	switch {
	case err == nil:
		ss.join(u)
	case errors.Is(err, auth.ErrNoSession):
		w := ss.srv.welcome
		w.NeedName = true
		ss.sendFrame(&w)
	default:
		ss.logger().Error("session lookup failed", "err", err)
		ss.sendError(chat.Errorf(chat.CodeInternal, "the server could not read your session; reconnecting"))
		ss.close(chat.CloseInternal.WithReason("session lookup failed"))
	}
}

// join connects the session's user to the hub, which sends the Welcome.
func (ss *session) join(u auth.User) {
	if err := ss.srv.hub.Connect(ss.ctx, hub.User{Key: u.Key, Name: u.Name, Password: u.HasPassword}, ss); err != nil {
		ss.sendError(err)
		ss.close(chat.CloseInternal.WithReason("could not load the user"))
		return
	}
	ss.user = u
}

// Send queues an encoded frame and makes sure it gets written; a
// connection whose queue overflows is evicted as a slow consumer.
func (ss *session) Send(frame []byte) {
	if !ss.queue.push(frame) {
		ss.close(chat.CloseSlowConsumer)
		return
	}
	ss.kick()
}

// SendWithNext keeps frame to go out with the next frame Send queues,
// replacing the one kept for slot; it wakes nothing (hub.Sink).
func (ss *session) SendWithNext(slot string, frame []byte) {
	ss.queue.pushLater(slot, frame)
}

// kick starts a flush goroutine unless one runs already.
func (ss *session) kick() {
	ss.flushMu.Lock()
	defer ss.flushMu.Unlock()
	if ss.flushing || ss.stopped {
		return
	}
	ss.flushing = true
	ss.flushDone.Add(1)
	go ss.flush()
}

// stopFlushing prevents new flushes and waits for the running one.
func (ss *session) stopFlushing() {
	ss.flushMu.Lock()
	ss.stopped = true
	ss.flushMu.Unlock()
	ss.flushDone.Wait()
}

// flush writes whatever is queued, everything pending at once, until the
// queue is empty; then it ends. A requested close is written after what
// was queued before it.
func (ss *session) flush() {
	defer ss.flushDone.Done()
	frames, buf := flushBuffers.get()
	defer func() { flushBuffers.put(frames, buf) }()
	for {
		// Let whoever is filling queues (a fan-out to a large room) go on
		// first: under load more frames then go out per write; when the
		// machine is idle this returns at once.
		runtime.Gosched()
		frames = ss.queue.take(frames)
		if len(frames) == 0 {
			if req := ss.closing.Load(); req != nil {
				ss.finishClose(req)
				return
			}
			if ss.idle() {
				return
			}
			continue
		}
		var err error
		buf, err = ss.write(frames, buf)
		clear(frames)
		frames = frames[:0]
		if err != nil {
			ss.logger().Debug("write failed", "err", err)
			ss.end()
			ss.conn.CloseNow()
			ss.idle()
			return
		}
	}
}

// idle ends a flush when nothing was queued meanwhile; it reports whether
// the flush goroutine is to end.
func (ss *session) idle() bool {
	ss.flushMu.Lock()
	defer ss.flushMu.Unlock()
	if ss.queue.size() > 0 && !ss.stopped && ss.closing.Load() == nil {
		return false
	}
	if ss.closing.Load() != nil && !ss.stopped {
		return false // write the close next round
	}
	ss.flushing = false
	ss.queue.trim()
	return true
}

// finishClose sends the close frame and ends the connection.
func (ss *session) finishClose(req *chat.Close) {
	ss.writeStart.Store(time.Now().UnixNano())
	ss.conn.Close(websocket.StatusCode(req.Code), req.Reason)
	ss.writeStart.Store(0)
	ss.end()
	ss.flushMu.Lock()
	ss.flushing = false
	ss.flushMu.Unlock()
}

func (ss *session) sendFrame(f chat.Frame) {
	b, err := chat.Encode(f)
	if err != nil {
		ss.logger().Error("encode failed", "type", f.FrameType(), "err", err)
		return
	}
	ss.Send(b)
}

// sendReply queues the answer to the client's own request, waiting for
// room in the queue instead of evicting the client for asking much.
func (ss *session) sendReply(f chat.Frame) {
	b, err := chat.Encode(f)
	if err != nil {
		ss.logger().Error("encode failed", "type", f.FrameType(), "err", err)
		return
	}
	if !ss.queue.pushWait(ss.ctx, b) {
		if !ss.ended.Load() {
			ss.close(chat.CloseSlowConsumer)
		}
		return
	}
	ss.kick()
}

// close ends the connection with c, once, without blocking. A slow
// consumer is cut off at once (its queue is what overflowed); any other
// close goes through a flush, after the frames queued before it, so error
// frames explaining a close are not lost.
func (ss *session) close(c chat.Close) {
	ss.closeOnce.Do(func() {
		ss.logger().Info("closing connection", "code", c.Code, "reason", c.Reason)
		ss.srv.closes.count(c)
		if c.Code != chat.CloseSlowConsumer.Code {
			ss.closing.Store(&c)
			ss.kick()
			return
		}
		go func() {
			ss.srv.hub.Disconnect(ss) // stop fanning out to it now
			ss.conn.Close(websocket.StatusCode(c.Code), c.Reason)
			ss.end()
		}()
	})
}

func (ss *session) readLoop() {
	for {
		// No context: one would be registered on every read. Every way a
		// session ends closes the connection, which ends the read.
		typ, data, err := ss.conn.Read(context.Background())
		if err != nil {
			ss.logEnd(err)
			return
		}
		ss.deep(func() { ss.process(typ, data) })
	}
}

// process decodes, checks and handles one message from the client.
func (ss *session) process(typ websocket.MessageType, data []byte) {
	if typ != websocket.MessageText {
		ss.reject(chat.Errorf(chat.CodeBadRequest, "binary frames are not part of %s; send JSON text", chat.Subprotocol))
		return
	}
	f, err := chat.DecodeClient(data)
	if err != nil {
		ss.reject(err)
		return
	}
	if frames, _ := ss.limits(); !frames.Allow() {
		ss.sendError(rateLimited(f))
		return
	}
	ss.handle(f)
}

// deep runs f, which may call deep into storage, on a short-lived
// goroutine and waits for it: the session's own goroutine, which spends its
// life blocked in Read, keeps a small stack.
func (ss *session) deep(f func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	<-done
}

// rateLimited is the error for a frame over the connection's rate; a
// message keeps its id so the client can send it again.
func rateLimited(f chat.Frame) *chat.Error {
	e := &chat.Error{Code: chat.CodeRateLimited, Message: "too many frames; slow down", Ref: f.FrameType()}
	if s, ok := f.(*chat.Send); ok {
		id := s.ID
		e.ID = &id
	}
	return e
}

// reject answers a bad frame with an error frame; a client that keeps
// sending them is closed with a policy violation.
func (ss *session) reject(err error) {
	ss.sendError(err)
	if _, strikes := ss.limits(); !strikes.Allow() {
		ss.close(chat.ClosePolicy)
	}
}

func (ss *session) sendError(err error) {
	var ce *chat.Error
	if !errors.As(err, &ce) {
		ss.logger().Error("request failed", "err", err)
		ce = chat.Errorf(chat.CodeInternal, "the server failed; try again")
	}
	ss.sendFrame(ce)
}

func (ss *session) logEnd(err error) {
	status := websocket.CloseStatus(err)
	switch {
	case status == websocket.StatusNormalClosure || status == websocket.StatusGoingAway:
		ss.logger().Debug("connection closed", "user", ss.user.Name, "status", status)
	case ss.ended.Load():
		ss.logger().Debug("connection ended", "user", ss.user.Name)
	default:
		ss.logger().Info("connection lost", "user", ss.user.Name, "status", status, "err", err)
	}
}

// write sends frames as few websocket messages as the frame size allows:
// one frame alone, several as a batch.
func (ss *session) write(frames [][]byte, buf []byte) ([]byte, error) {
	for len(frames) > 0 {
		n, size := 1, len(frames[0])
		for n < len(frames) && chat.BatchSize(n+1, size+len(frames[n])) <= chat.MaxServerFrameBytes {
			size += len(frames[n])
			n++
		}
		msg := frames[0]
		if n > 1 {
			buf = chat.AppendBatch(slices.Grow(buf[:0], chat.BatchSize(n, size)), frames[:n])
			msg = buf
		}
		// No per-write context (it would cost a timer each time): the
		// server's sweeper closes a connection whose write takes longer
		// than WriteTimeout.
		ss.writeStart.Store(time.Now().UnixNano())
		err := ss.conn.Write(context.Background(), websocket.MessageText, msg)
		ss.writeStart.Store(0)
		if err != nil {
			return buf, err
		}
		frames = frames[n:]
	}
	return buf, nil
}

// ping checks that the client still answers; one that does not is closed.
// The sweeper calls it every PingInterval.
func (ss *session) ping() {
	if !ss.pinging.CompareAndSwap(false, true) {
		return
	}
	ss.pinged.Store(time.Now().UnixNano())
	go func() {
		defer ss.pinging.Store(false)
		ctx, cancel := context.WithTimeout(ss.ctx, ss.srv.opts.PingTimeout)
		defer cancel()
		if err := ss.conn.Ping(ctx); err != nil && !ss.ended.Load() {
			ss.close(chat.CloseHeartbeat)
		}
	}()
}

// smallBuffers wraps a ResponseWriter so that the websocket taken over from
// it reads and writes through small buffers instead of net/http's 4 KiB
// ones: most of an idle connection's memory. Frames larger than a buffer
// are read and written straight through.
type smallBuffers struct {
	http.ResponseWriter
}

// Buffer sizes of a websocket: client frames are small, and a chat entry
// fits the write buffer; larger server frames (batches, rosters, history
// pages) go out in one more system call. Every idle connection pays for
// both buffers.
const (
	readBufferSize  = 256
	writeBufferSize = 512
)

// Hijack takes the connection over with small buffers, keeping any bytes
// net/http had read ahead.
func (w smallBuffers) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("server: the response writer cannot be hijacked")
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
	return conn, bufio.NewReadWriter(bufio.NewReaderSize(r, readBufferSize), bufio.NewWriterSize(conn, writeBufferSize)), nil
}

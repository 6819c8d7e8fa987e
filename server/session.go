package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
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
// client's frames in order, and a writer goroutine that drains the queue the
// hub fills. It implements hub.Sink.
type session struct {
	srv    *Server
	conn   *websocket.Conn
	token  string
	addr   string
	log    *slog.Logger
	queue  *queue
	ctx    context.Context
	cancel context.CancelFunc

	user    auth.User // set by the reader goroutine once the session has a name
	frames  *rate.Limiter
	strikes *rate.Limiter
	pinging atomic.Bool

	closeOnce sync.Once
	closing   atomic.Pointer[closeRequest]
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
	defer s.conns.release(addr)

	token := s.sessionToken(w, r)
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		Subprotocols:   []string{chat.Subprotocol},
		OriginPatterns: s.opts.OriginPatterns,
	})
	if err != nil {
		s.log.Debug("websocket refused", "addr", addr, "err", err)
		return
	}
	conn.SetReadLimit(chat.ServerReadLimit)
	ctx, cancel := context.WithCancel(s.ctx)
	ss := &session{
		srv: s, conn: conn, token: token, addr: addr,
		log:     s.log.With("addr", addr),
		queue:   newQueue(s.opts.QueueBytes),
		ctx:     ctx,
		cancel:  cancel,
		frames:  rate.NewLimiter(rate.Limit(s.opts.FrameRate), s.opts.FrameBurst),
		strikes: rate.NewLimiter(rate.Every(badFrameWindow/badFrameBurst), badFrameBurst),
	}
	s.track(ss, true)
	defer s.track(ss, false)
	ss.run()
}

// Bad frames: a client may send badFrameBurst of them in a row, then one per
// badFrameWindow/badFrameBurst; past that it is closed as broken.
const (
	badFrameBurst  = 10
	badFrameWindow = 10 * time.Second
)

func (ss *session) run() {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		ss.writeLoop()
	}()
	ss.greet()
	ss.readLoop()
	ss.cancel()
	wg.Wait()
	if ss.user.Key != "" {
		ss.srv.hub.Disconnect(ss)
	}
	ss.conn.CloseNow()
}

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
		ss.log.Error("session lookup failed", "err", err)
		ss.sendError(chat.Errorf(chat.CodeInternal, "the server could not read your session; reconnecting"))
		ss.close(chat.CloseInternal, "session lookup failed")
	}
}

// join connects the session's user to the hub, which sends the Welcome.
func (ss *session) join(u auth.User) {
	if err := ss.srv.hub.Connect(ss.ctx, hub.User{Key: u.Key, Name: u.Name, Password: u.HasPassword}, ss); err != nil {
		ss.sendError(err)
		ss.close(chat.CloseInternal, "could not load the user")
		return
	}
	ss.user = u
}

// Send queues an encoded frame; a connection whose queue overflows is
// evicted as a slow consumer.
func (ss *session) Send(frame []byte) {
	if !ss.queue.push(frame) {
		ss.close(chat.CloseSlowConsumer, "slow consumer: you were not reading fast enough")
	}
}

func (ss *session) sendFrame(f chat.Frame) {
	b, err := chat.Encode(f)
	if err != nil {
		ss.log.Error("encode failed", "type", f.FrameType(), "err", err)
		return
	}
	ss.Send(b)
}

// closeRequest is a close the writer performs once it has written what
// was queued before it, so error frames explaining a close are not lost.
type closeRequest struct {
	code   int
	reason string
}

// sendReply queues the answer to the client's own request, waiting for
// room in the queue instead of evicting the client for asking much.
func (ss *session) sendReply(f chat.Frame) {
	b, err := chat.Encode(f)
	if err != nil {
		ss.log.Error("encode failed", "type", f.FrameType(), "err", err)
		return
	}
	if !ss.queue.pushWait(ss.ctx, b) && ss.ctx.Err() == nil {
		ss.close(chat.CloseSlowConsumer, "slow consumer: you were not reading fast enough")
	}
}

// close ends the connection with a code and reason, once, without blocking.
// A slow consumer is cut off at once (its queue is what overflowed); any
// other close goes through the writer, after the frames queued before it.
func (ss *session) close(code int, reason string) {
	ss.closeOnce.Do(func() {
		ss.log.Info("closing connection", "code", code, "reason", reason)
		ss.srv.closes.count(code)
		if code != chat.CloseSlowConsumer {
			ss.closing.Store(&closeRequest{code, reason})
			ss.queue.poke()
			return
		}
		go func() {
			ss.srv.hub.Disconnect(ss) // stop fanning out to it now
			ss.conn.Close(websocket.StatusCode(code), reason)
			ss.cancel()
		}()
	})
}

func (ss *session) readLoop() {
	for {
		typ, data, err := ss.conn.Read(ss.ctx)
		if err != nil {
			ss.logEnd(err)
			return
		}
		if typ != websocket.MessageText {
			ss.reject(chat.Errorf(chat.CodeBadRequest, "binary frames are not part of %s; send JSON text", chat.Subprotocol))
			continue
		}
		f, err := chat.DecodeClient(data)
		if err != nil {
			ss.reject(err)
			continue
		}
		if !ss.frames.Allow() {
			ss.sendError(rateLimited(f))
			continue
		}
		ss.handle(f)
	}
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
	if !ss.strikes.Allow() {
		ss.close(chat.ClosePolicy, "too many bad frames")
	}
}

func (ss *session) sendError(err error) {
	var ce *chat.Error
	if !errors.As(err, &ce) {
		ss.log.Error("request failed", "err", err)
		ce = chat.Errorf(chat.CodeInternal, "the server failed; try again")
	}
	ss.sendFrame(ce)
}

func (ss *session) logEnd(err error) {
	status := websocket.CloseStatus(err)
	switch {
	case status == websocket.StatusNormalClosure || status == websocket.StatusGoingAway:
		ss.log.Debug("connection closed", "user", ss.user.Name, "status", status)
	case ss.ctx.Err() != nil:
		ss.log.Debug("connection ended", "user", ss.user.Name)
	default:
		ss.log.Info("connection lost", "user", ss.user.Name, "status", status, "err", err)
	}
}

// writeLoop writes what the hub queues, everything pending at once, and
// pings the client.
func (ss *session) writeLoop() {
	ping := time.NewTicker(ss.srv.opts.PingInterval)
	defer ping.Stop()
	var frames [][]byte
	var buf []byte
	for {
		select {
		case <-ss.ctx.Done():
			return
		case <-ping.C:
			ss.ping()
			continue
		case <-ss.queue.wake:
		}
		frames = ss.queue.take(frames[:0])
		var err error
		buf, err = ss.write(frames, buf)
		clear(frames)
		if err != nil {
			ss.log.Debug("write failed", "err", err)
			ss.cancel()
			return
		}
		if req := ss.closing.Load(); req != nil {
			// Whatever was queued before the close request goes first.
			frames = ss.queue.take(frames[:0])
			ss.write(frames, buf)
			ss.conn.Close(websocket.StatusCode(req.code), req.reason)
			ss.cancel()
			return
		}
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
			buf = chat.AppendBatch(buf[:0], frames[:n])
			msg = buf
		}
		ctx, cancel := context.WithTimeout(ss.ctx, ss.srv.opts.WriteTimeout)
		err := ss.conn.Write(ctx, websocket.MessageText, msg)
		cancel()
		if err != nil {
			return buf, err
		}
		frames = frames[n:]
	}
	if cap(buf) > 64<<10 {
		buf = nil // do not keep a big buffer for an idle connection
	}
	return buf, nil
}

// ping checks that the client still answers; one that does not is closed.
func (ss *session) ping() {
	if !ss.pinging.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer ss.pinging.Store(false)
		ctx, cancel := context.WithTimeout(ss.ctx, ss.srv.opts.PingTimeout)
		defer cancel()
		if err := ss.conn.Ping(ctx); err != nil && ss.ctx.Err() == nil {
			ss.close(chat.CloseHeartbeat, "no answer to ping")
		}
	}()
}

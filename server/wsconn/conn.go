package wsconn

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/time/rate"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/metrics"
)

// Conn is one websocket connection: a reader goroutine that hands the
// client's frames to its Session in order, and, only while there is
// something to send, a flush goroutine that drains the queue and writes it
// in as few websocket messages as it can. An idle connection costs one
// goroutine (blocked in Read) and its buffers. Send and SendWithNext make it
// a hub.Sink. All methods may be called concurrently.
type Conn struct {
	srv     *Server
	ws      *websocket.Conn
	addr    string
	group   string
	session Session
	queue   *queue
	state   writeState
	pacing  pacing
	out     *cork // under the websocket's write buffer; nil in some tests
	heartbeat

	limitOnce sync.Once
	frames    *rate.Limiter // see limits
	strikes   *rate.Limiter

	// A drain's close waits for the frame being served (closeBetweenFrames).
	serving  atomic.Bool
	deferred atomic.Pointer[chat.Close]
}

func newConn(s *Server, ws *websocket.Conn, addr, group string, session Session) *Conn {
	return &Conn{srv: s, ws: ws, addr: addr, group: group, session: session, queue: newQueue(s.opts.QueueBytes)}
}

// Bad frames: a client may send badFrameBurst of them in a row, then one per
// badFrameWindow/badFrameBurst; past that it is closed as broken.
const (
	badFrameBurst  = 10
	badFrameWindow = 10 * time.Second
)

// Context returns the connection's context: it ends when the Server
// closes, so storage calls made for the connection end with it.
func (c *Conn) Context() context.Context { return c.srv.ctx }

// Addr returns the address the connection came from (Options.ClientAddr):
// the key of the per-address limits.
func (c *Conn) Addr() string { return c.addr }

// Logger returns the server's logger with the connection's address; made
// when needed rather than kept, since idle connections outnumber log lines.
func (c *Conn) Logger() *slog.Logger { return c.srv.log.With("addr", c.addr) }

func (c *Conn) run() {
	c.heartbeat.pinged.Store(time.Now().UnixNano())
	deep(func() { c.session.Open(c) })
	c.readLoop()
	c.queue.close() // replies waiting for room give up
	c.state.stop()
	c.session.Closed()
	c.ws.CloseNow()
}

func (c *Conn) readLoop() {
	for {
		// No context: one would be registered on every read. Every way a
		// connection ends closes the socket, which ends the read.
		typ, data, err := c.ws.Read(context.Background())
		if err != nil {
			c.logEnd(err)
			return
		}
		deep(func() { c.process(typ, data) })
	}
}

// process decodes and checks one message from the client, and hands it to
// the Session.
func (c *Conn) process(typ websocket.MessageType, data []byte) {
	if typ != websocket.MessageText {
		c.Reject(chat.Errorf(chat.CodeBadRequest, "binary frames are not part of %s; send JSON text", chat.Subprotocol))
		return
	}
	give := c.srv.turns.take(len(data))
	f, err := chat.DecodeClient(data)
	give()
	if err != nil {
		c.Reject(err)
		return
	}
	if frames, _ := c.limits(); !frames.Allow() {
		c.srv.metrics.RateLimited(metrics.LimitFrames)
		c.SendError(rateLimited(f))
		return
	}
	c.serving.Store(true)
	c.session.Frame(f)
	c.serving.Store(false)
	if cl := c.deferred.Load(); cl != nil {
		c.Close(*cl)
	}
}

// closeBetweenFrames closes the connection with cl at once, or, while the
// Session serves a frame, as soon as it has: what the frame's answer
// queued (a message's ack) goes out before the close. A frame read after
// this is still served, and the reply may then come after the close,
// which the client covers as any drop (it resends; a message is stored
// once).
func (c *Conn) closeBetweenFrames(cl chat.Close) {
	c.deferred.CompareAndSwap(nil, &cl)
	// serving and deferred are each set before the other is read (here,
	// and in process), so at least one side sees both and closes.
	if !c.serving.Load() {
		c.Close(cl)
	}
}

// deep runs f, which may call deep into storage, on a short-lived
// goroutine and waits for it: the connection's own goroutine, which spends
// its life blocked in Read, keeps a small stack.
func deep(f func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	<-done
}

// limits returns the connection's frame and bad-frame rate limiters, made
// on first use: most connections send little, and many send nothing for
// hours.
func (c *Conn) limits() (frames, strikes *rate.Limiter) {
	c.limitOnce.Do(func() {
		c.frames = rate.NewLimiter(rate.Limit(c.srv.opts.FrameRate), c.srv.opts.FrameBurst)
		c.strikes = rate.NewLimiter(rate.Every(badFrameWindow/badFrameBurst), badFrameBurst)
	})
	return c.frames, c.strikes
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

// Reject answers a bad frame with an error frame; a client that keeps
// sending them is closed with chat.ClosePolicy.
func (c *Conn) Reject(err error) {
	c.SendError(err)
	if _, strikes := c.limits(); !strikes.Allow() {
		c.Close(chat.ClosePolicy)
	}
}

// SendError sends err to the client: a *chat.Error as it is, any other
// error logged and sent as chat.CodeInternal, so no detail of the server
// leaks.
func (c *Conn) SendError(err error) {
	var ce *chat.Error
	if !errors.As(err, &ce) {
		c.Logger().Error("request failed", "err", err)
		ce = chat.Errorf(chat.CodeInternal, "the server failed; try again")
	}
	c.srv.metrics.ErrorFrame(string(ce.Code))
	c.SendFrame(ce)
}

func (c *Conn) logEnd(err error) {
	status := websocket.CloseStatus(err)
	switch {
	case status == websocket.StatusNormalClosure || status == websocket.StatusGoingAway:
		c.Logger().Debug("connection closed", "status", status)
	case c.state.ended():
		c.Logger().Debug("connection ended")
	default:
		c.Logger().Info("connection lost", "status", status, "err", err)
	}
}

// Send queues an encoded frame and makes sure it gets written; a
// connection whose queue overflows is evicted as a slow consumer
// (hub.Sink).
func (c *Conn) Send(frame []byte) { c.send(frame, true) }

// send queues frame and makes sure it gets written: a fan-out's frame
// with gather (see flush), an answer to the client without.
func (c *Conn) send(frame []byte, gather bool) {
	if !c.queue.push(frame) {
		c.Close(chat.CloseSlowConsumer)
		return
	}
	c.kick(gather)
}

// SendWithNext keeps frame to go out with the next frame Send queues,
// replacing the one kept for slot; it wakes nothing (hub.Sink).
func (c *Conn) SendWithNext(slot string, frame []byte) {
	c.queue.pushLater(slot, frame)
}

// SendFrame encodes f and sends it.
func (c *Conn) SendFrame(f chat.Frame) {
	b, err := chat.Encode(f)
	if err != nil {
		c.Logger().Error("encode failed", "type", f.FrameType(), "err", err)
		return
	}
	c.send(b, false)
}

// SendReply queues the answer to the client's own request, waiting for
// room in the queue instead of evicting the client for asking much (a
// history page); it gives up when the connection ends. It returns the
// encoded size of the frame, what the answer costs to send.
func (c *Conn) SendReply(f chat.Frame) (bytes int) {
	b, err := chat.Encode(f)
	if err != nil {
		c.Logger().Error("encode failed", "type", f.FrameType(), "err", err)
		return 0
	}
	if !c.queue.pushWait(c.srv.ctx, b) {
		if !c.state.ended() {
			c.Close(chat.CloseSlowConsumer)
		}
		return len(b)
	}
	c.kick(false)
	return len(b)
}

// Close ends the connection with cl, once (later closes are ignored),
// without blocking. A slow consumer is cut off at once (its queue is what
// overflowed); any other close is written by the flush, after the frames
// queued before it, so error frames explaining a close are not lost.
func (c *Conn) Close(cl chat.Close) {
	if cl.Code == chat.CloseSlowConsumer.Code {
		if !c.state.cut() {
			return
		}
		c.closing(cl)
		go func() {
			c.session.Evicted() // stop fanning out to it now
			c.ws.Close(websocket.StatusCode(cl.Code), cl.Reason)
			c.queue.close()
		}()
		return
	}
	first, start := c.state.askClose(cl)
	if first {
		c.closing(cl)
	}
	if start {
		go c.flush(false)
	}
}

// closing logs and counts a close.
func (c *Conn) closing(cl chat.Close) {
	c.Logger().Info("closing connection", "code", cl.Code, "reason", cl.Reason)
	c.srv.closes.count(cl)
	c.srv.metrics.Closed(cl.Code)
	if cl.Code == chat.CloseSlowConsumer.Code {
		c.srv.metrics.Evicted()
	}
}

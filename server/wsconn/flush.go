package wsconn

import (
	"context"
	"slices"

	"github.com/coder/websocket"

	"github.com/founding/chat/app/chat"
)

// kick starts a flush goroutine unless one runs already (idle -> flushing).
// gather says the frame is part of a fan-out, whose flush first lets the
// fan-out go on (see flush).
func (c *Conn) kick(gather bool) {
	if c.state.kick() {
		go c.flush(gather)
	}
}

// flush writes whatever is queued, everything pending at once, until the
// queue is empty; then it ends. In closing, the close frame is written
// after what was queued before it.
//
// A flush started by a fan-out (gather) yields before each write: whoever
// is filling queues (a fan-out to a large room) goes on first, and under
// load more frames go out per write; when the machine is idle this returns
// at once. While the node is busy it may wait instead (pace.go). A flush
// started by the answer to the client's own frame (a pong, an error, a
// page) does neither: a yielded goroutine waits in the scheduler's global
// queue behind every busy one (in a trace of one user flooding the server,
// the largest scheduling delay of all).
func (c *Conn) flush(gather bool) {
	defer c.state.done.Done()
	framesp, bufp := flushBuffers.get()
	frames, buf := *framesp, *bufp
	defer func() {
		*framesp, *bufp = frames, buf
		flushBuffers.put(framesp, bufp)
	}()
	for {
		if gather {
			c.pace()
		}
		frames = c.queue.take(frames)
		if gather && len(frames) > 0 {
			c.took()
		}
		if len(frames) == 0 {
			switch next, cl := c.state.next(c.queue.holds); next {
			case stepWrite:
				continue
			case stepClose:
				c.writeClose(cl)
				return
			default:
				c.queue.trim()
				return
			}
		}
		var err error
		buf, err = c.write(frames, buf)
		clear(frames)
		frames = frames[:0]
		if err != nil {
			c.Logger().Debug("write failed", "err", err)
			c.state.failed()
			c.queue.close()
			c.ws.CloseNow()
			return
		}
	}
}

// writeClose sends the close frame and ends the connection.
func (c *Conn) writeClose(cl chat.Close) {
	c.state.beginWrite()
	c.ws.Close(websocket.StatusCode(cl.Code), cl.Reason)
	c.state.endWrite()
	c.state.closeWritten()
	c.queue.close()
}

// write sends frames as few websocket messages as the frame size allows:
// one frame alone, several as a batch.
func (c *Conn) write(frames [][]byte, buf []byte) ([]byte, error) {
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
		// sweeper closes a connection whose write takes longer than
		// WriteTimeout.
		c.state.beginWrite()
		err := c.writeCorked(msg)
		c.state.endWrite()
		if err != nil {
			return buf, err
		}
		c.srv.metrics.Wrote(n)
		c.srv.pace.wrote(n)
		c.pacing.batch = n
		frames = frames[n:]
	}
	return buf, nil
}

// writeCorked writes one websocket message with the cork in, so that its
// header and payload leave in one system call (cork.go).
func (c *Conn) writeCorked(msg []byte) error {
	if c.out == nil {
		return c.ws.Write(context.Background(), websocket.MessageText, msg)
	}
	c.out.corkIn(len(msg))
	err := c.ws.Write(context.Background(), websocket.MessageText, msg)
	if uerr := c.out.uncork(); err == nil {
		err = uerr
	}
	return err
}

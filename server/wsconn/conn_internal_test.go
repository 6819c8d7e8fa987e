package wsconn

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/founding/chat/app/chat"
)

// The exits of a connection with real sockets: a close asked for while
// idle or flushing, a slow consumer, a stuck write.

// readUntilClose reads messages until the connection closes and returns
// the frames read and the close status and reason.
func readUntilClose(t *testing.T, client *websocket.Conn) ([]chat.Frame, chat.Close) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var frames []chat.Frame
	for {
		_, data, err := client.Read(ctx)
		if err != nil {
			var ce websocket.CloseError
			if !errors.As(err, &ce) {
				t.Fatalf("read ended without a close frame: %v", err)
			}
			return frames, chat.Close{Code: int(ce.Code), Reason: ce.Reason}
		}
		frames = append(frames, unpack(t, data)...)
	}
}

// endConn ends c the way run does once its reader is done.
func endConn(t *testing.T, c *Conn) {
	t.Cleanup(func() {
		c.queue.close()
		c.state.stop()
	})
}

func TestCloseWhileIdleWritesTheQueuedFramesFirst(t *testing.T) {
	server, client := wsPair(t)
	c := newTestConn(t, server, 1<<20)
	endConn(t, c)
	for i := range 3 {
		c.queue.push(mustEncode(t, &chat.Entry{Conv: "r:lobby", Seq: uint64(i + 1), Kind: chat.EntryMessage}))
	}
	c.Close(chat.ClosePolicy)
	frames, cl := readUntilClose(t, client)
	wantInOrder(t, seqsOf(t, frames), 3)
	if cl != chat.ClosePolicy {
		t.Errorf("closed with %v, want %v", cl, chat.ClosePolicy)
	}
	if st := c.srv.Stats(); st.Policy != 1 {
		t.Errorf("%d policy closes counted, want 1", st.Policy)
	}
}

func TestCloseWhileFlushingWritesTheQueuedFramesFirst(t *testing.T) {
	const n = 2000
	server, client := wsPair(t)
	c := newTestConn(t, server, 64<<20)
	endConn(t, c)
	for i := range n {
		c.Send(mustEncode(t, &chat.Entry{Conv: "r:lobby", Seq: uint64(i + 1), Kind: chat.EntryMessage, HTML: "<p>hi</p>"}))
	}
	c.Close(chat.CloseSignedOut) // the flush is running, or has just ended
	c.Close(chat.CloseGoingAway) // ignored: the first close counts
	frames, cl := readUntilClose(t, client)
	wantInOrder(t, seqsOf(t, frames), n)
	if cl != chat.CloseSignedOut {
		t.Errorf("closed with %v, want %v", cl, chat.CloseSignedOut)
	}
}

// evictSession counts Evicted calls.
type evictSession struct {
	nopSession
	evicted atomic.Int32
}

func (s *evictSession) Evicted() { s.evicted.Add(1) }

func TestSlowConsumerIsCutAtOnce(t *testing.T) {
	server, client := wsPair(t)
	c := newTestConn(t, server, 100)
	session := &evictSession{}
	c.session = session
	endConn(t, c)
	c.queue.push(make([]byte, 60)) // queued, not yet flushed
	c.Send(make([]byte, 60))       // overflows
	c.Send(make([]byte, 1))        // and the overflow is sticky
	if st := c.state.current(); st != closed {
		t.Fatalf("state %v after an overflow, want closed at once", st)
	}
	_, cl := readUntilClose(t, client)
	if cl != chat.CloseSlowConsumer {
		t.Errorf("closed with %v, want %v", cl, chat.CloseSlowConsumer)
	}
	if n := session.evicted.Load(); n != 1 {
		t.Errorf("Evicted called %d times, want once", n)
	}
	if st := c.srv.Stats(); st.SlowConsumers != 1 {
		t.Errorf("%d slow consumers counted, want 1", st.SlowConsumers)
	}
}

func TestStuckWriteIsCutBySweeper(t *testing.T) {
	server, _ := wsPair(t) // the client never reads
	srv := New(Options{Logger: slog.New(slog.DiscardHandler), Transport: Transport{QueueBytes: 64 << 20, WriteTimeout: time.Second, PingInterval: time.Hour}})
	t.Cleanup(srv.Close)
	c := newConn(srv, server, "127.0.0.1", "", nopSession{})
	c.heartbeat.pinged.Store(time.Now().UnixNano())
	srv.track(c, true)
	t.Cleanup(func() { srv.track(c, false) })
	endConn(t, c)
	frame := entryOfSize(t, 1, 1<<20)
	for range 32 { // far more than loopback buffers hold
		c.Send(frame)
	}
	// Wait for the flush to be in a write, then sweep as if an hour went
	// by: the write is past WriteTimeout and the sweeper cuts it.
	waitFor(t, "the flush to write", func() bool { return c.state.writeStart.Load() != 0 })
	srv.sweepOnce(time.Now().Add(time.Hour).UnixNano())
	waitFor(t, "the cut write to close the connection", func() bool { return c.state.current() == closed })
	c.state.done.Wait() // and the flush goroutine ended
}

// waitFor polls cond until it holds, failing after 10 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	deadline := time.After(10 * time.Second)
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

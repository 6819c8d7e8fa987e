package wsconn

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/founding/chat/app/chat"
)

// sweep pings every connection once per PingInterval and cuts those whose
// write has been stuck for WriteTimeout: one goroutine and one timer for all
// connections, instead of a ticker each.
func (s *Server) sweep() {
	defer s.background.Done()
	every := min(max(s.opts.PingInterval/4, 10*time.Millisecond), time.Second)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
		}
		s.sweepOnce(time.Now().UnixNano())
	}
}

// sweepOnce pings the connections due at now (Unix ns) and cuts stuck
// writes.
func (s *Server) sweepOnce(now int64) {
	ping, stuck := int64(s.opts.PingInterval), s.opts.WriteTimeout
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		if now-c.heartbeat.pinged.Load() >= ping {
			c.ping()
		}
		if d := c.state.stuckFor(now); d > stuck {
			c.Logger().Info("write timed out; closing", "after", d)
			go c.ws.CloseNow() // the write fails, and the flush exits (writeState.failed)
		}
	}
}

// heartbeat is a connection's ping state: at most one ping in flight.
type heartbeat struct {
	pinging atomic.Bool
	pinged  atomic.Int64 // Unix ns of the latest ping
}

// ping checks that the client still answers; one that does not is closed.
// The sweeper calls it every PingInterval.
func (c *Conn) ping() {
	if !c.heartbeat.pinging.CompareAndSwap(false, true) {
		return
	}
	c.heartbeat.pinged.Store(time.Now().UnixNano())
	go func() {
		defer c.heartbeat.pinging.Store(false)
		ctx, cancel := context.WithTimeout(c.srv.ctx, c.srv.opts.PingTimeout)
		defer cancel()
		if err := c.ws.Ping(ctx); err != nil && !c.state.ended() {
			c.Close(chat.CloseHeartbeat)
		}
	}()
}

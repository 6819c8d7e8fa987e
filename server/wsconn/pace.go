package wsconn

import (
	"context"
	"runtime"
	"sync/atomic"
	"time"
)

// pacer spaces out the writes of a busy connection while the node is busy.
//
// Under load, a connection in a busy room gets a frame every few
// milliseconds, and each write, a system call and most of what a delivery
// costs, carries two or three of them. While the node writes more than
// PaceAbove frames a second, a fan-out's flush that gathered its last
// batch less than PaceInterval ago, and a small one, waits out the rest of
// the interval before it gathers again: one write then carries what came
// meanwhile. Only a connection that gets frames steadily waits (took); one
// whose batches are large already (the node saturated, its flushes
// lagging) does not, since waiting would only add latency. Answers to the
// client's own frames never wait, nor does anything while the node is
// calm.
type pacer struct {
	interval time.Duration // 0 or less: never pace
	above    float64       // frames per second from which the node is busy

	frames atomic.Int64 // frames written by all connections
	busy   atomic.Bool

	sleep func(time.Duration) // time.Sleep; tests replace it
}

const (
	// paceWindow is how often the pacer looks at the rate of frames.
	paceWindow = 250 * time.Millisecond
	// paceBatch: a connection whose last write carried this many frames
	// coalesces already and does not wait.
	paceBatch = 8
)

func newPacer(interval time.Duration, above float64) *pacer {
	return &pacer{interval: interval, above: above, sleep: time.Sleep}
}

// wrote counts frames written in one write.
func (p *pacer) wrote(frames int) { p.frames.Add(int64(frames)) }

// run looks at the rate of frames written every paceWindow until ctx ends.
func (p *pacer) run(ctx context.Context) {
	if p.interval <= 0 {
		return
	}
	t := time.NewTicker(paceWindow)
	defer t.Stop()
	last, prev := time.Now(), p.frames.Load()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			n := p.frames.Load()
			p.observe(n-prev, now.Sub(last))
			last, prev = now, n
		}
	}
}

// observe takes the frames written in elapsed: the node is busy from
// `above` frames a second, until it falls under half of that (so that it
// does not flap at the edge).
func (p *pacer) observe(frames int64, elapsed time.Duration) {
	if elapsed <= 0 {
		return
	}
	switch rate := float64(frames) / elapsed.Seconds(); {
	case rate >= p.above:
		p.busy.Store(true)
	case rate < p.above/2:
		p.busy.Store(false)
	}
}

// wait returns how long a fan-out's flush of a connection paced as pc
// waits at now (Unix ns) before it gathers: 0 unless the node is busy, the
// connection steady and its last batch small.
func (p *pacer) wait(pc pacing, now int64) time.Duration {
	if p.interval <= 0 || !pc.steady || pc.batch >= paceBatch || !p.busy.Load() {
		return 0
	}
	return max(0, time.Duration(pc.gathered+int64(p.interval)-now))
}

// pacing is what a connection's flushes remember for the pacer. Only the
// flush goroutine touches it, and flush goroutines of one connection run
// one after another (writeState).
type pacing struct {
	gathered int64 // Unix ns of the last gather that took frames while the node was busy
	steady   bool  // that gather came less than two intervals after the one before
	batch    int   // frames the last write carried
}

// pace runs before a fan-out's flush gathers: it waits as the pacer says,
// or else yields (see flush).
func (c *Conn) pace() {
	p := c.srv.pace
	if p.busy.Load() {
		if d := p.wait(c.pacing, time.Now().UnixNano()); d > 0 {
			p.sleep(d)
			return
		}
	}
	runtime.Gosched()
}

// took notes, while the node is busy, a fan-out's gather that took
// frames. Only a connection whose gathers come steadily, less than two
// intervals apart, waits: one that gets a frame now and then is never
// held back, since there would be nothing to gather with it.
func (c *Conn) took() {
	p := c.srv.pace
	if !p.busy.Load() {
		return
	}
	now := time.Now().UnixNano()
	c.pacing.steady = now-c.pacing.gathered < 2*int64(p.interval)
	c.pacing.gathered = now
}

package wsconn

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/founding/chat/app/chat"
)

// state is where a connection's writing stands; see writeState.
type state uint8

const (
	// idle: open, nothing to write, no flush goroutine. A connection
	// starts here and comes back here after every flush.
	idle state = iota
	// flushing: open, a flush goroutine writes what is queued.
	flushing
	// closing: a close was asked for; the flush goroutine writes what was
	// queued before it, then the close frame.
	closing
	// closed: over; nothing more is written. A flush goroutine still
	// running ends at its next look.
	closed
)

var stateNames = [...]string{idle: "idle", flushing: "flushing", closing: "closing", closed: "closed"}

func (s state) String() string { return stateNames[s] }

// writeState is the state machine that drives a connection's flushes and
// its close:
//
//	idle ──kick──> flushing ──next: queue empty──> idle
//	idle, flushing ──askClose──> closing ──next, closeWritten──> closed
//	any ──cut (slow consumer)──> closed
//	any ──failed (write error, or a write cut after WriteTimeout)──> closed
//	idle, flushing ──stop (the reader ended)──> closed
//
// Only the first close asked for (askClose or cut) counts. The flush
// goroutine exists exactly while the state is flushing or closing, and,
// after cut, failed or stop, until it notices; done counts it. All methods
// may be called concurrently.
type writeState struct {
	mu    sync.Mutex
	state state
	asked bool       // a close was asked for; guarded by mu
	close chat.Close // the close to write in closing; guarded by mu
	done  sync.WaitGroup

	writeStart atomic.Int64 // Unix ns the current write began, 0 when none; read by the sweeper without a lock
}

// step is what a flush does after it found the queue empty.
type step uint8

const (
	stepWrite step = iota // more came meanwhile: take it and write it
	stepClose             // write the close frame, then end
	stepEnd               // end the flush goroutine
)

// kick moves idle to flushing; it reports whether the caller must start
// the flush goroutine (done is already counting it).
func (w *writeState) kick() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.state != idle {
		return false
	}
	w.state = flushing
	w.done.Add(1)
	return true
}

// askClose moves idle or flushing to closing with c. first reports that c
// is the first close asked for (later ones are ignored); start that the
// connection was idle, so the caller must start the flush goroutine that
// writes the close. A closed connection takes note of c and writes nothing.
func (w *writeState) askClose(c chat.Close) (first, start bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.asked {
		return false, false
	}
	w.asked = true
	switch w.state {
	case idle:
		w.state, w.close = closing, c
		w.done.Add(1)
		return true, true
	case flushing:
		w.state, w.close = closing, c
	}
	return true, false
}

// cut is the slow-consumer exit: any state moves to closed at once, and
// nothing queued is written any more. It reports whether this was the first
// close asked for; only then does the caller close the socket.
func (w *writeState) cut() (first bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.asked {
		return false
	}
	w.asked = true
	w.state = closed
	return true
}

// next is called by the flush when it found the queue empty; queued
// reports whether frames came since. Flushing with nothing queued moves to
// idle; closing writes the close frame, returned with stepClose; closed
// ends.
//
// queued is asked under the state's lock: a sender pushes, then kicks,
// and its kick waits for this lock, so a frame pushed after queued looked
// finds the state idle and starts a flush. Asked before the lock, a frame
// pushed in between would find the state still flushing, start nothing,
// and wait in the queue until the next frame came.
func (w *writeState) next(queued func() bool) (step, chat.Close) {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch w.state {
	case flushing:
		if queued() {
			return stepWrite, chat.Close{}
		}
		w.state = idle
	case closing:
		return stepClose, w.close
	}
	return stepEnd, chat.Close{}
}

// closeWritten moves closing to closed once the close frame is written.
func (w *writeState) closeWritten() { w.set(closed) }

// failed is the exit of a write that failed, or that the sweeper cut after
// WriteTimeout: any state moves to closed.
func (w *writeState) failed() { w.set(closed) }

func (w *writeState) set(s state) {
	w.mu.Lock()
	w.state = s
	w.mu.Unlock()
}

// stop is called when the reader ended: no flush may start any more (idle
// and flushing move to closed, a closing flush still writes its close
// frame), and stop waits for the running flush goroutine.
func (w *writeState) stop() {
	w.mu.Lock()
	if w.state != closing {
		w.state = closed
	}
	w.mu.Unlock()
	w.done.Wait()
}

// current returns the state, for the connection's own checks and tests.
func (w *writeState) current() state {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.state
}

// ended reports whether the connection is closed: replies stop waiting for
// room, pings stop.
func (w *writeState) ended() bool { return w.current() == closed }

// beginWrite and endWrite bracket one socket write, for the sweeper.
func (w *writeState) beginWrite() { w.writeStart.Store(time.Now().UnixNano()) }
func (w *writeState) endWrite()   { w.writeStart.Store(0) }

// stuckFor returns how long the current write has taken at now (Unix ns),
// or 0 when no write runs.
func (w *writeState) stuckFor(now int64) time.Duration {
	if start := w.writeStart.Load(); start != 0 {
		return time.Duration(now - start)
	}
	return 0
}

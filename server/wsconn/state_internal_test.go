package wsconn

import (
	"runtime"
	"testing"
	"time"

	"github.com/founding/chat/app/chat"
)

// The transitions of writeState, one test each, without a socket.

func wantState(t *testing.T, w *writeState, want state) {
	t.Helper()
	if got := w.current(); got != want {
		t.Fatalf("state %v, want %v", got, want)
	}
}

// wantStep fails unless next(queued) returns want.
func wantStep(t *testing.T, w *writeState, queued bool, want step) chat.Close {
	t.Helper()
	got, cl := w.next(func() bool { return queued })
	if got != want {
		t.Fatalf("next(%v) = %v, want %v", queued, got, want)
	}
	return cl
}

// flushEnded marks the flush goroutine of a test as ended, as flush's
// deferred Done does.
func flushEnded(w *writeState) { w.done.Done() }

func TestStateStartsIdle(t *testing.T) {
	var w writeState
	wantState(t, &w, idle)
	if w.ended() {
		t.Error("a new connection counts as ended")
	}
}

func TestStateIdleToFlushingToIdle(t *testing.T) {
	var w writeState
	if !w.kick() {
		t.Fatal("kick of an idle connection started no flush")
	}
	wantState(t, &w, flushing)
	if w.kick() {
		t.Fatal("a second kick started a second flush")
	}
	wantStep(t, &w, true, stepWrite) // frames came meanwhile: the flush goes on
	wantState(t, &w, flushing)
	wantStep(t, &w, false, stepEnd)
	wantState(t, &w, idle)
	flushEnded(&w)
	if !w.kick() {
		t.Fatal("kick after a flush ended started no new one")
	}
	wantState(t, &w, flushing)
	wantStep(t, &w, false, stepEnd)
	flushEnded(&w)
}

func TestStateCloseWhileIdle(t *testing.T) {
	var w writeState
	first, start := w.askClose(chat.ClosePolicy)
	if !first || !start {
		t.Fatalf("askClose of an idle connection: first %v, start %v; want both", first, start)
	}
	wantState(t, &w, closing)
	if w.kick() {
		t.Fatal("kick while closing started a flush")
	}
	if cl := wantStep(t, &w, false, stepClose); cl != chat.ClosePolicy {
		t.Fatalf("the flush writes %v, want %v", cl, chat.ClosePolicy)
	}
	w.closeWritten()
	flushEnded(&w)
	wantState(t, &w, closed)
	if !w.ended() {
		t.Error("closed does not count as ended")
	}
	if w.kick() {
		t.Error("kick after the close started a flush")
	}
}

func TestStateCloseWhileFlushing(t *testing.T) {
	var w writeState
	w.kick()
	first, start := w.askClose(chat.CloseSignedOut)
	if !first || start {
		t.Fatalf("askClose while flushing: first %v, start %v; want the running flush to write it", first, start)
	}
	wantState(t, &w, closing)
	// The flush writes what is queued first; once the queue is empty it
	// writes the close, even if more came meanwhile (it was queued after).
	if cl := wantStep(t, &w, true, stepClose); cl != chat.CloseSignedOut {
		t.Fatalf("the flush writes %v, want %v", cl, chat.CloseSignedOut)
	}
	w.closeWritten()
	flushEnded(&w)
	wantState(t, &w, closed)
}

func TestStateOnlyTheFirstCloseCounts(t *testing.T) {
	var w writeState
	w.askClose(chat.ClosePolicy)
	if first, start := w.askClose(chat.CloseGoingAway); first || start {
		t.Fatalf("a second askClose: first %v, start %v", first, start)
	}
	if w.cut() {
		t.Fatal("a slow consumer cut after a close counts as first")
	}
	if _, cl := w.next(func() bool { return false }); cl != chat.ClosePolicy {
		t.Fatalf("the flush writes %v, want the first close, %v", cl, chat.ClosePolicy)
	}
	flushEnded(&w)
}

func TestStateSlowConsumerExit(t *testing.T) {
	for _, from := range []state{idle, flushing} {
		t.Run(from.String(), func(t *testing.T) {
			var w writeState
			if from == flushing {
				w.kick()
			}
			if !w.cut() {
				t.Fatal("cut did not count as the first close")
			}
			wantState(t, &w, closed)
			if first, _ := w.askClose(chat.CloseGoingAway); first {
				t.Error("a close after the cut counts as first")
			}
			if from == flushing {
				wantStep(t, &w, true, stepEnd) // what is still queued is dropped
				flushEnded(&w)
			}
			if w.kick() {
				t.Error("kick after the cut started a flush")
			}
		})
	}
}

func TestStateWriteTimeoutExit(t *testing.T) {
	var w writeState
	w.kick()
	w.beginWrite()
	start := w.writeStart.Load()
	if d := w.stuckFor(start + int64(time.Second)); d != time.Second {
		t.Fatalf("stuckFor a second into a write = %v", d)
	}
	// The sweeper cuts the socket; the write fails, and the flush exits.
	w.endWrite()
	w.failed()
	flushEnded(&w)
	wantState(t, &w, closed)
	if d := w.stuckFor(start + int64(time.Hour)); d != 0 {
		t.Errorf("stuckFor with no write = %v, want 0", d)
	}
	if first, start := w.askClose(chat.CloseHeartbeat); !first || start {
		t.Errorf("askClose after a failed write: first %v, start %v; want noted, nothing written", first, start)
	}
}

func TestStateStop(t *testing.T) {
	t.Run("idle", func(t *testing.T) {
		var w writeState
		w.stop()
		wantState(t, &w, closed)
		if w.kick() {
			t.Error("kick after stop started a flush")
		}
	})
	t.Run("flushing", func(t *testing.T) {
		var w writeState
		w.kick()
		stopped := make(chan struct{})
		go func() { w.stop(); close(stopped) }()
		// stop waits for the flush, which ends at its next look.
		for w.current() != closed {
			runtime.Gosched()
			select {
			case <-stopped:
				t.Fatal("stop returned while the flush ran")
			default:
			}
		}
		wantStep(t, &w, true, stepEnd)
		flushEnded(&w)
		<-stopped
	})
	t.Run("closing", func(t *testing.T) {
		var w writeState
		w.askClose(chat.CloseRestart)
		stopped := make(chan struct{})
		go func() { w.stop(); close(stopped) }()
		// The close frame is still written.
		wantStep(t, &w, false, stepClose)
		w.closeWritten()
		flushEnded(&w)
		<-stopped
		wantState(t, &w, closed)
	})
}

// A frame pushed while the flush decides to end must not wait in the
// queue: next looks at the queue under the state's lock, so the sender's
// kick, which takes that lock, comes after the state is idle again.
func TestStateLooksAtTheQueueUnderItsLock(t *testing.T) {
	var w writeState
	w.kick()
	kicked := make(chan bool, 1)
	got, _ := w.next(func() bool {
		if w.mu.TryLock() {
			w.mu.Unlock()
			t.Error("next looked at the queue without holding the state's lock")
		}
		go func() { kicked <- w.kick() }() // a sender that pushed just now
		return false
	})
	if got != stepEnd {
		t.Fatalf("next = %v, want the end of the flush", got)
	}
	flushEnded(&w)
	if !<-kicked {
		t.Fatal("the kick of a frame pushed while the flush ended started no flush: the frame waits")
	}
	wantState(t, &w, flushing)
	flushEnded(&w)
}

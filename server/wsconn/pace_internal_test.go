package wsconn

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/metrics"
)

// TestPacerIsBusyFromAboveUntilHalf: the node turns busy at the rate
// given, and calm only under half of it, so it does not flap at the edge.
func TestPacerIsBusyFromAboveUntilHalf(t *testing.T) {
	p := newPacer(50*time.Millisecond, 1000)
	for _, step := range []struct {
		frames int64
		busy   bool
	}{
		{100, false}, // 400 a second
		{250, true},  // 1000
		{200, true},  // 800: under the rate, above half of it
		{130, true},  // 520
		{120, false}, // 480
		{240, false}, // 960
		{400, true},  // 1600
	} {
		p.observe(step.frames, paceWindow)
		if got := p.busy.Load(); got != step.busy {
			t.Errorf("%d frames in %v: busy %v, want %v", step.frames, paceWindow, got, step.busy)
		}
	}
	p.observe(0, paceWindow)
	p.observe(1e6, 0) // no time passed: nothing learnt
	if p.busy.Load() {
		t.Error("a window of no time changed the state")
	}
}

// TestPacerWaitsOnlyWhenBusySteadyAndTheBatchSmall covers every case of
// wait.
func TestPacerWaitsOnlyWhenBusySteadyAndTheBatchSmall(t *testing.T) {
	const ms = int64(time.Millisecond)
	busy := newPacer(50*time.Millisecond, 1)
	busy.busy.Store(true)
	calm := newPacer(50*time.Millisecond, 1)
	never := newPacer(-1, 1)
	never.busy.Store(true)
	now := 1000 * ms
	for _, c := range []struct {
		name string
		p    *pacer
		pc   pacing
		want time.Duration
	}{
		{"busy, gathered 20ms ago, one frame", busy, pacing{now - 20*ms, true, 1}, 30 * time.Millisecond},
		{"busy, gathered just now", busy, pacing{now, true, paceBatch - 1}, 50 * time.Millisecond},
		{"busy, gathered 50ms ago", busy, pacing{now - 50*ms, true, 1}, 0},
		{"busy, not steady", busy, pacing{now - 20*ms, false, 1}, 0},
		{"busy, a large batch", busy, pacing{now - 20*ms, true, paceBatch}, 0},
		{"calm", calm, pacing{now - 20*ms, true, 1}, 0},
		{"pacing off", never, pacing{now - 20*ms, true, 1}, 0},
	} {
		if got := c.p.wait(c.pc, now); got != c.want {
			t.Errorf("%s: wait %v, want %v", c.name, got, c.want)
		}
	}
}

// TestTookIsSteadyWhenGathersComeWithinTwoIntervals: a connection's
// gathers count as steady when each comes less than two intervals after
// the one before, and only while the node is busy are they noted.
func TestTookIsSteadyWhenGathersComeWithinTwoIntervals(t *testing.T) {
	server, _ := wsPair(t)
	c := newTestConn(t, server, 1<<20)
	p := newPacer(time.Hour, 1) // every gather of this test is within two
	c.srv.pace = p
	c.took()
	if c.pacing.gathered != 0 {
		t.Fatal("a calm node noted a gather")
	}
	p.busy.Store(true)
	c.pacing.gathered = time.Now().Add(-3 * time.Hour).UnixNano()
	c.took()
	if c.pacing.steady {
		t.Error("a gather three intervals after the one before is steady")
	}
	c.took()
	if !c.pacing.steady {
		t.Error("a gather right after the one before is not steady")
	}
}

// TestBusyFlushWaitsAndSendsWhatCameMeanwhileAsOneBatch: on a busy node,
// a fan-out's flush that just wrote waits before it gathers again, and what
// was sent meanwhile leaves in one write; once the node is calm, frames go
// out as they come, with no wait.
func TestBusyFlushWaitsAndSendsWhatCameMeanwhileAsOneBatch(t *testing.T) {
	server, client := wsPair(t)
	c := newTestConn(t, server, 1<<20)
	p := newPacer(time.Minute, 1) // a wait only the test ends; not run: busy is the test's to say
	c.srv.pace = p
	asked := make(chan time.Duration, 10)
	release := make(chan struct{})
	p.sleep = func(d time.Duration) {
		asked <- d
		<-release
	}
	p.busy.Store(true)
	t.Cleanup(func() {
		c.queue.close()
		c.state.stop()
	})

	// The last gather was one and a half intervals ago: the first frame
	// goes at once, and its gather counts as steady.
	c.pacing.gathered = time.Now().Add(-90 * time.Second).UnixNano()
	first := entryOfSize(t, 1, 100)
	c.Send(first)
	if msg := readMessage(t, client); !bytes.Equal(msg, first) {
		t.Fatalf("first message %s, want the entry alone", msg)
	}
	// Having written, the flush looks again, and waits.
	var d time.Duration
	select {
	case d = <-asked:
	case <-time.After(10 * time.Second):
		t.Fatal("the busy flush did not wait after its write")
	}
	if d <= 0 || d > time.Minute {
		t.Fatalf("the flush waits %v, want up to the interval", d)
	}
	var queued [][]byte
	for seq := uint64(2); seq <= 4; seq++ {
		b := entryOfSize(t, seq, 100)
		queued = append(queued, b)
		c.Send(b) // the flush runs: it gathers these once it has waited
	}
	p.busy.Store(false)
	close(release)
	if msg := readMessage(t, client); !bytes.Equal(msg, chat.AppendBatch(nil, queued)) {
		t.Fatalf("after the wait: %s, want the three entries as one batch", msg)
	}

	// Calm: each frame goes out alone, with no wait.
	for seq := uint64(5); seq <= 6; seq++ {
		b := entryOfSize(t, seq, 100)
		c.Send(b)
		if msg := readMessage(t, client); !bytes.Equal(msg, b) {
			t.Fatalf("calm: %s, want entry %d alone", msg, seq)
		}
	}
	if n := len(asked); n != 0 {
		t.Errorf("the calm node's flushes waited %d times", n)
	}

	// An answer to the client's own frame never waits, busy or not. The
	// last fan-out flush must have ended first: one still looking at the
	// queue when the node turns busy would rightly wait.
	waitFor(t, "the last flush ended", func() bool { return c.state.current() == idle })
	p.busy.Store(true) // and the last write carried one frame
	pong := mustEncode(t, &chat.Pong{N: 9})
	c.SendFrame(&chat.Pong{N: 9})
	if msg := readMessage(t, client); !bytes.Equal(msg, pong) {
		t.Fatalf("answer: %s, want the pong", msg)
	}
	if n := len(asked); n != 0 {
		t.Errorf("an answer's flush waited")
	}
}

// TestPacerTurnsBusyFromWhatIsWritten: the pacer's own loop reads the
// frames written and turns busy, then calm once nothing more is written.
func TestPacerTurnsBusyFromWhatIsWritten(t *testing.T) {
	p := newPacer(50*time.Millisecond, 100)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); p.run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	waitFor(t, "busy", func() bool {
		p.wrote(1000) // 1000 frames at each look: far above 100 a second
		return p.busy.Load()
	})
	waitFor(t, "calm again", func() bool { return !p.busy.Load() })
}

// TestPacingGaugeSaysWhenTheNodeIsBusy: chat_pacing is 1 while the node
// paces, 0 otherwise.
func TestPacingGaugeSaysWhenTheNodeIsBusy(t *testing.T) {
	m := metrics.New()
	srv := New(Options{Transport: Transport{PaceInterval: -1}, Metrics: m}) // no pacer loop: busy is the test's to say
	t.Cleanup(srv.Close)
	gauge := func() string {
		rec := httptest.NewRecorder()
		m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		for _, line := range strings.Split(rec.Body.String(), "\n") {
			if strings.HasPrefix(line, "chat_pacing ") {
				return line
			}
		}
		return "(none)"
	}
	if g := gauge(); g != "chat_pacing 0" {
		t.Errorf("calm: %s, want chat_pacing 0", g)
	}
	srv.pace.busy.Store(true)
	if g := gauge(); g != "chat_pacing 1" {
		t.Errorf("busy: %s, want chat_pacing 1", g)
	}
}

package jetstream

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/bus"
	"github.com/founding/chat/server/hub"
)

// watchFixture is a log on an embedded NATS with a watchdog of its own.
func watchFixture(t *testing.T) (*Log, *Watchdog) {
	t.Helper()
	b, err := bus.Open(bus.Options{DataDir: t.TempDir(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	wd := NewWatchdog(slog.New(slog.DiscardHandler))
	l, err := OpenLog(context.Background(), b.JetStream, LogOptions{Watchdog: wd, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return l, wd
}

// received collects what a watch delivers.
type received struct {
	mu  sync.Mutex
	got []chat.Entry
}

func (r *received) add(e chat.Entry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, e)
}

func (r *received) texts() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.got {
		out = append(out, e.HTML)
	}
	return strings.Join(out, ",")
}

// within polls cond every 10 ms for at most d.
func within(d time.Duration, cond func() bool) bool {
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

// TestWatchRemadeWhenItStallsSilently: the first consumer of a watch
// delivers nothing and reports nothing, as one stuck for good after its
// stream's leader died (STACK.md P14). The watchdog finds the watch behind
// its stream, says so (not current) within 3 s (an idle watch is asked
// about every 2 s, then stale a second after it was seen behind),
// makes the consumer again from the first entry missed, counts the
// recovery, and the watch delivers every entry once, in order, and is
// current again. Page and Last meanwhile do not answer from the stale
// cache.
func TestWatchRemadeWhenItStallsSilently(t *testing.T) {
	l, wd := watchFixture(t)
	ctx := context.Background()
	for i := 1; i <= 2; i++ {
		if _, err := l.Append(ctx, chat.Entry{Conv: "r:lobby", Kind: chat.EntryMessage, HTML: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	var r received
	deliver := func(msg jetstream.Msg, seq uint64) {
		var e chat.Entry
		if err := json.Unmarshal(msg.Data(), &e); err != nil {
			t.Error(err)
			return
		}
		l.observe(e, seq)
		r.add(e)
	}
	deaf := func(ctx context.Context, w *supervised, gen, from uint64) (func(), error) {
		if gen == 1 {
			return func() {}, nil // no consumer at all: silence
		}
		return consumeStream(deliver)(ctx, w, gen, from)
	}
	stop, err := wd.supervise(ctx, "log", l.streams[0], deaf)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	l.watching.Add(1)
	defer l.watching.Add(-1)
	// A page makes the log keep the lobby's newest sequence.
	if p, err := l.Page(ctx, chat.History{Conv: "r:lobby"}); err != nil || p.Last != 2 {
		t.Fatalf("page: last %d, %v; want 2", p.Last, err)
	}
	written := time.Now()
	for i := 3; i <= 5; i++ {
		// Another process appends: this one's cache does not see it.
		data, _ := json.Marshal(chat.Entry{Conv: "r:lobby", Seq: uint64(i), Kind: chat.EntryMessage, HTML: fmt.Sprint(i)})
		msg := &nats.Msg{Subject: subjectPrefix + "0." + token("r:lobby"), Data: data, Header: nats.Header{}}
		msg.Header.Set(seqHeader, fmt.Sprint(i))
		if _, err := l.js.PublishMsg(ctx, msg); err != nil {
			t.Fatal(err)
		}
	}
	if !within(watchIdleCheckEvery+watchStaleAfter+2*watchCheckEvery, func() bool { return wd.Err() != nil }) {
		t.Fatalf("the watch was not found stale %v after the entries it missed", time.Since(written))
	}
	stale := time.Since(written)
	if err := wd.Err(); !strings.Contains(err.Error(), "delivered nothing") {
		t.Errorf("stale for the wrong reason: %v", err)
	}
	if p, err := l.Page(ctx, chat.History{Conv: "r:lobby"}); err != nil || p.Last != 5 {
		t.Errorf("a page while the watch is stale: last %d, %v; want 5 from the stream, not 2 from the cache", p.Last, err)
	}
	if last, err := l.Last(ctx, "r:lobby"); err != nil || last != 5 {
		t.Errorf("the last sequence while the watch is stale: %d, %v; want 5 from the stream, not 2 from the cache", last, err)
	}
	if !within(5*time.Second, func() bool { return r.texts() == "3,4,5" && wd.Err() == nil }) {
		t.Fatalf("after the recovery the watch delivered %q (want 3,4,5), current: %v", r.texts(), wd.Err())
	}
	t.Logf("stale %v after the entries it missed, recovered %v after", stale.Round(time.Millisecond), time.Since(written).Round(time.Millisecond))
	if n := wd.Recoveries()["log"]; n != 1 {
		t.Errorf("%d recoveries of the log's watch, want 1", n)
	}
	if _, err := l.Append(ctx, chat.Entry{Conv: "r:lobby", Kind: chat.EntryMessage, HTML: "6"}); err != nil {
		t.Fatal(err)
	}
	if !within(5*time.Second, func() bool { return r.texts() == "3,4,5,6" }) {
		t.Fatalf("after the recovery the watch delivered %q, want 3,4,5,6", r.texts())
	}
}

// TestWatchRemadeWhenItsConsumerIsDeleted: the consumers of the log's
// watch and of a bucket's are deleted on the server, as the death of the
// server that held them does. Each watch makes its consumer again at once
// and misses nothing.
func TestWatchRemadeWhenItsConsumerIsDeleted(t *testing.T) {
	l, wd := watchFixture(t)
	ctx := context.Background()
	d, err := OpenDirectory(ctx, l.js, 1, wd)
	if err != nil {
		t.Fatal(err)
	}
	var r received
	stop, err := l.Watch(ctx, r.add)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	var mu sync.Mutex
	var cursors []string
	stopCursors, err := d.WatchCursors(ctx, func(c hub.CursorChange) {
		mu.Lock()
		defer mu.Unlock()
		cursors = append(cursors, fmt.Sprint(c.Seq))
	})
	if err != nil {
		t.Fatal(err)
	}
	defer stopCursors()
	for _, name := range []string{streamPrefix + "0", "KV_" + bucketPrefix + cursorsBucket} {
		s, err := l.js.Stream(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for c := range s.ConsumerNames(ctx).Name() {
			if err := s.DeleteConsumer(ctx, c); err != nil {
				t.Fatal(err)
			}
			n++
		}
		if n == 0 {
			t.Fatalf("no consumer of %s to delete", name)
		}
	}
	for i := 1; i <= 3; i++ {
		if _, err := l.Append(ctx, chat.Entry{Conv: "r:lobby", Kind: chat.EntryMessage, HTML: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
		// One key each: a bucket keeps only the newest value of a key.
		if _, err := d.RaiseCursor(ctx, "ann", fmt.Sprint("r:room", i), uint64(i)); err != nil {
			t.Fatal(err)
		}
	}
	if !within(10*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return r.texts() == "1,2,3" && strings.Join(cursors, ",") == "1,2,3"
	}) {
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("after the consumers were deleted: entries %q, read positions %q; want 1,2,3 each", r.texts(), strings.Join(cursors, ","))
	}
	if !within(5*time.Second, func() bool { return wd.Err() == nil }) {
		t.Errorf("not current after the recovery: %v", wd.Err())
	}
	got := wd.Recoveries()
	if got["log"] < 1 || got["cursors"] < 1 {
		t.Errorf("recoveries %v; want the log's and the read positions' counted", got)
	}
	t.Logf("recoveries: %v", got)
}

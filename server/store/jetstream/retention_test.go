package jetstream_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	natsjs "github.com/nats-io/nats.go/jetstream"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/hub"
	"github.com/founding/chat/server/store/jetstream"
)

// appendN appends n entries of about size bytes to conv, failing on an error.
func appendN(t *testing.T, l *jetstream.Log, conv string, n, size int) {
	t.Helper()
	for i := range n {
		if _, err := l.Append(context.Background(), entry(conv, i, size)); err != nil {
			t.Fatalf("append %d to %s: %v", i, conv, err)
		}
	}
}

func entry(conv string, i, size int) chat.Entry {
	return chat.Entry{Conv: conv, Kind: chat.EntryMessage, From: "ann", HTML: fmt.Sprintf("%06d %s", i, strings.Repeat("x", size))}
}

// wholePage reads every entry of conv still held, checking they run from
// first to last with no gap.
func wholePage(t *testing.T, l *jetstream.Log, conv string) chat.Page {
	t.Helper()
	p, err := l.Page(context.Background(), chat.History{Conv: conv, After: 0, Limit: chat.MaxHistoryLimit})
	if err != nil {
		t.Fatalf("page of %s: %v", conv, err)
	}
	for i, e := range p.Entries {
		if e.Seq != p.Entries[0].Seq+uint64(i) {
			t.Fatalf("%s has a gap: entry %d is seq %d", conv, i, e.Seq)
		}
	}
	return p
}

// TestARoomFloodDropsNoPrivateMessage fills the streams of rooms far past
// their bounds: rooms lose their oldest entries, within the count per room
// and the bytes per stream, while every private entry stays.
func TestARoomFloodDropsNoPrivateMessage(t *testing.T) {
	b := openBus(t, t.TempDir())
	defer b.Close()
	l := openLog(t, b, jetstream.LogOptions{MaxBytes: 64 << 10, MaxPerConversation: 40, PrivateMaxBytes: 1 << 20, TailCache: 4})
	const private = "p:ann|bob"
	appendN(t, l, private, 30, 200)
	appendN(t, l, "r:flood", 600, 200) // about 250 KiB into a 64 KiB stream
	appendN(t, l, "r:small", 100, 10)

	if p := wholePage(t, l, private); len(p.Entries) != 30 || p.First != 1 || p.Last != 30 {
		t.Errorf("the private conversation kept %d of 30 entries (first %d, last %d)", len(p.Entries), p.First, p.Last)
	}
	if p := wholePage(t, l, "r:small"); p.Last != 100 || p.Last-p.First+1 > 40 {
		t.Errorf("a room keeps entries %d..%d, more than 40", p.First, p.Last)
	}
	flood := wholePage(t, l, "r:flood")
	if flood.Last != 600 || flood.First <= 600-40 {
		t.Errorf("the flooded room keeps %d..%d, more than its stream's bytes allow", flood.First, flood.Last)
	}
}

// TestAFullPrivateStreamRefusesNewMessages fills the private stream: the
// next private entry is refused with hub.ErrFull, and every entry stored
// before is still there.
func TestAFullPrivateStreamRefusesNewMessages(t *testing.T) {
	b := openBus(t, t.TempDir())
	defer b.Close()
	l := openLog(t, b, jetstream.LogOptions{PrivateMaxBytes: 16 << 10})
	const private = "p:ann|bob"
	stored := 0
	var err error
	for ; stored < 1000; stored++ {
		if _, err = l.Append(context.Background(), entry(private, stored, 500)); err != nil {
			break
		}
	}
	if !errors.Is(err, hub.ErrFull) {
		t.Fatalf("after %d entries of 500 bytes in a 16 KiB stream: %v, want hub.ErrFull", stored, err)
	}
	if p := wholePage(t, l, private); p.First != 1 || int(p.Last) != stored || len(p.Entries) != stored {
		t.Errorf("a full private conversation holds %d..%d (%d entries), want all %d", p.First, p.Last, len(p.Entries), stored)
	}
	// Rooms are not held back by it.
	appendN(t, l, "r:lobby", 10, 500)
}

// syncBuffer is a log destination tests read while the log writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestAFillingStreamIsWarnedOfOnce: past the share of its bound a stream
// is warned of, once per WarnEvery.
func TestAFillingStreamIsWarnedOfOnce(t *testing.T) {
	b := openBus(t, t.TempDir())
	defer b.Close()
	var out syncBuffer
	l := openLog(t, b, jetstream.LogOptions{
		PrivateMaxBytes: 32 << 10, FillWarning: 0.5, FillCheckEvery: time.Nanosecond, WarnEvery: time.Hour,
		Logger: slog.New(slog.NewTextHandler(&out, nil)),
	})
	appendN(t, l, "p:ann|bob", 10, 500) // about 6 KiB of 32: quiet
	if strings.Contains(out.String(), "filling up") {
		t.Fatalf("warned below the share: %s", out.String())
	}
	appendN(t, l, "p:ann|bob", 30, 500) // past half
	if n := strings.Count(out.String(), "filling up"); n != 1 {
		t.Fatalf("%d warnings past the share, want 1: %s", n, out.String())
	}
	if !strings.Contains(out.String(), "CHAT_PRIVATE_0") || !strings.Contains(out.String(), "private-bytes") {
		t.Errorf("the warning does not name the stream and its flag: %s", out.String())
	}
}

// TestTodaysLayoutKeepsWorking writes conversations the way the log did
// before private streams existed (everything in CHAT_LOG_<n>, no bounds),
// then opens the log of today with finite bounds, twice: nothing is lost,
// an old private conversation continues where it is, a new one goes to
// the private stream.
func TestTodaysLayoutKeepsWorking(t *testing.T) {
	dir := t.TempDir()
	b := openBus(t, dir)
	ctx := context.Background()
	const shards = 2
	oldPrivate, newPrivate, room := "p:ann|bob", "p:ann|cid", "r:lobby"
	for n := range shards {
		_, err := b.JetStream.CreateStream(ctx, natsjs.StreamConfig{
			Name: "CHAT_LOG_" + strconv.Itoa(n), Subjects: []string{"chat.log." + strconv.Itoa(n) + ".*"},
			Storage: natsjs.FileStorage, Retention: natsjs.LimitsPolicy, Discard: natsjs.DiscardOld,
			MaxBytes: -1, MaxMsgsPerSubject: -1, Duplicates: 10 * time.Minute, AllowDirect: true, DenyDelete: true,
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, conv := range []string{oldPrivate, room} {
		for seq := uint64(1); seq <= 20; seq++ {
			e := entry(conv, int(seq), 50)
			e.Seq, e.Time = seq, time.Now().UnixMilli()
			data, _ := json.Marshal(e)
			msg := &nats.Msg{Subject: oldSubject(conv, shards), Data: data, Header: nats.Header{}}
			msg.Header.Set("Chat-Seq", strconv.FormatUint(seq, 10))
			if _, err := b.JetStream.PublishMsg(ctx, msg); err != nil {
				t.Fatal(err)
			}
		}
	}

	opts := jetstream.LogOptions{Shards: shards, MaxBytes: 1 << 20, MaxPerConversation: 1000, PrivateMaxBytes: 1 << 20}
	l := openLog(t, b, opts)
	for _, conv := range []string{oldPrivate, room} {
		if p := wholePage(t, l, conv); len(p.Entries) != 20 || p.First != 1 {
			t.Fatalf("%s after the upgrade: %d entries from %d, want 20 from 1", conv, len(p.Entries), p.First)
		}
	}
	appendN(t, l, oldPrivate, 5, 50)
	appendN(t, l, newPrivate, 5, 50)
	appendN(t, l, room, 5, 50)
	b.Close()

	b = openBus(t, dir) // a restart
	defer b.Close()
	l = openLog(t, b, opts)
	for conv, want := range map[string]int{oldPrivate: 25, room: 25, newPrivate: 5} {
		if p := wholePage(t, l, conv); len(p.Entries) != want || p.First != 1 || int(p.Last) != want {
			t.Errorf("%s after a restart: %d entries, %d..%d; want %d from 1", conv, len(p.Entries), p.First, p.Last, want)
		}
	}
	for conv, stream := range map[string]string{oldPrivate: "CHAT_LOG_", newPrivate: "CHAT_PRIVATE_", room: "CHAT_LOG_"} {
		if got := streamOf(t, b.JetStream, conv, shards); !strings.HasPrefix(got, stream) {
			t.Errorf("%s lives in %s, want %s<n>", conv, got, stream)
		}
	}
}

// oldSubject is the subject of conv in the layout before private streams.
func oldSubject(conv string, shards int) string {
	return "chat.log." + strconv.Itoa(shardOf(conv, shards)) + "." + base64.RawURLEncoding.EncodeToString([]byte(conv))
}

// shardOf is the log's FNV-1a shard of conv (docs/storage.md).
func shardOf(conv string, shards int) int {
	h := uint32(2166136261)
	for _, c := range []byte(conv) {
		h ^= uint32(c)
		h *= 16777619
	}
	return int(h % uint32(shards))
}

// streamOf names the stream that holds entries of conv.
func streamOf(t *testing.T, js natsjs.JetStream, conv string, shards int) string {
	t.Helper()
	tok := base64.RawURLEncoding.EncodeToString([]byte(conv))
	n := strconv.Itoa(shardOf(conv, shards))
	for _, s := range []struct{ stream, subject string }{
		{"CHAT_LOG_" + n, "chat.log." + n + "." + tok},
		{"CHAT_PRIVATE_" + n, "chat.private." + n + "." + tok},
	} {
		st, err := js.Stream(context.Background(), s.stream)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.GetLastMsgForSubject(context.Background(), s.subject); err == nil {
			return s.stream
		}
	}
	return "nowhere"
}

package jetstream_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	natsjs "github.com/nats-io/nats.go/jetstream"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/hub"
	"github.com/founding/chat/server/store/jetstream"
)

// record is a device's record as the bucket holds it.
type record struct {
	High uint64   `json:"h"`
	Acks [][4]any `json:"a"` // [n, seq, time, conv]
}

// storedRecord reads the record of key from the devices bucket.
func storedRecord(t *testing.T, kv natsjs.KeyValue, key string) record {
	t.Helper()
	entry, err := kv.Get(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	var m record
	if err := json.Unmarshal(entry.Value(), &m); err != nil {
		t.Fatalf("record %s: %v", entry.Value(), err)
	}
	return m
}

// TestDeviceRecordsAreWrittenLaterInOneWrite: the messages a device sends
// within the delay cost one write of its record, not one each; until then
// this process answers a retry from what it holds, and another process
// from the stream's dedupe window; Flush writes at once what waits.
func TestDeviceRecordsAreWrittenLaterInOneWrite(t *testing.T) {
	ctx := context.Background()
	b := openBus(t, t.TempDir())
	defer b.Close()
	l := openLog(t, b, jetstream.LogOptions{MarkDelay: time.Hour})
	kv, err := b.JetStream.KeyValue(ctx, jetstream.DevicesBucket)
	if err != nil {
		t.Fatal(err)
	}
	key := jetstream.DeviceKV("ann", "dev")
	var acks []chat.Ack
	for n := uint64(1); n <= 10; n++ {
		ack, dup, err := l.AppendMessage(ctx, chat.Entry{Conv: "r:lobby", Kind: chat.EntryMessage, HTML: "x"}, hub.Origin{User: "ann", ID: chat.MsgID{Device: "dev", N: n}})
		if err != nil || dup {
			t.Fatal(n, err, dup)
		}
		acks = append(acks, ack)
	}
	if _, err := kv.Get(ctx, key); err == nil {
		t.Fatal("the record was written before the delay")
	}
	again, dup, err := l.AppendMessage(ctx, chat.Entry{Conv: "r:lobby", Kind: chat.EntryMessage, HTML: "x"}, hub.Origin{User: "ann", ID: chat.MsgID{Device: "dev", N: 4}})
	if err != nil || !dup || again != acks[3] {
		t.Fatalf("retry here: %+v dup=%v err=%v; want %+v", again, dup, err, acks[3])
	}
	other := openLog(t, b, jetstream.LogOptions{MarkDelay: time.Hour}) // another node, before the record is written
	again, dup, err = other.AppendMessage(ctx, chat.Entry{Conv: "r:lobby", Kind: chat.EntryMessage, HTML: "x"}, hub.Origin{User: "ann", ID: chat.MsgID{Device: "dev", N: 7}})
	if err != nil || !dup || again.Seq != acks[6].Seq {
		t.Fatalf("retry on another node: %+v dup=%v err=%v; want seq %d", again, dup, err, acks[6].Seq)
	}

	if err := l.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if m := storedRecord(t, kv, key); m.High != 10 || len(m.Acks) != 10 {
		t.Fatalf("record %+v: want 10 acks up to 10", m)
	}
	history, err := kv.History(ctx, key)
	if err != nil || len(history) != 1 {
		t.Errorf("the record was written %d times (%v), want once", len(history), err)
	}
}

// TestTwoNodesJoinTheirDeviceRecords: when a device moved and both nodes
// write its record, neither loses the other's acks.
func TestTwoNodesJoinTheirDeviceRecords(t *testing.T) {
	ctx := context.Background()
	b := openBus(t, t.TempDir())
	defer b.Close()
	l1 := openLog(t, b, jetstream.LogOptions{MarkDelay: time.Hour})
	l2 := openLog(t, b, jetstream.LogOptions{MarkDelay: time.Hour})
	send := func(l *jetstream.Log, n uint64) chat.Ack {
		t.Helper()
		ack, dup, err := l.AppendMessage(ctx, chat.Entry{Conv: "r:lobby", Kind: chat.EntryMessage, HTML: "x"}, hub.Origin{User: "ann", ID: chat.MsgID{Device: "dev", N: n}})
		if err != nil || dup {
			t.Fatal(n, err, dup)
		}
		return ack
	}
	first := send(l1, 1)
	second := send(l2, 2) // the device moved to the second node
	for _, l := range []*jetstream.Log{l1, l2} {
		if err := l.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	kv, err := b.JetStream.KeyValue(ctx, jetstream.DevicesBucket)
	if err != nil {
		t.Fatal(err)
	}
	m := storedRecord(t, kv, jetstream.DeviceKV("ann", "dev"))
	if m.High != 2 || len(m.Acks) != 2 {
		t.Fatalf("record %+v: want the acks of both nodes, up to 2", m)
	}
	for i, want := range []chat.Ack{first, second} {
		if n, seq := m.Acks[i][0].(float64), m.Acks[i][1].(float64); uint64(n) != want.ID.N || uint64(seq) != want.Seq {
			t.Errorf("ack %d is %v, want id %d at seq %d", i, m.Acks[i], want.ID.N, want.Seq)
		}
	}
}

package jetstream_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/bus"
	"github.com/founding/chat/server/hub"
	"github.com/founding/chat/server/store/jetstream"
	"github.com/founding/chat/server/store/storetest"
)

func openLog(t *testing.T, b *bus.Bus, opts jetstream.LogOptions) *jetstream.Log {
	t.Helper()
	l, err := jetstream.OpenLog(context.Background(), b.JetStream, opts)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestJetStreamAppendAndPage(t *testing.T) {
	ctx := context.Background()
	b := openBus(t, t.TempDir())
	defer b.Close()
	l := openLog(t, b, jetstream.LogOptions{Shards: 2, TailCache: 8})
	for i := 1; i <= 30; i++ {
		for _, conv := range []string{"r:lobby", "p:ann|bob", "r:group a"} {
			e, err := l.Append(ctx, chat.Entry{Conv: conv, Kind: chat.EntryMessage, From: "ann", HTML: fmt.Sprint(i)})
			if err != nil {
				t.Fatal(err)
			}
			if e.Seq != uint64(i) || e.Time == 0 {
				t.Fatalf("%s entry %d got seq %d time %d", conv, i, e.Seq, e.Time)
			}
		}
	}
	tests := []struct {
		name     string
		q        chat.History
		from, to uint64
	}{
		{"latest from cache", chat.History{Conv: "r:group a", Limit: 5}, 26, 30},
		{"latest from stream", chat.History{Conv: "r:lobby", Limit: 20}, 11, 30},
		{"after", chat.History{Conv: "p:ann|bob", After: 3, Limit: 4}, 4, 7},
		{"before", chat.History{Conv: "r:lobby", Before: 10, Limit: 50}, 1, 9},
		{"caught up", chat.History{Conv: "r:lobby", After: 30}, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := l.Page(ctx, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			want := int(tt.to) - int(tt.from) + 1
			if want < 0 {
				want = 0
			}
			if len(p.Entries) != want || p.First != 1 || p.Last != 30 {
				t.Fatalf("page: %d entries, first %d last %d; want %d", len(p.Entries), p.First, p.Last, want)
			}
			for i, e := range p.Entries {
				if e.Seq != tt.from+uint64(i) || e.HTML != fmt.Sprint(e.Seq) || e.Conv != tt.q.Conv {
					t.Fatalf("entry %d = %+v", i, e)
				}
			}
		})
	}
	if _, err := l.Page(ctx, chat.History{Conv: "r:lobby", After: 31}); !errors.Is(err, hub.ErrFuture) {
		t.Fatalf("after 31: %v", err)
	}
	if _, err := l.Page(ctx, chat.History{Conv: "r:lobby", Before: 1}); !errors.Is(err, hub.ErrBeforeStart) {
		t.Fatalf("before 1: %v", err)
	}
}

func TestJetStreamSurvivesRestartAndDedupes(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	b := openBus(t, dir)
	l := openLog(t, b, jetstream.LogOptions{})
	o := hub.Origin{User: "ann", ID: chat.MsgID{Device: "device-1", N: 1}}
	first, dup, err := l.AppendMessage(ctx, chat.Entry{Conv: "r:lobby", HTML: "x"}, o)
	if err != nil || dup {
		t.Fatal(err, dup)
	}
	b.Close()

	b = openBus(t, dir)
	defer b.Close()
	l = openLog(t, b, jetstream.LogOptions{})
	again, dup, err := l.AppendMessage(ctx, chat.Entry{Conv: "r:lobby", HTML: "x"}, o)
	if err != nil || !dup || again != first {
		t.Fatalf("retry after restart: %+v dup=%v err=%v; want %+v", again, dup, err, first)
	}
	e, err := l.Append(ctx, chat.Entry{Conv: "r:lobby"})
	if err != nil || e.Seq != 2 {
		t.Fatalf("next entry after restart: %+v %v", e, err)
	}
}

func TestJetStreamTwoWritersNeverShareASequence(t *testing.T) {
	ctx := context.Background()
	b := openBus(t, t.TempDir())
	defer b.Close()
	l1 := openLog(t, b, jetstream.LogOptions{})
	l2 := openLog(t, b, jetstream.LogOptions{}) // a second process on the same streams
	var wg sync.WaitGroup
	for _, l := range []*jetstream.Log{l1, l2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				if _, err := l.Append(ctx, chat.Entry{Conv: "r:busy"}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	p, err := l1.Page(ctx, chat.History{Conv: "r:busy", After: 0, Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Entries) != 200 || p.Last != 200 {
		t.Fatalf("%d entries, last %d", len(p.Entries), p.Last)
	}
	for i, e := range p.Entries {
		if e.Seq != uint64(i+1) {
			t.Fatalf("entry %d has seq %d", i, e.Seq)
		}
	}
}

func TestJetStreamWatchSeesEveryAppend(t *testing.T) {
	ctx := context.Background()
	b := openBus(t, t.TempDir())
	defer b.Close()
	l := openLog(t, b, jetstream.LogOptions{Shards: 3})
	got := make(chan chat.Entry, 100)
	stop, err := l.Watch(ctx, func(e chat.Entry) { got <- e })
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	for i := 0; i < 20; i++ {
		if _, err := l.Append(ctx, chat.Entry{Conv: "r:w"}); err != nil {
			t.Fatal(err)
		}
	}
	for i := 1; i <= 20; i++ {
		if e := <-got; e.Seq != uint64(i) || e.Conv != "r:w" {
			t.Fatalf("watch delivered %+v, want seq %d", e, i)
		}
	}
}

func TestMessageOrigins(t *testing.T) {
	b := openBus(t, t.TempDir())
	defer b.Close()
	storetest.TestMessageOrigins(t, openLog(t, b, jetstream.LogOptions{}), jetstream.KeptAcks)
}

// TestOldDeviceRecordsStayStrict: a device record written before the
// floor of dropped acks was kept, once full, refuses every id below its
// newest without a kept ack, as it did then.
func TestOldDeviceRecordsStayStrict(t *testing.T) {
	ctx := context.Background()
	b := openBus(t, t.TempDir())
	defer b.Close()
	l := openLog(t, b, jetstream.LogOptions{})
	kv, err := b.JetStream.KeyValue(ctx, jetstream.DevicesBucket)
	if err != nil {
		t.Fatal(err)
	}
	var acks []string
	for n := 100; n < 100+jetstream.KeptAcks; n++ {
		acks = append(acks, fmt.Sprintf(`[%d,%d,0,"r:old"]`, n, n))
	}
	old := fmt.Sprintf(`{"h":%d,"a":[%s]}`, 100+jetstream.KeptAcks+50, strings.Join(acks, ","))
	if _, err := kv.Put(ctx, jetstream.DeviceKV("ann", "dev"), []byte(old)); err != nil {
		t.Fatal(err)
	}
	e := chat.Entry{Conv: "r:old", Kind: chat.EntryMessage, From: "ann", HTML: "late"}
	if _, _, err := l.AppendMessage(ctx, e, hub.Origin{User: "ann", ID: chat.MsgID{Device: "dev", N: uint64(100 + jetstream.KeptAcks + 10)}}); !errors.Is(err, hub.ErrStaleID) {
		t.Errorf("an id below an old record's newest, without its ack: %v; want ErrStaleID", err)
	}
}

package jetstream_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/bus"
	"github.com/founding/chat/server/hub"
	"github.com/founding/chat/server/store/jetstream"
	"github.com/founding/chat/server/store/memory"
)

// appender is what the benchmarks drive. The memory log is the baseline
// the JetStream one is measured against.
type appender interface {
	AppendMessage(context.Context, chat.Entry, hub.Origin) (chat.Ack, bool, error)
}

// BenchmarkAppendMessage stores messages one after another, each waiting
// for its ack, as one busy client does: the latency durability adds.
func BenchmarkAppendMessage(b *testing.B) {
	for _, bc := range backends(b) {
		b.Run(bc.name, func(b *testing.B) {
			log := bc.open(b)
			ctx := context.Background()
			e := chat.Entry{Conv: "r:bench", Kind: chat.EntryMessage, From: "ann", HTML: `<div class="body">` + fmt.Sprintf("%080d", 0) + `</div>`}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				o := hub.Origin{User: "ann", ID: chat.MsgID{Device: "bench-device", N: uint64(i + 1)}}
				if _, _, err := log.AppendMessage(ctx, e, o); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

// BenchmarkAppendMessageParallel stores messages from many clients at once,
// spread over 64 conversations: the sustained rate one node persists and
// acks.
func BenchmarkAppendMessageParallel(b *testing.B) {
	for _, bc := range backends(b) {
		b.Run(bc.name, func(b *testing.B) {
			log := bc.open(b)
			ctx := context.Background()
			var next atomic.Uint64
			b.SetParallelism(16) // 16 × GOMAXPROCS concurrent senders
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				client := next.Add(1)
				device := fmt.Sprintf("bench-device-%d", client)
				e := chat.Entry{Conv: fmt.Sprintf("r:bench-%d", client%64), Kind: chat.EntryMessage, From: "ann", HTML: `<div class="body">hello</div>`}
				for n := uint64(1); pb.Next(); n++ {
					o := hub.Origin{User: "ann", ID: chat.MsgID{Device: device, N: n}}
					if _, _, err := log.AppendMessage(ctx, e, o); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

type backend struct {
	name string
	open func(testing.TB) appender
}

func backends(b *testing.B) []backend {
	jet := func(fsync bool) func(testing.TB) appender {
		return func(tb testing.TB) appender {
			bs, err := bus.Open(bus.Options{DataDir: tb.TempDir(), Fsync: fsync})
			if err != nil {
				tb.Fatal(err)
			}
			tb.Cleanup(bs.Close)
			l, err := jetstream.OpenLog(context.Background(), bs.JetStream, jetstream.LogOptions{DedupeWindow: time.Minute})
			if err != nil {
				tb.Fatal(err)
			}
			return l
		}
	}
	return []backend{
		{"memory", func(testing.TB) appender { return memory.NewLog() }},
		{"jetstream", jet(false)},
		{"jetstream-fsync", jet(true)},
	}
}

// BenchmarkFirstFoldedPage measures the first history page of a
// conversation in a process, which folds in the edits, deletes and
// reactions of its messages (server/hub/amend.go): the latest page, which
// reads the log no further back than itself, and the latest page when it
// holds a reply to the conversation's first message, which reads the whole
// log back once. The log holds 20 000 entries, one in ten a reaction.
func BenchmarkFirstFoldedPage(b *testing.B) {
	const n = 20_000
	for _, bc := range backends(b)[:2] {
		b.Run(bc.name, func(b *testing.B) {
			log := bc.open(b).(hub.Log)
			ctx := context.Background()
			for i := 1; i <= n; i++ {
				e := chat.Entry{Conv: hub.LobbyID, Kind: chat.EntryMessage, From: "ann", HTML: `<div class="body">` + fmt.Sprintf("%080d", i) + `</div>`}
				if i%10 == 0 {
					e = chat.Entry{Conv: hub.LobbyID, Kind: chat.EntryReact, From: "ann", Target: uint64(i - 1), Emoji: "👍", On: true}
				}
				if _, err := log.Append(ctx, e); err != nil {
					b.Fatal(err)
				}
			}
			b.Run("latest", func(b *testing.B) { firstPages(b, log) })
			reply := chat.Entry{Conv: hub.LobbyID, Kind: chat.EntryMessage, From: "ann", HTML: `<div class="body">re</div>`, Reply: &chat.Quote{Seq: 1, From: "ann"}}
			if _, err := log.Append(ctx, reply); err != nil {
				b.Fatal(err)
			}
			b.Run("replyToTheFirst", func(b *testing.B) { firstPages(b, log) })
		})
	}
}

// firstPages opens a hub on log b.N times and reads the latest page.
func firstPages(b *testing.B, log hub.Log) {
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		h, err := hub.New(hub.Options{Log: log, Directory: memory.NewDirectory(), PresenceGrace: time.Hour})
		if err != nil {
			b.Fatal(err)
		}
		s := nopSink{}
		if err := h.Connect(ctx, hub.User{Key: "ann", Name: "ann"}, s); err != nil {
			b.Fatal(err)
		}
		p, err := h.Page(ctx, "ann", chat.History{Conv: hub.LobbyID})
		if err != nil || p.Entries[len(p.Entries)-1].Seq != p.Last {
			b.Fatalf("page: %v", err)
		}
		h.Disconnect(s)
		h.Close()
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/first-page")
}

type nopSink struct{}

func (nopSink) Send([]byte)                 {}
func (nopSink) SendWithNext(string, []byte) {}

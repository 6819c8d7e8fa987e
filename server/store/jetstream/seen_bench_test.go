package jetstream_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/bus"
	"github.com/founding/chat/server/hub"
	"github.com/founding/chat/server/store/jetstream"
)

// BenchmarkFirstConnect measures a user's first connection to a node on
// JetStream, which reads the user's conversations, and for each private
// one the other member's read position ("Seen", server/hub/seen.go): a
// user in 50 rooms against a user in 50 private conversations, each read
// by the other member.
func BenchmarkFirstConnect(b *testing.B) {
	for _, kind := range []chat.ConvKind{chat.KindRoom, chat.KindPrivate} {
		b.Run(fmt.Sprintf("50-%s", kind), func(b *testing.B) {
			bs, err := bus.Open(bus.Options{DataDir: b.TempDir()})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(bs.Close)
			ctx := context.Background()
			log, err := jetstream.OpenLog(ctx, bs.JetStream, jetstream.LogOptions{})
			if err != nil {
				b.Fatal(err)
			}
			dir, err := jetstream.OpenDirectory(ctx, bs.JetStream, 1, nil)
			if err != nil {
				b.Fatal(err)
			}
			for i := range 50 {
				peer := fmt.Sprintf("peer%02d", i)
				rec := hub.ConvRecord{ID: "r:" + peer, Kind: chat.KindRoom, Name: peer}
				if kind == chat.KindPrivate {
					rec = hub.ConvRecord{ID: "p:ann|" + peer, Kind: chat.KindPrivate,
						Members: []hub.Member{{Key: "ann", Name: "ann"}, {Key: peer, Name: peer}}}
				}
				if _, err := dir.CreateConv(ctx, rec); err != nil {
					b.Fatal(err)
				}
				for _, who := range []string{"ann", peer} {
					if _, err := dir.SetMember(ctx, who, rec.ID, true); err != nil {
						b.Fatal(err)
					}
				}
				if _, err := log.Append(ctx, chat.Entry{Conv: rec.ID, Kind: chat.EntryMessage, From: "ann", HTML: "<div>hi</div>"}); err != nil {
					b.Fatal(err)
				}
				if _, err := dir.RaiseCursor(ctx, peer, rec.ID, 1); err != nil {
					b.Fatal(err)
				}
			}
			for b.Loop() {
				h, err := hub.New(hub.Options{Log: log, Directory: dir, PresenceGrace: time.Hour})
				if err != nil {
					b.Fatal(err)
				}
				if err := h.Connect(ctx, hub.User{Key: "ann", Name: "ann"}, nopSink{}); err != nil {
					b.Fatal(err)
				}
				h.Close()
			}
		})
	}
}

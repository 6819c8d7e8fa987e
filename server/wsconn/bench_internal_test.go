package wsconn

import (
	"context"
	"testing"

	"github.com/founding/chat/app/chat"
)

// BenchmarkSendAndFlush measures the hot path of a fan-out: Send of an
// encoded entry to a connection whose client reads as fast as it can, with
// the flushes that write it.
func BenchmarkSendAndFlush(b *testing.B) {
	server, client := wsPair(b)
	c := newTestConn(b, server, 64<<20)
	frame, err := chat.Encode(&chat.Entry{Conv: "r:lobby", Seq: 1, Kind: chat.EntryMessage, From: "ann", HTML: "<p>hello</p>"})
	if err != nil {
		b.Fatal(err)
	}
	want := b.N
	done := make(chan int)
	go func() {
		got := 0
		for got < want {
			_, data, err := client.Read(context.Background())
			if err != nil {
				break
			}
			f, _ := chat.DecodeServer(data)
			if batch, ok := f.(*chat.Batch); ok {
				got += len(batch.Frames)
			} else {
				got++
			}
		}
		done <- got
	}()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		c.Send(frame)
	}
	if got := <-done; got != want {
		b.Fatalf("client read %d frames, want %d", got, want)
	}
	b.StopTimer()
	c.queue.close()
	c.state.stop()
}

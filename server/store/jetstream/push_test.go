package jetstream_test

import (
	"context"
	"sync"
	"testing"

	"github.com/founding/chat/server/push"
	"github.com/founding/chat/server/store/jetstream"
	"github.com/founding/chat/server/store/storetest"
)

func TestPushRecords(t *testing.T) {
	b := openBus(t, t.TempDir())
	defer b.Close()
	st, err := jetstream.OpenPushRecords(context.Background(), b.JetStream, 1)
	if err != nil {
		t.Fatal(err)
	}
	storetest.TestPush(t, st)
}

// TestPushKeysSharedAndKept: two nodes opening the bucket at once agree on
// one key pair, and a restart keeps it.
func TestPushKeysSharedAndKept(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	b := openBus(t, dir)
	keys := make([]push.Keys, 2)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			st, err := jetstream.OpenPushRecords(ctx, b.JetStream, 1)
			if err == nil {
				keys[i], err = push.LoadKeys(ctx, st)
			}
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if keys[0] != keys[1] || keys[0].Public == "" {
		t.Fatalf("nodes got %+v", keys)
	}
	b.Close()
	b = openBus(t, dir)
	defer b.Close()
	st, err := jetstream.OpenPushRecords(ctx, b.JetStream, 1)
	if err != nil {
		t.Fatal(err)
	}
	again, err := push.LoadKeys(ctx, st)
	if err != nil || again != keys[0] {
		t.Fatalf("after a restart: %+v, %v; want %+v", again, err, keys[0])
	}
}

package jetstream_test

import (
	"context"
	"errors"
	"testing"

	natsjs "github.com/nats-io/nats.go/jetstream"

	"github.com/founding/chat/server/store/jetstream"
)

// laggingReplica is a bucket read from a replica that has not seen any
// write yet: every direct get misses.
type laggingReplica struct{ natsjs.KeyValue }

func (laggingReplica) Get(context.Context, string) (natsjs.KeyValueEntry, error) {
	return nil, natsjs.ErrKeyNotFound
}

// TestMissIsConfirmedByTheLeader: a key that a lagging replica reports
// missing is read from the stream's leader, with its value and revision;
// a deleted or never written key is missing there too.
func TestMissIsConfirmedByTheLeader(t *testing.T) {
	ctx := context.Background()
	b := openBus(t, t.TempDir())
	defer b.Close()
	real, err := b.JetStream.CreateKeyValue(ctx, natsjs.KeyValueConfig{Bucket: "chat_test_lag", History: 1})
	if err != nil {
		t.Fatal(err)
	}
	kv := jetstream.Consistent(b.JetStream, laggingReplica{real})
	rev, err := real.Put(ctx, "room", []byte("den"))
	if err != nil {
		t.Fatal(err)
	}
	e, err := kv.Get(ctx, "room")
	if err != nil {
		t.Fatalf("a key the replica has not seen: %v, want it read from the leader", err)
	}
	if string(e.Value()) != "den" || e.Revision() != rev || e.Key() != "room" || e.Bucket() != "chat_test_lag" {
		t.Errorf("read %q rev %d key %q bucket %q, want \"den\" rev %d", e.Value(), e.Revision(), e.Key(), e.Bucket(), rev)
	}
	if _, err := real.Update(ctx, "room", []byte("den 2"), e.Revision()); err != nil {
		t.Fatalf("an update with the leader's revision: %v", err)
	}
	if err := real.Delete(ctx, "room"); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Get(ctx, "room"); !errors.Is(err, natsjs.ErrKeyNotFound) {
		t.Errorf("a deleted key: %v, want ErrKeyNotFound", err)
	}
	if _, err := kv.Get(ctx, "never"); !errors.Is(err, natsjs.ErrKeyNotFound) {
		t.Errorf("a key never written: %v, want ErrKeyNotFound", err)
	}
	if err := real.Purge(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Get(ctx, "gone"); !errors.Is(err, natsjs.ErrKeyNotFound) {
		t.Errorf("a purged key: %v, want ErrKeyNotFound", err)
	}
}

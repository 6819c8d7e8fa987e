package jetstream

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"testing"

	"github.com/founding/chat/server/bus"
)

// TestLatestByDirectGetIsTheWatchs: the direct multi-get answers what a
// watch does, deleted keys left out, nothing for a prefix with no keys;
// past the server's 1,024 keys it says so, and latest reads them all
// with a watch.
func TestLatestByDirectGetIsTheWatchs(t *testing.T) {
	ctx := context.Background()
	b, err := bus.Open(bus.Options{DataDir: t.TempDir(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	d, err := OpenDirectory(ctx, b.JetStream, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		if _, err := d.SetMember(ctx, "ann", fmt.Sprintf("r:room%d", i), true); err != nil {
			t.Fatal(err)
		}
	}
	for _, conv := range []string{"r:room1", "r:room4"} {
		if _, err := d.SetMember(ctx, "ann", conv, false); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := d.SetMember(ctx, "bob", "r:room1", true); err != nil {
		t.Fatal(err)
	}
	filter := token("ann") + ".*"
	direct, err := d.lastForKeys(ctx, d.members.Bucket(), filter)
	if err != nil {
		t.Fatal(err)
	}
	watched, err := watchLatest(ctx, d.members, filter)
	if err != nil {
		t.Fatal(err)
	}
	if len(direct) != 4 || !maps.EqualFunc(direct, watched, func(a, b []byte) bool { return string(a) == string(b) }) {
		t.Fatalf("the direct get has %d keys %v, the watch %d %v: want the same 4", len(direct), direct, len(watched), watched)
	}
	if none, err := d.lastForKeys(ctx, d.members.Bucket(), token("nobody")+".*"); err != nil || len(none) != 0 {
		t.Fatalf("a prefix with no keys: %v, %v", none, err)
	}

	for i := range maxMultiLast + 10 {
		if _, err := d.SetMember(ctx, "cid", fmt.Sprintf("r:many%d", i), true); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := d.lastForKeys(ctx, d.members.Bucket(), token("cid")+".*"); !errors.Is(err, errTooMany) {
		t.Fatalf("a direct get of %d keys: %v, want errTooMany", maxMultiLast+10, err)
	}
	convs, err := d.Memberships(ctx, "cid")
	if err != nil || len(convs) != maxMultiLast+10 {
		t.Fatalf("Memberships of %d conversations: %d, %v", maxMultiLast+10, len(convs), err)
	}
}

package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/store"
)

// directory is what both implementations offer.
type directory interface {
	CreateConv(context.Context, store.ConvRecord) (store.ConvRecord, error)
	Conv(context.Context, string) (store.ConvRecord, error)
	SetMember(ctx context.Context, user, conv string, member bool) (bool, error)
	Memberships(context.Context, string) ([]string, error)
	RaiseCursor(ctx context.Context, user, conv string, seq uint64) (bool, error)
	Cursors(context.Context, string) (map[string]uint64, error)
	SetSeen(context.Context, string, int64) error
	Seen(context.Context, string) (int64, error)
	WatchMemberships(context.Context, func(store.MembershipChange)) (func(), error)
}

var (
	_ directory = (*store.MemoryDirectory)(nil)
	_ directory = (*store.KVDirectory)(nil)
)

func TestDirectories(t *testing.T) {
	b := openBus(t, t.TempDir())
	defer b.Close()
	kv, err := store.OpenKVDirectory(context.Background(), b.JetStream, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		dir  directory
	}{
		{"memory", store.NewMemoryDirectory()},
		{"kv", kv},
	} {
		t.Run(tt.name, func(t *testing.T) { testDirectory(t, tt.dir) })
	}
}

func testDirectory(t *testing.T, d directory) {
	ctx := context.Background()
	changes := make(chan store.MembershipChange, 10)
	stop, err := d.WatchMemberships(ctx, func(c store.MembershipChange) { changes <- c })
	if err != nil {
		t.Fatal(err)
	}
	defer stop()

	room := store.ConvRecord{ID: "r:group a", Kind: chat.KindRoom, Name: "group A"}
	got, err := d.CreateConv(ctx, room)
	if err != nil || !reflect.DeepEqual(got, room) {
		t.Fatalf("create: %+v %v", got, err)
	}
	again, _ := d.CreateConv(ctx, store.ConvRecord{ID: "r:group a", Kind: chat.KindRoom, Name: "GROUP A"})
	if again.Name != "group A" {
		t.Fatalf("second create replaced the room: %+v", again)
	}
	if _, err := d.Conv(ctx, "r:none"); err != store.ErrNotFound {
		t.Fatalf("missing conv: %v", err)
	}

	for _, step := range []struct {
		conv   string
		member bool
		change bool
	}{
		{"r:group a", true, true},
		{"r:group a", true, false},
		{"r:lobby", true, true},
		{"r:group a", false, true},
		{"r:group a", false, false},
		{"r:group a", true, true},
	} {
		changed, err := d.SetMember(ctx, "ann", step.conv, step.member)
		if err != nil || changed != step.change {
			t.Fatalf("SetMember(%s, %v) = %v, %v; want %v", step.conv, step.member, changed, err, step.change)
		}
		if changed {
			select {
			case c := <-changes:
				if c.User != "ann" || c.Conv != step.conv || c.Member != step.member {
					t.Fatalf("watched %+v", c)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("no membership change was watched")
			}
		}
	}
	list, _ := d.Memberships(ctx, "ann")
	if !reflect.DeepEqual(list, []string{"r:group a", "r:lobby"}) {
		t.Fatalf("memberships = %v", list)
	}

	for _, step := range []struct {
		seq    uint64
		raised bool
	}{{5, true}, {3, false}, {5, false}, {9, true}} {
		if raised, err := d.RaiseCursor(ctx, "ann", "r:lobby", step.seq); err != nil || raised != step.raised {
			t.Fatalf("RaiseCursor(%d) = %v, %v", step.seq, raised, err)
		}
	}
	if c, _ := d.Cursors(ctx, "ann"); c["r:lobby"] != 9 || len(c) != 1 {
		t.Fatalf("cursors = %v", c)
	}
	if err := d.SetSeen(ctx, "ann", 1234); err != nil {
		t.Fatal(err)
	}
	if ms, _ := d.Seen(ctx, "ann"); ms != 1234 {
		t.Fatalf("seen = %d", ms)
	}
}

package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/hub"
)

// RoomDirectory is a Directory that lists rooms and their members and
// sets their owner, for the admin console: both backends are.
type RoomDirectory interface {
	hub.Directory
	Rooms(ctx context.Context) ([]hub.ConvRecord, error)
	MemberCounts(ctx context.Context) (map[string]int, error)
	RoomMembers(ctx context.Context, conv string) ([]string, error)
	SetOwner(ctx context.Context, id string, owner hub.Member) error
}

// TestAdminRooms checks what the admin console asks of an empty
// Directory about rooms: every room listed (no private conversation),
// members counted and listed, an owner changed (the rest of the record
// kept, and the change seen by WatchConvs), and no owner set on a room
// that does not exist.
func TestAdminRooms(t *testing.T, d RoomDirectory) {
	t.Helper()
	ctx := context.Background()
	ann, bob := hub.Member{Key: "ann", Name: "Ann"}, hub.Member{Key: "bob", Name: "Bob"}
	for _, rec := range []hub.ConvRecord{
		{ID: "r:den", Kind: chat.KindRoom, Name: "Den", Owner: ann},
		{ID: "r:hall", Kind: chat.KindRoom, Name: "hall"},
		{ID: "p:ann:bob", Kind: chat.KindPrivate, Members: []hub.Member{ann, bob}},
	} {
		if _, err := d.CreateConv(ctx, rec); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range [][2]string{{"ann", "r:den"}, {"bob", "r:den"}, {"bob", "r:hall"}, {"ann", "p:ann:bob"}} {
		if _, err := d.SetMember(ctx, m[0], m[1], true); err != nil {
			t.Fatal(err)
		}
	}
	rooms, err := d.Rooms(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range rooms {
		ids = append(ids, r.ID)
	}
	slices.Sort(ids)
	if !slices.Equal(ids, []string{"r:den", "r:hall"}) {
		t.Errorf("rooms %v", ids)
	}
	counts, err := d.MemberCounts(ctx)
	if err != nil || counts["r:den"] != 2 || counts["r:hall"] != 1 || counts["p:ann:bob"] != 1 {
		t.Errorf("member counts %v, %v", counts, err)
	}
	members := func(conv string) []string {
		t.Helper()
		list, err := d.RoomMembers(ctx, conv)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(list)
		return list
	}
	if got := members("r:den"); !slices.Equal(got, []string{"ann", "bob"}) {
		t.Errorf("den's members %v", got)
	}
	if _, err := d.SetMember(ctx, "bob", "r:den", false); err != nil {
		t.Fatal(err)
	}
	if got := members("r:den"); !slices.Equal(got, []string{"ann"}) {
		t.Errorf("den's members once bob left %v", got)
	}
	if got := members("r:none"); len(got) != 0 {
		t.Errorf("members of no room %v", got)
	}

	watched := make(chan hub.ConvRecord, 8)
	stop, err := d.WatchConvs(ctx, func(rec hub.ConvRecord) { watched <- rec })
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if err := d.SetOwner(ctx, "r:den", bob); err != nil {
		t.Fatal(err)
	}
	if rec, err := d.Conv(ctx, "r:den"); err != nil || rec.Owner != bob || rec.Name != "Den" || rec.Kind != chat.KindRoom {
		t.Errorf("den once given to bob: %+v, %v", rec, err)
	}
	select {
	case rec := <-watched:
		if rec.ID != "r:den" || rec.Owner != bob || rec.Name != "Den" {
			t.Errorf("the watch saw %+v", rec)
		}
	case <-time.After(10 * time.Second):
		t.Error("the watch of records did not see the new owner")
	}
	if err := d.SetOwner(ctx, "r:none", bob); !errors.Is(err, hub.ErrNotFound) {
		t.Errorf("owner of no room: %v", err)
	}
}

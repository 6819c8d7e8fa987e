package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/hub"
)

// TestGroups checks an empty hub.Directory's UpdateConv (hub/group.go): a
// change is stored and read back with its members and first sequences; a
// change that fails stores nothing; an unknown conversation is
// hub.ErrNotFound; and changes made at once by many goroutines all land
// (each reads the record again when another changed it first).
func TestGroups(t *testing.T, d hub.Directory) {
	t.Helper()
	ctx := context.Background()
	const id = "g:storetest"
	ann, bob, cid := hub.Member{Key: "ann", Name: "Ann"}, hub.Member{Key: "bob", Name: "Bob"}, hub.Member{Key: "cid", Name: "Cid"}
	if _, err := d.CreateConv(ctx, hub.ConvRecord{ID: id, Kind: chat.KindPrivate, Members: []hub.Member{ann, bob, cid}}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.UpdateConv(ctx, "g:nowhere", func(*hub.ConvRecord) error { return nil }); !errors.Is(err, hub.ErrNotFound) {
		t.Errorf("an unknown conversation: %v, want ErrNotFound", err)
	}
	dee := hub.Member{Key: "dee", Name: "Dee"}
	rec, err := d.UpdateConv(ctx, id, func(r *hub.ConvRecord) error {
		r.Members = append(r.Members, dee)
		r.Since = map[string]uint64{"dee": 7}
		r.Name = "Trip"
		return nil
	})
	if err != nil || len(rec.Members) != 4 || rec.Since["dee"] != 7 {
		t.Fatalf("UpdateConv = %+v, %v", rec, err)
	}
	refused := errors.New("refused")
	if _, err := d.UpdateConv(ctx, id, func(r *hub.ConvRecord) error {
		r.Members, r.Name = nil, "lost"
		return refused
	}); !errors.Is(err, refused) {
		t.Errorf("a failing change: %v, want its error", err)
	}
	got, err := d.Conv(ctx, id)
	if err != nil || got.Name != "Trip" || !slices.Equal(got.Members, []hub.Member{ann, bob, cid, dee}) || got.Since["dee"] != 7 || got.Kind != chat.KindPrivate {
		t.Errorf("read back %+v, %v", got, err)
	}

	const n = 6
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := hub.Member{Key: fmt.Sprintf("u%d", i), Name: fmt.Sprintf("U%d", i)}
			_, err := d.UpdateConv(ctx, id, func(r *hub.ConvRecord) error {
				r.Members = append(r.Members, m)
				r.Since[m.Key] = uint64(10 + i)
				return nil
			})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("a concurrent change: %v", err)
		}
	}
	got, err = d.Conv(ctx, id)
	if err != nil || len(got.Members) != 4+n || len(got.Since) != 1+n {
		t.Errorf("after %d concurrent changes: %d members, %d first sequences, %v", n, len(got.Members), len(got.Since), err)
	}
}

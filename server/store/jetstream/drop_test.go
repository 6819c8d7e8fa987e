package jetstream_test

import (
	"context"
	"slices"
	"testing"

	"github.com/founding/chat/server/store/jetstream"
)

// TestDropPurgesBeforeASequenceAndKeepsTheNewest: Drop removes a
// conversation's entries before a sequence, never its newest, again
// harmlessly, and Convs lists the conversations held.
func TestDropPurgesBeforeASequenceAndKeepsTheNewest(t *testing.T) {
	b := openBus(t, t.TempDir())
	defer b.Close()
	l := openLog(t, b, jetstream.LogOptions{})
	ctx := context.Background()
	appendN(t, l, "r:a", 10, 10)
	appendN(t, l, "p:ann:bob", 3, 10)
	if n, err := l.Drop(ctx, "r:a", 6); err != nil || n != 5 {
		t.Fatalf("drop before 6: %d, %v; want 5", n, err)
	}
	if n, err := l.Drop(ctx, "r:a", 6); err != nil || n != 0 {
		t.Errorf("drop again: %d, %v; want 0", n, err)
	}
	p := wholePage(t, l, "r:a")
	if p.First != 6 || len(p.Entries) != 5 || p.Entries[0].Seq != 6 {
		t.Errorf("after the drop: first %d, %d entries", p.First, len(p.Entries))
	}
	if n, err := l.Drop(ctx, "p:ann:bob", 100); err != nil || n != 2 {
		t.Errorf("drop past the end: %d, %v; want 2 (the newest stays)", n, err)
	}
	if last, _ := l.Last(ctx, "p:ann:bob"); last != 3 {
		t.Errorf("the newest is %d; want 3", last)
	}
	var convs []string
	if err := l.Convs(ctx, func(c string) error { convs = append(convs, c); return nil }); err != nil {
		t.Fatal(err)
	}
	slices.Sort(convs)
	if !slices.Equal(convs, []string{"p:ann:bob", "r:a"}) {
		t.Errorf("convs: %v", convs)
	}
}

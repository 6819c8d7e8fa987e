package memory

import (
	"context"
	"errors"
	"testing"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/hub"
	"github.com/founding/chat/server/store/storetest"
)

func appendN(t *testing.T, m *Log, conv string, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		if _, err := m.Append(context.Background(), chat.Entry{Conv: conv, Kind: chat.EntryMessage}); err != nil {
			t.Fatal(err)
		}
	}
}

func seqs(p chat.Page) []uint64 {
	var s []uint64
	for _, e := range p.Entries {
		s = append(s, e.Seq)
	}
	return s
}

func TestSequencesAreGapFreePerConversation(t *testing.T) {
	m := NewLog()
	appendN(t, m, "a", 3)
	appendN(t, m, "b", 2)
	e, _ := m.Append(context.Background(), chat.Entry{Conv: "a"})
	if e.Seq != 4 || e.Time == 0 {
		t.Fatalf("fourth entry of a: seq %d time %d", e.Seq, e.Time)
	}
	if last, _ := m.Last(context.Background(), "b"); last != 2 {
		t.Fatalf("last of b = %d", last)
	}
}

func TestPage(t *testing.T) {
	m := NewLog()
	appendN(t, m, "c", 10)
	tests := []struct {
		name string
		q    chat.History
		want []uint64
	}{
		{"latest", chat.History{Conv: "c", Limit: 3}, []uint64{8, 9, 10}},
		{"after", chat.History{Conv: "c", After: 7, Limit: 5}, []uint64{8, 9, 10}},
		{"after limited", chat.History{Conv: "c", After: 2, Limit: 2}, []uint64{3, 4}},
		{"before", chat.History{Conv: "c", Before: 4, Limit: 5}, []uint64{1, 2, 3}},
		{"caught up", chat.History{Conv: "c", After: 10}, nil},
		{"empty conversation", chat.History{Conv: "none"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := m.Page(context.Background(), tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if got := seqs(p); len(got) != len(tt.want) || (len(got) > 0 && (got[0] != tt.want[0] || got[len(got)-1] != tt.want[len(tt.want)-1])) {
				t.Fatalf("seqs = %v, want %v", got, tt.want)
			}
		})
	}
	if _, err := m.Page(context.Background(), chat.History{Conv: "c", After: 11}); !errors.Is(err, hub.ErrFuture) {
		t.Fatalf("after the last entry: err = %v, want ErrFuture", err)
	}
	if _, err := m.Page(context.Background(), chat.History{Conv: "c", Before: 1}); !errors.Is(err, hub.ErrBeforeStart) {
		t.Fatalf("before the first entry: err = %v, want ErrBeforeStart", err)
	}
}

func TestRetainDropsOldest(t *testing.T) {
	m := NewLog()
	m.Retain = 5
	appendN(t, m, "c", 12)
	p, err := m.Page(context.Background(), chat.History{Conv: "c", After: 1, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	// At least Retain are kept, at most a quarter more (old ones go in chunks).
	n := len(p.Entries)
	if p.Last != 12 || n < 5 || n > 6 || p.First != p.Entries[0].Seq || p.Entries[n-1].Seq != 12 {
		t.Fatalf("page = first %d last %d seqs %v", p.First, p.Last, seqs(p))
	}
}

func TestAppendMessageDeduplicates(t *testing.T) {
	m := NewLog()
	ctx := context.Background()
	o := hub.Origin{User: "ann", ID: chat.MsgID{Device: "dev-0001", N: 1}}
	ack, dup, err := m.AppendMessage(ctx, chat.Entry{Conv: "c"}, o)
	if err != nil || dup || ack.Seq != 1 {
		t.Fatalf("first: %+v %v %v", ack, dup, err)
	}
	again, dup, err := m.AppendMessage(ctx, chat.Entry{Conv: "c"}, o)
	if err != nil || !dup || again != ack {
		t.Fatalf("retry: %+v %v %v, want %+v dup", again, dup, err, ack)
	}
	other := hub.Origin{User: "bob", ID: o.ID} // same device id, other user: not a duplicate
	if _, dup, _ := m.AppendMessage(ctx, chat.Entry{Conv: "c"}, other); dup {
		t.Fatal("another user's message with the same id was dropped")
	}
	if last, _ := m.Last(ctx, "c"); last != 2 {
		t.Fatalf("last = %d, want 2", last)
	}
}

func TestMessageOrigins(t *testing.T) { storetest.TestMessageOrigins(t, NewLog(), ackWindow) }

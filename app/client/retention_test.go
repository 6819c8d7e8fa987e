package client_test

import (
	"testing"

	"github.com/founding/chat/app/chat"
)

// TestModelExpireDropsOlderEntries: an expiry marker (the server's
// retention removed what came before its Target) drops those entries from
// the window and from what is saved; a later resume page whose First is
// past the window's start drops them too; the marker itself never shows.
func TestModelExpireDropsOlderEntries(t *testing.T) {
	t.Parallel()
	m, c := ready(t, 10)
	wantFrames(t, m.Apply(&chat.Entry{Conv: lobby, Seq: 11, Kind: chat.EntryExpire, Target: 6}))
	wantSeqs(t, c, span(6, 10))
	if !c.Start {
		t.Error("after an expiry the window does not reach the oldest entry held")
	}
	saved, ok := m.SaveConv(lobby)
	if !ok || len(saved.Entries) != 5 || saved.Entries[0].Seq != 6 || !saved.Start {
		t.Fatalf("saved after the expiry: %+v", saved)
	}

	// The offline copy restored in another model: the next resume page says
	// the server now starts at 9.
	m2 := named(t, roomInfo(lobby, "lobby", 12, 12))
	m2.Apply(page(lobby, 1, 11, append(entries(lobby, 1, 10, "bob"), chat.Entry{Conv: lobby, Seq: 11, Kind: chat.EntryExpire, Target: 1})))
	c2 := m2.Convs[lobby]
	wantSeqs(t, c2, span(1, 10))
	m2.Apply(page(lobby, 9, 12, []chat.Entry{entry(lobby, 12, "bob")}))
	wantSeqs(t, c2, []uint64{9, 10, 12})

	// A page holding a marker shows only what comes after it.
	m3 := named(t, roomInfo(lobby, "lobby", 8, 8))
	m3.Apply(page(lobby, 1, 8, append(entries(lobby, 1, 6, "bob"), chat.Entry{Conv: lobby, Seq: 7, Kind: chat.EntryExpire, Target: 5}, entry(lobby, 8, "bob"))))
	wantSeqs(t, m3.Convs[lobby], []uint64{5, 6, 8})
}

package client_test

import (
	"testing"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
)

// TestModelFoldsPreviewsAndQueuesTheirRemoval: a preview entry sets the
// message's Preview in the window without showing as an entry; Unpreview
// queues the frame, pending on the message until its ack, and the removal
// entry folds the preview away.
func TestModelFoldsPreviewsAndQueuesTheirRemoval(t *testing.T) {
	t.Parallel()
	m, c := ready(t, 2)
	lp := &chat.LinkPreview{URL: "https://example.com/", Title: "Example"}
	add := chat.Entry{Conv: lobby, Seq: 3, Kind: chat.EntryPreview, From: "bob", Target: 2, Preview: lp}
	wantFrames(t, m.Apply(&add))
	wantSeqs(t, c, span(1, 2))
	if got := c.Entries[1].Preview; got == nil || got.Title != "Example" {
		t.Fatalf("the message's preview: %+v", got)
	}

	f := m.Unpreview(lobby, 2)
	u, ok := f.(*chat.Unpreview)
	if !ok || u.Conv != lobby || u.Seq != 2 || u.ID.N == 0 {
		t.Fatalf("the frame: %#v", f)
	}
	if id, ok := client.OutboxID(f); !ok || id != u.ID {
		t.Errorf("OutboxID = %v, %v", id, ok)
	}
	if m.PendingOn(lobby, 2).Unpreview == nil {
		t.Error("the removal is not pending on the message")
	}
	wantFrames(t, m.Apply(&chat.Ack{ID: u.ID, Conv: lobby, Seq: 4}))
	remove := chat.Entry{Conv: lobby, Seq: 4, Kind: chat.EntryPreview, From: "bob", Target: 2}
	wantFrames(t, m.Apply(&remove))
	if m.PendingOn(lobby, 2).Unpreview != nil || c.Entries[1].Preview != nil {
		t.Errorf("after the ack and the entry: pending %v, preview %+v", m.PendingOn(lobby, 2).Unpreview, c.Entries[1].Preview)
	}
}

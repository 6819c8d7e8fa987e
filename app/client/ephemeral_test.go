package client_test

import (
	"reflect"
	"testing"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
)

// TestEphemeralIsShownNotSavedNorUnread: a Notice shows in its
// conversation, unescaped, until dismissed; it adds no entry, no unread,
// nothing to the saved copy; one for an unknown conversation is dropped.
func TestEphemeralIsShownNotSavedNorUnread(t *testing.T) {
	m, _ := ticking(t)
	c := m.Convs[lobby]
	entries, unread := len(c.Entries), c.Unread
	saved, _ := m.SaveConv(lobby)
	mark := m.SaveMark(lobby)
	m.Apply(&chat.Notice{Conv: lobby, From: "&lt;echo&gt;", HTML: `<div class="body">only you</div>`})
	m.Apply(&chat.Notice{Conv: lobby, From: "echo", HTML: `<div class="body">again</div>`})
	m.Apply(&chat.Notice{Conv: "r:nowhere", From: "echo", HTML: `<div class="body">lost</div>`})
	got := m.Ephemerals(lobby)
	if len(got) != 2 || got[0].From != "<echo>" || got[0].HTML != `<div class="body">only you</div>` || got[0].ID == got[1].ID {
		t.Fatalf("ephemerals = %+v", got)
	}
	if len(m.Ephemerals("r:nowhere")) != 0 {
		t.Error("a notice of an unknown conversation was kept")
	}
	if len(c.Entries) != entries || c.Unread != unread {
		t.Errorf("entries %d unread %d, want %d and %d: a notice is no history", len(c.Entries), c.Unread, entries, unread)
	}
	if now, _ := m.SaveConv(lobby); !reflect.DeepEqual(now, saved) || m.SaveMark(lobby) != mark {
		t.Error("the saved copy changed with a notice")
	}
	m.DismissEphemeral(lobby, got[0].ID)
	if got := m.Ephemerals(lobby); len(got) != 1 || got[0].HTML != `<div class="body">again</div>` {
		t.Errorf("after dismissing the first: %+v", got)
	}
	// A new model, as after a reload, has none.
	if got := client.NewModel().Ephemerals(lobby); len(got) != 0 {
		t.Errorf("a fresh model has %+v", got)
	}
}

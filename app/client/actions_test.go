package client_test

import (
	"strings"
	"testing"

	"github.com/founding/chat/app/chat"
)

// TestModelFoldsActions checks that edit, delete and reaction entries change
// the message they target and never show as messages of their own, live,
// held behind a gap, and in pages, and that the window keeps hi.
func TestModelFoldsActions(t *testing.T) {
	t.Parallel()
	editOf := func(seq, target uint64, html string) chat.Entry {
		return chat.Entry{Conv: lobby, Seq: seq, Time: int64(seq) * 1000, Kind: chat.EntryEdit, From: "bob", HTML: html, Target: target}
	}
	reactTo := func(seq, target uint64, on bool) chat.Entry {
		return chat.Entry{Conv: lobby, Seq: seq, Kind: chat.EntryReact, From: "ann", Target: target, Emoji: "👍", On: on}
	}
	deleteOf := func(seq, target uint64) chat.Entry {
		return chat.Entry{Conv: lobby, Seq: seq, Kind: chat.EntryDelete, From: "bob", Target: target}
	}

	t.Run("live", func(t *testing.T) {
		m, c := ready(t, 3)
		for _, e := range []chat.Entry{editOf(4, 2, "<div>two</div>"), reactTo(5, 3, true), reactTo(6, 3, false), reactTo(7, 3, true), deleteOf(8, 1)} {
			wantFrames(t, m.Apply(&e))
		}
		wantSeqs(t, c, span(1, 3))
		if c.Entries[1].HTML != "<div>two</div>" || c.Entries[1].Edited == 0 {
			t.Errorf("edited message: %+v", c.Entries[1])
		}
		if r := c.Entries[2].Reactions; len(r) != 1 || r[0].Emoji != "👍" || len(r[0].Users) != 1 {
			t.Errorf("reactions: %+v", r)
		}
		if !c.Entries[0].Deleted || c.Entries[0].HTML != chat.DeletedHTML {
			t.Errorf("deleted message: %+v", c.Entries[0])
		}
		// The next message follows the actions without a gap request.
		next := entry(lobby, 9, "bob")
		wantFrames(t, m.Apply(&next))
		wantSeqs(t, c, []uint64{1, 2, 3, 9})
	})

	t.Run("heldBehindAGap", func(t *testing.T) {
		m, c := ready(t, 3)
		late := editOf(5, 2, "<div>late</div>")
		out := m.Apply(&late)
		wantFrames(t, out, &chat.History{Conv: lobby, After: 3, Limit: chat.MaxHistoryLimit})
		wantFrames(t, m.Apply(page(lobby, 1, 5, []chat.Entry{reactTo(4, 2, true), late})))
		wantSeqs(t, c, span(1, 3))
		if c.Entries[1].HTML != "<div>late</div>" || len(c.Entries[1].Reactions) != 1 {
			t.Errorf("message 2: %+v", c.Entries[1])
		}
	})

	t.Run("firstPage", func(t *testing.T) {
		m := named(t, roomInfo(lobby, "lobby", 5, 5))
		es := append(entries(lobby, 1, 2, "bob"), editOf(3, 1, "<div>one</div>"), deleteOf(4, 2), reactTo(5, 1, true))
		wantFrames(t, m.Apply(page(lobby, 1, 5, es)))
		c := m.Convs[lobby]
		wantSeqs(t, c, span(1, 2))
		if c.Entries[0].HTML != "<div>one</div>" || !c.Entries[1].Deleted || len(c.Entries[0].Reactions) != 1 {
			t.Errorf("window: %+v", c.Entries)
		}
		if m.Behind(lobby) != 0 {
			t.Errorf("behind %d after a page reaching last", m.Behind(lobby))
		}
	})

	t.Run("unreadCountsNoAction", func(t *testing.T) {
		m := named(t, roomInfo(lobby, "lobby", 3, 3), roomInfo(group, "group", 0, 0))
		m.Activate(group)
		wantFrames(t, m.Apply(page(lobby, 1, 3, entries(lobby, 1, 3, "bob"))))
		for _, e := range []chat.Entry{reactTo(4, 3, true), editOf(5, 2, "<div>x</div>"), entry(lobby, 6, "bob"), reactTo(7, 6, true)} {
			wantFrames(t, m.Apply(&e))
		}
		if c := m.Convs[lobby]; c.Unread != 1 {
			t.Errorf("unread = %d, want 1: reactions and edits are not new messages", c.Unread)
		}
	})

	t.Run("olderFromAWindowOfActions", func(t *testing.T) {
		m := named(t, roomInfo(lobby, "lobby", 12, 12))
		wantFrames(t, m.Apply(page(lobby, 1, 12, []chat.Entry{reactTo(11, 3, true), reactTo(12, 3, false)})))
		c := m.Convs[lobby]
		wantSeqs(t, c, nil)
		wantFrames(t, []chat.Frame{m.Older(lobby)}, &chat.History{Conv: lobby, Before: 11})
		wantFrames(t, m.Apply(page(lobby, 1, 12, entries(lobby, 1, 10, "bob"))))
		wantSeqs(t, c, span(1, 10))
		if !c.Start {
			t.Error("the window does not reach the start")
		}
	})

	t.Run("savedCopyHoldsNoDeletedText", func(t *testing.T) {
		m, _ := ready(t, 3)
		before := m.SaveMark(lobby)
		d := deleteOf(4, 2)
		wantFrames(t, m.Apply(&d))
		if m.SaveMark(lobby) == before {
			t.Error("a delete did not change the save mark: the saved copy would keep the text")
		}
		saved, ok := m.SaveConv(lobby)
		if !ok {
			t.Fatal("nothing to save")
		}
		for _, e := range saved.Entries {
			if strings.Contains(e.HTML, "message 2") || chat.IsAction(e.Kind) {
				t.Errorf("saved entry %+v", e)
			}
		}
	})
}

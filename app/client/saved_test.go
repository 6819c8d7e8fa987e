//go:build !js

package client_test

import (
	"fmt"
	"testing"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
	"github.com/founding/chat/server"
	"github.com/founding/chat/server/chattest"
)

func TestSaveAndRestore(t *testing.T) {
	t.Parallel()
	m := client.NewModel()
	m.Apply(&chat.Welcome{Me: "ann", Convs: []chat.ConvInfo{
		{ID: lobbyID, Kind: chat.KindRoom, Name: "lobby", Last: 150, Read: 140},
		{ID: "r:x", Kind: chat.KindRoom, Name: "x &amp; y", Last: 0},
	}})
	fromBob := savedEntries(lobbyID, 1, 150)
	for i := range fromBob {
		fromBob[i].From = "bob"
	}
	m.Apply(&chat.Page{Conv: lobbyID, Entries: fromBob, First: 1, Last: 150})
	m.Apply(&chat.Page{Conv: "r:x", First: 0, Last: 0})
	m.Activate("r:x")

	lobby, ok := m.SaveConv(lobbyID)
	if !ok || len(lobby.Entries) != client.SavedEntries || lobby.Entries[0].Seq != 51 || lobby.Start {
		t.Fatalf("saved lobby: %d entries from %d, start %v", len(lobby.Entries), lobby.Entries[0].Seq, lobby.Start)
	}
	x, ok := m.SaveConv("r:x")
	if !ok || !x.Start || len(x.Entries) != 0 {
		t.Fatalf("saved empty room: %+v", x)
	}
	mark := m.SaveMark(lobbyID)
	m.Apply(&chat.Entry{Conv: lobbyID, Seq: 151, Kind: chat.EntryMessage, From: "bob", HTML: "new"})
	if m.SaveMark(lobbyID) == mark {
		t.Error("a new entry leaves the save mark as it was: it would not be saved")
	}

	// A new page restores what was saved and shows it at once...
	r := client.NewModel()
	r.Restore(client.Saved{Me: "ann", Active: "r:x", Convs: []client.SavedConv{lobby, x}})
	if r.Me != "ann" || r.Active != "r:x" || r.Convs["r:x"].Name != "x & y" || !r.Convs[lobbyID].Ready {
		t.Fatalf("restored: me %q active %q convs %v", r.Me, r.Active, r.Convs)
	}
	if n := r.Convs[lobbyID].Unread; n != 10 {
		t.Errorf("restored lobby unread = %d, want 10 (read up to 140 of 150)", n)
	}
	// ...and resumes from the newest saved entry when it connects.
	out := r.Apply(&chat.Welcome{Me: "ann", Convs: []chat.ConvInfo{
		{ID: lobbyID, Kind: chat.KindRoom, Name: "lobby", Last: 152, Read: 140},
		{ID: "r:x", Kind: chat.KindRoom, Name: "x &amp; y"},
	}})
	resume, ok := out[0].(*chat.Resume)
	if !ok || resume.Cursors[lobbyID] != 150 || resume.Cursors["r:x"] != 0 {
		t.Fatalf("resume after restore = %+v, want the lobby from 150", out[0])
	}
	r.Apply(&chat.Page{Conv: lobbyID, Entries: savedEntries(lobbyID, 151, 152), First: 1, Last: 152})
	c := r.Convs[lobbyID]
	if len(c.Entries) != 102 || c.Entries[101].Seq != 152 || c.Lost {
		t.Errorf("after resuming: %d entries, last %d, lost %v", len(c.Entries), c.Entries[len(c.Entries)-1].Seq, c.Lost)
	}

	// The divider of the conversation in view follows what the server says
	// was read, which may be newer than what the page saved.
	d := client.NewModel()
	d.Restore(client.Saved{Me: "ann", Active: lobbyID, Convs: []client.SavedConv{lobby}})
	if got := d.Convs[lobbyID].Divider; got != 140 {
		t.Errorf("restored divider = %d, want 140", got)
	}
	d.Apply(&chat.Welcome{Me: "ann", Convs: []chat.ConvInfo{{ID: lobbyID, Kind: chat.KindRoom, Name: "lobby", Last: 152, Read: 148}}})
	if got := d.Convs[lobbyID].Divider; got != 148 {
		t.Errorf("divider after the Welcome = %d, want 148 (read elsewhere since the save)", got)
	}

	// A model that heard from the server keeps what it has.
	r.Restore(client.Saved{Me: "someone", Convs: []client.SavedConv{x}})
	if r.Me != "ann" || len(r.Convs[lobbyID].Entries) != 102 {
		t.Error("Restore overwrote a model that had a Welcome")
	}
}

func TestWelcomeForAnotherUserDropsWhatWasKept(t *testing.T) {
	t.Parallel()
	m := client.NewModel()
	m.Restore(client.Saved{Me: "ann", Convs: []client.SavedConv{
		{Info: chat.ConvInfo{ID: "p:secret", Kind: chat.KindPrivate, Name: "bob"}, Entries: savedEntries("p:secret", 1, 1)},
	}})
	m.Compose("p:secret", "", "for bob's eyes")
	m.Others = []*client.Outgoing{{Text: "other tab", User: "ann"}}
	m.Apply(&chat.Welcome{Me: "cid", Convs: []chat.ConvInfo{{ID: lobbyID, Kind: chat.KindRoom, Name: "lobby"}}})
	if m.Convs["p:secret"] != nil || len(m.Outbox) != 0 || len(m.Others) != 0 {
		t.Errorf("cid's model keeps ann's: convs %v, outbox %d, others %d", m.Convs, len(m.Outbox), len(m.Others))
	}
	if len(m.Unsent()) != 0 {
		t.Error("ann's message would be sent as cid")
	}
}

func TestCancelAndAdopt(t *testing.T) {
	t.Parallel()
	m := client.NewModel()
	m.Me = "ann"
	m.SetDevice("device-aaaa", 41)
	a := m.Compose(lobbyID, "", "a")
	b := m.Compose(lobbyID, "", "b")
	if a.ID != (chat.MsgID{Device: "device-aaaa", N: 42}) {
		t.Fatalf("first id after SetDevice = %+v", a.ID)
	}
	if o := m.Message(a.ID); o.User != "ann" || o.Time == 0 || !o.Cancellable() {
		t.Fatalf("composed: %+v", o)
	}
	m.Sent(a.ID)
	m.Disconnected()
	if m.Message(a.ID).Cancellable() || m.Cancel(a.ID) {
		t.Error("a message that went over the wire could be cancelled (the server may have it)")
	}
	if !m.Cancel(b.ID) || m.Message(b.ID) != nil {
		t.Error("an unsent message could not be cancelled")
	}

	// Messages a closed tab left keep their ids, after the model's own;
	// those it holds already are skipped.
	left := []*client.Outgoing{
		{ID: chat.MsgID{Device: "device-bbbb", N: 7}, Conv: lobbyID, Text: "x", User: "ann", Wired: true, InFlight: true},
		{ID: chat.MsgID{Device: "device-bbbb", N: 8}, Conv: lobbyID, Text: "y", User: "ann"},
		{ID: a.ID, Conv: lobbyID, Text: "a"},
	}
	m.Adopt(left)
	wantFrames(t, m.Unsent(),
		&chat.Send{ID: a.ID, Conv: lobbyID, Text: "a"},
		&chat.Send{ID: left[0].ID, Conv: lobbyID, Text: "x"},
		&chat.Send{ID: left[1].ID, Conv: lobbyID, Text: "y"})

	// An adopted message the server refused for the moment goes out again
	// under this tab's device: the closed tab's counter is not ours.
	m.Sent(left[1].ID)
	m.Apply(&chat.Error{Code: chat.CodeRateLimited, Message: "slow down", ID: &left[1].ID})
	last := m.Outbox[len(m.Outbox)-1]
	if last.Text != "y" || last.ID != (chat.MsgID{Device: "device-aaaa", N: 44}) || last.Wired {
		t.Errorf("renumbered adopted message = %+v, want device-aaaa/44, not wired", last)
	}

	// Pending shows the model's messages, then the other tabs'.
	m.Others = []*client.Outgoing{{ID: chat.MsgID{Device: "device-cccc", N: 1}, Conv: lobbyID, Text: "z"}}
	var texts []string
	for _, o := range m.Pending(lobbyID) {
		texts = append(texts, o.Text)
	}
	if fmt.Sprint(texts) != "[a x y z]" {
		t.Errorf("pending = %v", texts)
	}
}

// TestRestoredModelDeliversOutboxOnce: a page restored from what the
// browser saved (conversations and two waiting messages, one of which
// went out before the reload) connects and ends with each message once.
func TestRestoredModelDeliversOutboxOnce(t *testing.T) {
	t.Parallel()
	s := chattest.New(t, server.Options{})
	jar := chattest.NewJar()
	first := s.ModelClient(t, "ann", jar)
	first.Until("ready", func() bool { return first.Ready(lobbyID) })
	sent := first.Say(lobbyID, "", "went out before the reload")
	first.Until("stored", func() bool { return first.Count(lobbyID, "went out before the reload") == 1 })
	saved, _ := first.Model.SaveConv(lobbyID)
	first.Disconnect()

	m := client.NewModel()
	m.SetDevice(sent.Device, sent.N)
	m.Restore(client.Saved{Me: "ann", Active: lobbyID, Convs: []client.SavedConv{saved}})
	m.Adopt([]*client.Outgoing{{ID: sent, Conv: lobbyID, Text: "went out before the reload", User: "ann", Wired: true}})
	m.Compose(lobbyID, "", "written while offline")
	if n := len(m.Convs[lobbyID].Entries); n == 0 {
		t.Fatal("nothing restored")
	}
	page := chattest.NewModelClient(t, s.URL, chattest.ModelOptions{Name: "ann", Jar: jar, Model: m})
	page.Until("both delivered", func() bool {
		return len(m.Outbox) == 0 && page.Count(lobbyID, "written while offline") == 1
	})
	for _, text := range []string{"went out before the reload", "written while offline"} {
		if n := page.Count(lobbyID, text); n != 1 {
			t.Errorf("%q shows %d times, want once", text, n)
		}
	}
	if err := page.CheckWindow(lobbyID); err != nil {
		t.Error(err)
	}
}

//go:build !js

package client_test

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
	"github.com/founding/chat/server"
	"github.com/founding/chat/server/chattest"
)

// Local's memory backend shares one profile between every Local opened
// with its name, as a browser's tabs share IndexedDB and Web Locks; Close
// is closing the tab. These tests run the outbox's rules on it; the
// browser tests run the IndexedDB backend.

// profile returns a profile name of its own for the test.
func profile(t *testing.T) string { return freshProfile("test-" + t.Name()) }

// profiles numbers the profiles the tests open, so that a test run again
// in the same process (go test -count=N) starts from an empty store: the
// memory stores of OpenLocal live as long as the process.
var profiles atomic.Uint64

// freshProfile returns a profile name that begins with base and that no
// earlier test of this process used.
func freshProfile(base string) string { return fmt.Sprintf("%s-%d", base, profiles.Add(1)) }

// tab opens the profile as a new page would and takes its device.
type tab struct {
	local  *client.Local
	device string
	last   uint64
	mine   []*client.Outgoing
}

func openTab(t *testing.T, name string) *tab {
	t.Helper()
	l, err := client.OpenLocal(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	d, last, mine, err := l.TakeDevice()
	if err != nil {
		t.Fatal(err)
	}
	return &tab{local: l, device: d, last: last, mine: mine}
}

// model returns a model writing as user under the tab's device.
func (tb *tab) model(user string) *client.Model {
	m := client.NewModel()
	m.Me = user
	m.SetDevice(tb.device, tb.last)
	return m
}

func (tb *tab) compose(t *testing.T, m *client.Model, text string) *client.Outgoing {
	t.Helper()
	s := m.Compose(lobbyID, "", text)
	o := m.Message(s.ID)
	if err := tb.local.Add(o); err != nil {
		t.Fatal(err)
	}
	return o
}

func ids(list []*client.Outgoing) string {
	var out []string
	for _, o := range list {
		out = append(out, fmt.Sprintf("%s/%d:%s", o.ID.Device, o.ID.N, o.Text))
	}
	return strings.Join(out, " ")
}

func TestLocalDevicesPerTab(t *testing.T) {
	t.Parallel()
	name := profile(t)
	a, b := openTab(t, name), openTab(t, name)
	if a.device == "" || a.device == b.device {
		t.Fatalf("two live tabs got devices %q and %q: each needs its own", a.device, b.device)
	}
	if !chat.ValidDevice(a.device) {
		t.Fatalf("device id %q is not valid on the wire", a.device)
	}
	ma := a.model("ann")
	one := a.compose(t, ma, "one")
	two := a.compose(t, ma, "two")

	// A reload: the page goes, the new one takes the freed device back, with
	// its counter and its waiting messages in order.
	a.local.Close()
	again := openTab(t, name)
	if again.device != a.device || again.last != two.ID.N {
		t.Fatalf("after a reload: device %q last %d, want %q last %d", again.device, again.last, a.device, two.ID.N)
	}
	if got, want := ids(again.mine), ids([]*client.Outgoing{one, two}); got != want {
		t.Errorf("waiting messages after a reload: %s, want %s", got, want)
	}
	m := again.model("ann")
	if next := m.Compose(lobbyID, "", "three"); next.ID != (chat.MsgID{Device: a.device, N: two.ID.N + 1}) {
		t.Errorf("the next message after a reload has id %+v: a counter must only grow", next.ID)
	}

	// A third tab while both live gets a third device.
	c := openTab(t, name)
	if c.device == again.device || c.device == b.device {
		t.Errorf("third tab took a device in use: %q", c.device)
	}
}

func TestLocalAdoptsWhatAClosedTabLeft(t *testing.T) {
	t.Parallel()
	name := profile(t)
	a, b := openTab(t, name), openTab(t, name)
	ma := a.model("ann")
	a.compose(t, ma, "left behind 1")
	a.compose(t, ma, "left behind 2")
	a.compose(t, ma, "not ann's") // another user's message stays for them
	m := ma.Message(chat.MsgID{Device: a.device, N: 3})
	m.User = "bob"
	if err := a.local.Update(m); err != nil {
		t.Fatal(err)
	}

	// While A lives, B shows A's waiting messages but may not take them.
	if got, err := b.local.Adopt("ann"); err != nil || len(got) != 0 {
		t.Fatalf("B adopted %s (%v) from a live tab", ids(got), err)
	}
	others, err := b.local.Others("ann")
	if err != nil || len(others) != 2 {
		t.Fatalf("B sees %s (%v) waiting in other tabs, want A's two", ids(others), err)
	}

	a.local.Close() // the tab is closed
	got, err := b.local.Adopt("ann")
	if err != nil {
		t.Fatal(err)
	}
	if ids(got) != fmt.Sprintf("%s/1:left behind 1 %s/2:left behind 2", a.device, a.device) {
		t.Errorf("B adopted %s", ids(got))
	}
	if !b.local.Holds(a.device) {
		t.Error("B does not hold the device it adopted")
	}
	if others, _ := b.local.Others("ann"); len(others) != 0 {
		t.Errorf("adopted messages still show as another tab's: %s", ids(others))
	}
	// A new page cannot take the adopted device until B releases it.
	c := openTab(t, name)
	if c.device == a.device {
		t.Fatal("a new tab took a device another tab sends from")
	}
	b.local.Release(a.device)
	d := openTab(t, name)
	if d.device != a.device {
		t.Errorf("a released device is not reused: got %q, want %q", d.device, a.device)
	}
}

func TestLocalCancelAndWireAreExclusive(t *testing.T) {
	t.Parallel()
	name := profile(t)
	a, b := openTab(t, name), openTab(t, name)
	m := a.model("ann")
	first := a.compose(t, m, "first")
	second := a.compose(t, m, "second")

	// Another tab cancels the first before A sends: A must not send it.
	if ok, err := b.local.Cancel(first.ID); !ok || err != nil {
		t.Fatalf("cancel of an unsent message: %v %v", ok, err)
	}
	present, err := a.local.Wire([]chat.MsgID{first.ID, second.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(present) != 1 || present[0] != second.ID {
		t.Fatalf("Wire returned %v, want only the second message", present)
	}
	// Once wired, no tab can cancel it.
	if ok, _ := b.local.Cancel(second.ID); ok {
		t.Error("a message gone over the wire was cancelled")
	}
	if ok, _ := a.local.Cancel(second.ID); ok {
		t.Error("a message gone over the wire was cancelled by its own tab")
	}
	// An update of a cancelled message does not bring it back.
	first.Failed = "whatever"
	if err := a.local.Update(first); err != nil {
		t.Fatal(err)
	}
	all, _ := b.local.Adopt("ann")
	others, _ := b.local.Others("ann")
	if len(all) != 0 || len(others) != 0 {
		t.Errorf("a cancelled or wired message shows: adopted %s, others %s", ids(all), ids(others))
	}
}

func TestLocalSavedConversations(t *testing.T) {
	t.Parallel()
	name := profile(t)
	a := openTab(t, name)
	s := client.Saved{Me: "ann", Active: "r:x"}
	if err := a.local.SaveMeta(s); err != nil {
		t.Fatal(err)
	}
	for _, c := range []client.SavedConv{
		{Info: chat.ConvInfo{ID: "r:lobby", Kind: chat.KindRoom, Name: "lobby", Last: 2}, Entries: savedEntries("r:lobby", 1, 2), Start: true},
		{Info: chat.ConvInfo{ID: "r:x", Kind: chat.KindRoom, Name: "x", Last: 9}, Entries: savedEntries("r:x", 8, 9)},
	} {
		if err := a.local.SaveConv(c); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.local.DeleteConvs("r:lobby"); err != nil {
		t.Fatal(err)
	}
	b := openTab(t, name)
	got, err := b.local.Load()
	if err != nil {
		t.Fatal(err)
	}
	if got.Me != "ann" || got.Active != "r:x" || len(got.Convs) != 1 || got.Convs[0].Info.ID != "r:x" || len(got.Convs[0].Entries) != 2 {
		t.Fatalf("loaded %+v", got)
	}
	if err := b.local.Forget(); err != nil {
		t.Fatal(err)
	}
	if got, _ := a.local.Load(); got.Me != "" || len(got.Convs) != 0 {
		t.Errorf("after Forget: %+v", got)
	}
}

func savedEntries(conv string, from, to uint64) []chat.Entry {
	var out []chat.Entry
	for seq := from; seq <= to; seq++ {
		out = append(out, chat.Entry{Conv: conv, Seq: seq, Time: int64(seq), Kind: chat.EntryMessage, From: "ann", HTML: fmt.Sprintf(`<div class="body">m%d</div>`, seq)})
	}
	return out
}

// TestOutboxSurvivesTabAndIsDeliveredOnce is the offline outbox end to end
// against a real server: a tab writes messages, sends some of them (the
// server stores them, the acks never come back) and closes; another tab of
// the same browser takes them over and sends them all again, in order.
// The server's deduplication makes the second send harmless: each message
// is in the conversation once.
func TestOutboxSurvivesTabAndIsDeliveredOnce(t *testing.T) {
	t.Parallel()
	s := chattest.New(t, server.Options{})
	name := profile(t)
	jar := chattest.NewJar() // one browser: one user

	a, b := openTab(t, name), openTab(t, name) // two tabs of one browser
	ma := client.NewModel()
	ma.SetDevice(a.device, a.last)
	tabA := chattest.NewModelClient(t, s.URL, chattest.ModelOptions{Name: "ann", Jar: jar, Model: ma})
	tabA.Until("A ready", func() bool { return tabA.Ready(lobbyID) })

	// A writes four messages; the first three go out, but A stops reading,
	// so no ack reaches it; the fourth never goes out.
	tabA.StopReading()
	for i := 1; i <= 4; i++ {
		f := ma.Compose(lobbyID, "", fmt.Sprintf("from the closed tab %d", i))
		o := ma.Message(f.ID)
		if err := a.local.Add(o); err != nil {
			t.Fatal(err)
		}
		if i <= 3 {
			if _, err := a.local.Wire([]chat.MsgID{f.ID}); err != nil {
				t.Fatal(err)
			}
			if !tabA.Send(f) {
				t.Fatal("tab A could not send")
			}
		}
	}
	watcher := s.ModelClient(t, "watcher", nil)
	watcher.Until("the three sent messages stored", func() bool {
		return watcher.Count(lobbyID, "from the closed tab 3") == 1
	})
	tabA.Disconnect()
	a.local.Close() // the tab is closed: its device and messages are free

	mb := client.NewModel()
	mb.SetDevice(b.device, b.last)
	adopted, err := b.local.Adopt("ann")
	if err != nil || len(adopted) != 4 {
		t.Fatalf("B adopted %s (%v), want A's four messages", ids(adopted), err)
	}
	for i, o := range adopted[:3] {
		if !o.Wired || o.Cancellable() {
			t.Errorf("adopted message %d, sent before, is not marked as gone over the wire", i+1)
		}
	}
	if adopted[3].Wired || !adopted[3].Cancellable() {
		t.Error("the adopted message that never went out cannot be cancelled")
	}
	mb.Me = "ann"
	mb.Adopt(adopted)
	tabB := chattest.NewModelClient(t, s.URL, chattest.ModelOptions{Name: "ann", Jar: jar, Model: mb})
	tabB.Until("B sent everything and got every ack", func() bool {
		return tabB.Ready(lobbyID) && len(mb.Outbox) == 0 && tabB.Count(lobbyID, "from the closed tab 4") == 1
	})
	watcher.Until("the fourth message", func() bool { return watcher.Count(lobbyID, "from the closed tab 4") == 1 })
	for i := 1; i <= 4; i++ {
		text := fmt.Sprintf("from the closed tab %d", i)
		if n := watcher.Count(lobbyID, text); n != 1 {
			t.Errorf("%q is in the lobby %d times, want once", text, n)
		}
		if n := tabB.Count(lobbyID, text); n != 1 {
			t.Errorf("tab B shows %q %d times, want once", text, n)
		}
	}
	for _, e := range tabB.Errors {
		t.Errorf("tab B got an error: %+v", e)
	}
	if n := len(tabB.Acks); n != 4 {
		t.Errorf("tab B got %d acks, want 4 (three of them the server's kept acks)", n)
	}
}

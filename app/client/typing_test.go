package client_test

import (
	"slices"
	"testing"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
)

// clock is a Model's Now that a test moves.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time          { return c.now }
func (c *clock) advance(d time.Duration) { c.now = c.now.Add(d) }

// ticking returns a model named ann with the lobby, on a clock the test
// moves.
func ticking(t *testing.T, convs ...chat.ConvInfo) (*client.Model, *clock) {
	t.Helper()
	m, _ := ready(t, 3)
	for _, info := range convs {
		m.Apply(&chat.Conv{ConvInfo: info})
	}
	clk := &clock{now: time.Unix(1_700_000_000, 0)}
	m.Now = clk.Now
	return m, clk
}

func TestTypedSendsAStartEveryFewSecondsAndOneStop(t *testing.T) {
	m, clk := ticking(t)
	if f := m.Typed(lobby, ""); f != nil {
		t.Errorf("an empty box untouched sent %#v", f)
	}
	wantFrames(t, []chat.Frame{m.Typed(lobby, "h")}, &chat.Typing{Conv: lobby, On: true})
	for _, text := range []string{"he", "hel", "hell"} {
		clk.advance(500 * time.Millisecond)
		if f := m.Typed(lobby, text); f != nil {
			t.Fatalf("%q within %v of the last signal sent %#v", text, chat.TypingEvery, f)
		}
	}
	clk.advance(chat.TypingEvery)
	wantFrames(t, []chat.Frame{m.Typed(lobby, "hello")}, &chat.Typing{Conv: lobby, On: true})
	wantFrames(t, []chat.Frame{m.Typed(lobby, "  ")}, &chat.Typing{Conv: lobby})
	if f := m.Typed(lobby, ""); f != nil {
		t.Errorf("a second stop: %#v", f)
	}
	// A command is not a message of this conversation.
	if f := m.Typed(lobby, "/msg bob hi"); f != nil {
		t.Errorf("a command announced typing: %#v", f)
	}
	if f := m.Typed("r:nowhere", "x"); f != nil {
		t.Errorf("typing in an unknown conversation: %#v", f)
	}
	// In a crowded room the server would drop it: nothing is sent.
	m.Apply(&chat.Roster{Conv: lobby, Users: []string{"bob"}, Count: 500})
	if f := m.Typed(lobby, "x"); f != nil {
		t.Errorf("typing in a crowded room: %#v", f)
	}
}

func TestTypistsShowAndExpire(t *testing.T) {
	m, clk := ticking(t)
	typing := func() []string { names, _ := m.Typists(lobby); return names }
	m.Apply(&chat.Typist{Conv: lobby, User: "&lt;bob&gt;", On: true})
	clk.advance(time.Second)
	m.Apply(&chat.Typist{Conv: lobby, User: "cid", On: true})
	if got := typing(); !slices.Equal(got, []string{"<bob>", "cid"}) {
		t.Fatalf("typing = %q, want bob then cid, unescaped", got)
	}
	if _, until := m.Typists(lobby); !until.Equal(clk.now.Add(chat.TypingShown - time.Second)) {
		t.Errorf("look again at %v, want when bob's line ends", until)
	}
	// Bob's message ends his line at once; cid stops.
	m.Apply(&chat.Entry{Conv: lobby, Seq: 4, Time: 1, Kind: chat.EntryMessage, From: "&lt;bob&gt;", HTML: "<div>hi</div>"})
	if got := typing(); !slices.Equal(got, []string{"cid"}) {
		t.Fatalf("after bob's message: %q", got)
	}
	m.Apply(&chat.Typist{Conv: lobby, User: "cid"})
	if got := typing(); len(got) != 0 {
		t.Fatalf("after cid stopped: %q", got)
	}
	// A signal not renewed expires by itself.
	m.Apply(&chat.Typist{Conv: lobby, User: "cid", On: true})
	clk.advance(chat.TypingShown - time.Millisecond)
	if got := typing(); len(got) != 1 {
		t.Fatalf("just before it expires: %q", got)
	}
	clk.advance(time.Millisecond)
	if got := typing(); len(got) != 0 {
		t.Fatalf("after %v: %q, want nobody", chat.TypingShown, got)
	}
	// A lost connection forgets it all.
	m.Apply(&chat.Typist{Conv: lobby, User: "cid", On: true})
	m.Disconnected()
	if got := typing(); len(got) != 0 {
		t.Errorf("after a disconnect: %q", got)
	}
}

func TestSeenAt(t *testing.T) {
	const dm = "p:ann|bob"
	m, _ := ticking(t, chat.ConvInfo{ID: dm, Kind: chat.KindPrivate, Name: "bob", Last: 4, Seen: 2})
	m.Apply(page(dm, 1, 4, []chat.Entry{entry(dm, 1, "ann"), entry(dm, 2, "ann"), entry(dm, 3, "bob"), entry(dm, 4, "ann")}))
	if got := m.SeenAt(dm); got != 2 {
		t.Fatalf("SeenAt = %d, want 2 (the last of ann's messages bob read)", got)
	}
	m.Apply(&chat.Seen{Conv: dm, Seq: 3})
	if got := m.SeenAt(dm); got != 2 {
		t.Errorf("after bob read his own message: %d, want 2", got)
	}
	m.Apply(&chat.Seen{Conv: dm, Seq: 4})
	m.Apply(&chat.Seen{Conv: dm, Seq: 1}) // late and behind: ignored
	if got := m.SeenAt(dm); got != 4 {
		t.Errorf("after bob read 4: %d", got)
	}
	// It is kept with the conversation (the offline copy has it).
	if saved, ok := m.SaveConv(dm); !ok || saved.Info.Seen != 4 {
		t.Errorf("saved info %+v, want seen 4", saved.Info)
	}
	// Rooms have none.
	m.Apply(&chat.Seen{Conv: lobby, Seq: 3})
	if got := m.SeenAt(lobby); got != 0 {
		t.Errorf("SeenAt(lobby) = %d", got)
	}
}

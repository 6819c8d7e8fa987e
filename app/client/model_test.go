package client_test

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
)

const (
	lobby = "r:lobby"
	group = "r:group a"
)

func roomInfo(id, name string, last, read uint64) chat.ConvInfo {
	return chat.ConvInfo{ID: id, Kind: chat.KindRoom, Name: name, Last: last, Read: read}
}

func entry(conv string, seq uint64, from string) chat.Entry {
	return chat.Entry{Conv: conv, Seq: seq, Time: int64(seq) * 1000, Kind: chat.EntryMessage, From: from,
		HTML: fmt.Sprintf(`<div class="body">message %d</div>`, seq)}
}

// entries returns entries lo..hi of conv by from.
func entries(conv string, lo, hi uint64, from string) []chat.Entry {
	var es []chat.Entry
	for seq := lo; seq <= hi; seq++ {
		es = append(es, entry(conv, seq, from))
	}
	return es
}

func page(conv string, first, last uint64, es []chat.Entry) *chat.Page {
	return &chat.Page{Conv: conv, Entries: es, First: first, Last: last}
}

func seqs(c *client.Conversation) []uint64 {
	var out []uint64
	for _, e := range c.Entries {
		out = append(out, e.Seq)
	}
	return out
}

func span(lo, hi uint64) []uint64 {
	var out []uint64
	for s := lo; s <= hi; s++ {
		out = append(out, s)
	}
	return out
}

func wantSeqs(t *testing.T, c *client.Conversation, want []uint64) {
	t.Helper()
	if got := seqs(c); !slices.Equal(got, want) {
		t.Fatalf("window = %v, want %v", got, want)
	}
}

func wantFrames(t *testing.T, got []chat.Frame, want ...chat.Frame) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("frames to send:\n got %s\nwant %s", describe(got), describe(want))
	}
}

func describe(frames []chat.Frame) string {
	s := "["
	for i, f := range frames {
		if i > 0 {
			s += ", "
		}
		b, _ := chat.Encode(f)
		s += string(b)
	}
	return s + "]"
}

// named returns a model for user ann whose Welcome listed convs.
func named(t *testing.T, convs ...chat.ConvInfo) *client.Model {
	t.Helper()
	m := client.NewModel()
	m.Now = func() time.Time { return time.Unix(1_700_000_000, 0) }
	m.Apply(&chat.Welcome{Me: "ann", Version: "v1", Convs: convs})
	return m
}

// ready returns a model whose lobby window holds entries 1..hi by bob.
func ready(t *testing.T, hi uint64) (*client.Model, *client.Conversation) {
	t.Helper()
	m := named(t, roomInfo(lobby, "lobby", hi, hi))
	wantFrames(t, m.Apply(page(lobby, 1, hi, entries(lobby, 1, hi, "bob"))))
	c := m.Convs[lobby]
	wantSeqs(t, c, span(1, hi))
	return m, c
}

func TestModelWelcomeNeedName(t *testing.T) {
	t.Parallel()
	m := client.NewModel()
	limits := chat.Limits{MaxTextRunes: 4000, MaxFrameBytes: 65536}
	wantFrames(t, m.Apply(&chat.Welcome{NeedName: true, Version: "v9", Limits: limits}))
	if !m.NeedName || m.Me != "" || m.Version != "v9" || m.Limits != limits || len(m.Convs) != 0 {
		t.Fatalf("model after need_name welcome: %+v", m)
	}
	m.Apply(&chat.Welcome{Me: "ann", Version: "v9", Limits: limits, Convs: []chat.ConvInfo{roomInfo(lobby, "lobby", 0, 0)}})
	if m.NeedName || m.Me != "ann" {
		t.Fatalf("after the named welcome: NeedName %v, Me %q", m.NeedName, m.Me)
	}
}

func TestModelWelcomeResumes(t *testing.T) {
	t.Parallel()
	m := client.NewModel()
	m.Visible = false // a hidden tab: nothing counts as seen
	out := m.Apply(&chat.Welcome{Me: "ann &amp; co", Version: "v1", Convs: []chat.ConvInfo{
		roomInfo(lobby, "lobby", 10, 4),
		roomInfo(group, "group &lt;A&gt;", 3, 3),
	}})
	wantFrames(t, out, &chat.Resume{Cursors: map[string]uint64{lobby: 0, group: 0}})
	if m.Me != "ann & co" {
		t.Errorf("Me = %q, want it unescaped", m.Me)
	}
	if m.Active != lobby {
		t.Errorf("Active = %q, want the first conversation", m.Active)
	}
	if c := m.Convs[group]; c == nil || c.Name != "group <A>" || c.Unread != 0 || c.Ready {
		t.Errorf("group = %+v", c)
	}
	if c := m.Convs[lobby]; c == nil || c.Unread != 6 {
		t.Errorf("lobby = %+v, want 6 unread", c)
	}

	// Once windows are held, a later welcome resumes from their ends, drops
	// conversations it no longer lists and resends what is unacknowledged.
	m.Apply(page(lobby, 1, 10, entries(lobby, 1, 10, "bob")))
	m.Apply(page(group, 1, 3, entries(group, 1, 3, "bob")))
	send := m.Compose(lobby, "", "queued")
	m.Sent(send.ID)
	m.Disconnected()
	out = m.Apply(&chat.Welcome{Me: "ann &amp; co", Convs: []chat.ConvInfo{roomInfo(lobby, "lobby", 12, 10)}})
	wantFrames(t, out, &chat.Resume{Cursors: map[string]uint64{lobby: 10}}, send)
	if _, ok := m.Convs[group]; ok {
		t.Error("a conversation the welcome no longer lists was kept")
	}
	if c := m.Convs[lobby]; c.Unread != 2 || !slices.Equal(seqs(c), span(1, 10)) {
		t.Errorf("lobby after the second welcome: unread %d, window %v", c.Unread, seqs(c))
	}
}

func TestModelFirstPage(t *testing.T) {
	t.Parallel()
	testCases := []struct {
		name      string
		page      *chat.Page
		wantSeqs  []uint64
		wantStart bool
		wantOut   []chat.Frame
	}{
		{"wholeHistory", page(lobby, 1, 5, entries(lobby, 1, 5, "bob")), span(1, 5), true, nil},
		{"latestOnly", page(lobby, 1, 50, entries(lobby, 41, 50, "bob")), span(41, 50), false, nil},
		{"trimmedHistory", page(lobby, 30, 50, entries(lobby, 30, 50, "bob")), span(30, 50), true, nil},
		{"empty", page(lobby, 1, 0, nil), nil, true, nil},
		{"moreToFollow", page(lobby, 1, 250, entries(lobby, 1, 200, "bob")), span(1, 200), true,
			[]chat.Frame{&chat.History{Conv: lobby, After: 200, Limit: chat.MaxHistoryLimit}}},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := named(t, roomInfo(lobby, "lobby", tc.page.Last, 0))
			wantFrames(t, m.Apply(tc.page), tc.wantOut...)
			c := m.Convs[lobby]
			if !c.Ready || c.Start != tc.wantStart || c.Lost {
				t.Errorf("Ready %v, Start %v, Lost %v; want true, %v, false", c.Ready, c.Start, c.Lost, tc.wantStart)
			}
			wantSeqs(t, c, tc.wantSeqs)
		})
	}
}

func TestModelEntriesBeforeFirstPageAreHeld(t *testing.T) {
	t.Parallel()
	m := named(t, roomInfo(lobby, "lobby", 5, 5))
	// Live entries arrive between the welcome and the resume page.
	wantFrames(t, m.Apply(&chat.Entry{Conv: lobby, Seq: 5, From: "bob", Kind: chat.EntryMessage}))
	wantFrames(t, m.Apply(&chat.Entry{Conv: lobby, Seq: 6, From: "bob", Kind: chat.EntryMessage}))
	c := m.Convs[lobby]
	if c.Ready || len(c.Entries) != 0 {
		t.Fatalf("entries shown before the first page: %v", seqs(c))
	}
	wantFrames(t, m.Apply(page(lobby, 1, 5, entries(lobby, 1, 5, "bob"))))
	wantSeqs(t, c, span(1, 6))
}

func TestModelLiveEntries(t *testing.T) {
	t.Parallel()
	m, c := ready(t, 5)
	for seq := uint64(6); seq <= 8; seq++ {
		e := entry(lobby, seq, "bob")
		wantFrames(t, m.Apply(&e))
	}
	wantSeqs(t, c, span(1, 8))
	if c.Info.Last != 8 {
		t.Errorf("Info.Last = %d, want 8", c.Info.Last)
	}

	t.Run("duplicateIgnored", func(t *testing.T) {
		for _, seq := range []uint64{8, 3, 1} {
			e := entry(lobby, seq, "bob")
			e.HTML = "<div>changed</div>"
			wantFrames(t, m.Apply(&e))
		}
		wantSeqs(t, c, span(1, 8))
		if c.Entries[7].HTML == "<div>changed</div>" {
			t.Error("a duplicate replaced the entry")
		}
	})

	t.Run("unknownConversationIgnored", func(t *testing.T) {
		e := entry("r:nowhere", 1, "bob")
		wantFrames(t, m.Apply(&e))
		if _, ok := m.Convs["r:nowhere"]; ok {
			t.Error("an entry created a conversation")
		}
	})
}

func TestModelGapIsFilledOnce(t *testing.T) {
	t.Parallel()
	gapRequest := &chat.History{Conv: lobby, After: 5, Limit: chat.MaxHistoryLimit}

	t.Run("pageCoversTheGap", func(t *testing.T) {
		t.Parallel()
		m, c := ready(t, 5)
		e8, e9, e7 := entry(lobby, 8, "bob"), entry(lobby, 9, "bob"), entry(lobby, 7, "bob")
		wantFrames(t, m.Apply(&e8), gapRequest)
		wantFrames(t, m.Apply(&e9)) // the request is out: not again
		wantFrames(t, m.Apply(&e7))
		wantSeqs(t, c, span(1, 5)) // held, not shown with a hole
		wantFrames(t, m.Apply(page(lobby, 1, 9, entries(lobby, 6, 9, "bob"))))
		wantSeqs(t, c, span(1, 9))
		e10 := entry(lobby, 10, "bob")
		wantFrames(t, m.Apply(&e10))
		wantSeqs(t, c, span(1, 10))
	})

	t.Run("pageFillsOnlyTheHole", func(t *testing.T) {
		t.Parallel()
		m, c := ready(t, 5)
		e8, e9 := entry(lobby, 8, "bob"), entry(lobby, 9, "bob")
		wantFrames(t, m.Apply(&e8), gapRequest)
		wantFrames(t, m.Apply(&e9))
		wantFrames(t, m.Apply(page(lobby, 1, 7, entries(lobby, 6, 7, "bob"))))
		wantSeqs(t, c, span(1, 9)) // held 8 and 9 drained in order
	})

	t.Run("partialPageAsksForTheRest", func(t *testing.T) {
		t.Parallel()
		m, c := ready(t, 5)
		e9 := entry(lobby, 9, "bob")
		wantFrames(t, m.Apply(&e9), gapRequest)
		wantFrames(t, m.Apply(page(lobby, 1, 9, entries(lobby, 6, 6, "bob"))),
			&chat.History{Conv: lobby, After: 6, Limit: chat.MaxHistoryLimit})
		wantSeqs(t, c, span(1, 6))
		wantFrames(t, m.Apply(page(lobby, 1, 9, entries(lobby, 7, 8, "bob"))))
		wantSeqs(t, c, span(1, 9))
	})

	t.Run("overlappingPageAddsNoDuplicate", func(t *testing.T) {
		t.Parallel()
		m, c := ready(t, 5)
		e7 := entry(lobby, 7, "bob")
		wantFrames(t, m.Apply(&e7), gapRequest)
		wantFrames(t, m.Apply(page(lobby, 1, 8, entries(lobby, 2, 8, "bob"))))
		wantSeqs(t, c, span(1, 8))
	})

	t.Run("newRequestAfterTheGapCloses", func(t *testing.T) {
		t.Parallel()
		m, c := ready(t, 5)
		e7 := entry(lobby, 7, "bob")
		wantFrames(t, m.Apply(&e7), gapRequest)
		wantFrames(t, m.Apply(page(lobby, 1, 7, entries(lobby, 6, 7, "bob"))))
		e9 := entry(lobby, 9, "bob")
		wantFrames(t, m.Apply(&e9), &chat.History{Conv: lobby, After: 7, Limit: chat.MaxHistoryLimit})
		wantSeqs(t, c, span(1, 7))
	})

	t.Run("disconnectForgetsTheRequest", func(t *testing.T) {
		t.Parallel()
		m, _ := ready(t, 5)
		e7 := entry(lobby, 7, "bob")
		wantFrames(t, m.Apply(&e7), gapRequest)
		m.Disconnected()
		wantFrames(t, m.Apply(&chat.Welcome{Me: "ann", Convs: []chat.ConvInfo{roomInfo(lobby, "lobby", 7, 5)}}),
			&chat.Resume{Cursors: map[string]uint64{lobby: 5}})
	})
}

func TestModelPageBeyondHiIsLost(t *testing.T) {
	t.Parallel()
	m, c := ready(t, 5)
	e20 := entry(lobby, 20, "bob")
	wantFrames(t, m.Apply(&e20), &chat.History{Conv: lobby, After: 5, Limit: chat.MaxHistoryLimit})
	// The server dropped 6..14: its page starts at 15.
	wantFrames(t, m.Apply(page(lobby, 15, 20, entries(lobby, 15, 20, "bob"))))
	if !c.Lost {
		t.Error("Lost is not set")
	}
	wantSeqs(t, c, span(15, 20))
	if !c.Start {
		t.Error("the window starts at the server's first entry but Start is false")
	}
	e21 := entry(lobby, 21, "bob")
	wantFrames(t, m.Apply(&e21))
	wantSeqs(t, c, span(15, 21))
}

func TestModelOlder(t *testing.T) {
	t.Parallel()
	m := named(t, roomInfo(lobby, "lobby", 100, 100))
	if f := m.Older(lobby); f != nil {
		t.Fatalf("Older before the first page = %v", f)
	}
	m.Apply(page(lobby, 1, 100, entries(lobby, 51, 100, "bob")))
	c := m.Convs[lobby]
	if c.Start {
		t.Fatal("Start set for a window from 51")
	}
	want := &chat.History{Conv: lobby, Before: 51}
	if f := m.Older(lobby); !reflect.DeepEqual(f, want) {
		t.Fatalf("Older = %#v, want %#v", f, want)
	}
	if !c.LoadingOlder() {
		t.Error("LoadingOlder is false with a request out")
	}
	if f := m.Older(lobby); f != nil {
		t.Fatalf("second Older while one is out = %#v", f)
	}

	t.Run("staleAnswerIgnored", func(t *testing.T) {
		wantFrames(t, m.Apply(page(lobby, 1, 100, entries(lobby, 10, 20, "bob"))))
		wantSeqs(t, c, span(51, 100))
	})

	if f := m.Older(lobby); !reflect.DeepEqual(f, want) {
		t.Fatalf("Older after a stale answer = %#v, want %#v", f, want)
	}
	wantFrames(t, m.Apply(page(lobby, 1, 100, entries(lobby, 1, 50, "bob"))))
	wantSeqs(t, c, span(1, 100))
	if !c.Start || c.LoadingOlder() {
		t.Errorf("after the oldest page: Start %v, LoadingOlder %v", c.Start, c.LoadingOlder())
	}
	if f := m.Older(lobby); f != nil {
		t.Errorf("Older at the start = %#v", f)
	}
	if f := m.Older("r:nowhere"); f != nil {
		t.Errorf("Older of an unknown conversation = %#v", f)
	}
}

func TestModelUnread(t *testing.T) {
	t.Parallel()
	testCases := []struct {
		name    string
		from    string
		kind    chat.EntryKind
		active  string
		visible bool
		want    int
	}{
		{"fromOtherElsewhere", "bob", chat.EntryMessage, group, true, 1},
		{"fromOtherInView", "bob", chat.EntryMessage, lobby, true, 0},
		{"fromOtherActiveButHidden", "bob", chat.EntryMessage, lobby, false, 1},
		{"own", "ann &amp; co", chat.EntryMessage, group, true, 0},
		{"joinEntry", "bob", chat.EntryJoin, group, true, 0},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := client.NewModel()
			m.Apply(&chat.Welcome{Me: "ann &amp; co", Convs: []chat.ConvInfo{roomInfo(lobby, "lobby", 3, 3), roomInfo(group, "g", 0, 0)}})
			m.Apply(page(lobby, 1, 3, entries(lobby, 1, 3, "bob")))
			m.Active, m.Visible = tc.active, tc.visible
			e := entry(lobby, 4, tc.from)
			e.Kind = tc.kind
			m.Apply(&e)
			m.Apply(&e) // a duplicate never counts
			if got := m.Convs[lobby].Unread; got != tc.want {
				t.Errorf("Unread = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestModelCursorAndMarkRead(t *testing.T) {
	t.Parallel()
	m := named(t, roomInfo(lobby, "lobby", 5, 5), roomInfo(group, "g", 5, 2))
	m.Apply(page(lobby, 1, 5, entries(lobby, 1, 5, "bob")))
	m.Apply(page(group, 1, 5, entries(group, 1, 5, "bob")))
	c := m.Convs[group]
	if c.Unread != 3 {
		t.Fatalf("Unread = %d, want 3", c.Unread)
	}

	// Another device read the group to its end.
	m.Apply(&chat.Cursor{Conv: group, Seq: 5})
	if c.Unread != 0 || c.Info.Read != 5 {
		t.Fatalf("after the cursor: Unread %d, Read %d", c.Unread, c.Info.Read)
	}
	e6 := entry(group, 6, "bob")
	m.Apply(&e6)
	if c.Unread != 1 {
		t.Fatalf("Unread = %d after a new entry, want 1", c.Unread)
	}
	m.Apply(&chat.Cursor{Conv: group, Seq: 3}) // stale
	if c.Info.Read != 5 || c.Unread != 1 {
		t.Fatalf("a stale cursor changed Read %d / Unread %d", c.Info.Read, c.Unread)
	}

	f := m.MarkRead(group)
	if want := (&chat.Read{Conv: group, Seq: 6}); !reflect.DeepEqual(f, want) {
		t.Fatalf("MarkRead = %#v, want %#v", f, want)
	}
	if c.Unread != 0 || c.Info.Read != 6 {
		t.Errorf("after MarkRead: Unread %d, Read %d", c.Unread, c.Info.Read)
	}
	if f := m.MarkRead(group); f != nil {
		t.Errorf("MarkRead with nothing new = %#v", f)
	}
	if f := m.MarkRead("r:nowhere"); f != nil {
		t.Errorf("MarkRead of an unknown conversation = %#v", f)
	}
}

func TestModelRosterAndPresence(t *testing.T) {
	t.Parallel()
	m, c := ready(t, 3)
	// A crowded room's roster names some and counts all; a later full
	// roster drops the count.
	m.Apply(&chat.Roster{Conv: lobby, Users: []string{"ann", "bob"}, Count: 500})
	if got := c.OnlineTotal(); got != 500 || len(c.Online) != 2 {
		t.Errorf("a crowded roster: %d online listed, total %d; want 2 and 500", len(c.Online), got)
	}
	m.Apply(&chat.Roster{Conv: lobby, Users: []string{"zed", "ann", "&lt;b&gt;"}})
	if got := c.OnlineTotal(); got != 3 {
		t.Errorf("a full roster after a crowded one: total %d, want 3", got)
	}
	if want := []string{"<b>", "ann", "zed"}; !slices.Equal(c.Online, want) {
		t.Fatalf("Online = %q, want %q", c.Online, want)
	}

	m.Apply(&chat.Presence{Conv: lobby, User: "bob", Online: true, Quiet: true})
	if !slices.Contains(c.Online, "bob") || !slices.IsSorted(c.Online) {
		t.Errorf("Online after a quiet arrival = %q", c.Online)
	}
	if len(c.Notices) != 0 {
		t.Errorf("a quiet presence made notices %+v", c.Notices)
	}

	m.Apply(&chat.Presence{Conv: lobby, User: "c&amp;d", Online: true})
	want := client.Notice{After: 3, User: "c&d", Online: true, Time: m.Now()}
	if len(c.Notices) != 1 || c.Notices[0] != want {
		t.Fatalf("Notices = %+v, want [%+v]", c.Notices, want)
	}
	m.Apply(&chat.Presence{Conv: lobby, User: "c&amp;d", Online: true}) // again: no second member
	if n := countOf(c.Online, "c&d"); n != 1 {
		t.Errorf("c&d is online %d times", n)
	}

	m.Apply(&chat.Presence{Conv: lobby, User: "zed", Online: false})
	if slices.Contains(c.Online, "zed") {
		t.Errorf("zed still online: %q", c.Online)
	}
	if last := c.Notices[len(c.Notices)-1]; last.User != "zed" || last.Online {
		t.Errorf("last notice = %+v, want zed left", last)
	}

	m.Apply(&chat.Presence{Conv: "r:nowhere", User: "x", Online: true})
	m.Apply(&chat.Roster{Conv: "r:nowhere", Users: []string{"x"}})
	if _, ok := m.Convs["r:nowhere"]; ok {
		t.Error("presence created a conversation")
	}
}

func countOf(list []string, s string) int {
	n := 0
	for _, v := range list {
		if v == s {
			n++
		}
	}
	return n
}

func TestModelConvAndGone(t *testing.T) {
	t.Parallel()
	m := named(t, roomInfo(lobby, "lobby", 0, 0))
	out := m.Apply(&chat.Conv{ConvInfo: roomInfo(group, "group &amp; A", 0, 0)})
	wantFrames(t, out, &chat.History{Conv: group})
	if c := m.Convs[group]; c == nil || c.Name != "group & A" {
		t.Fatalf("new conversation = %+v", c)
	}
	// An update of a known conversation asks for nothing.
	wantFrames(t, m.Apply(&chat.Conv{ConvInfo: roomInfo(group, "group B", 0, 0)}))
	if m.Convs[group].Name != "group B" {
		t.Errorf("name not updated: %q", m.Convs[group].Name)
	}
	private := chat.ConvInfo{ID: "p:ann|bob", Kind: chat.KindPrivate, Name: "bob"}
	m.Apply(&chat.Conv{ConvInfo: private})

	m.Active = group
	m.Apply(&chat.Gone{Conv: "p:ann|bob"})
	if _, ok := m.Convs["p:ann|bob"]; ok || m.Active != group {
		t.Errorf("after removing another conversation: present %v, Active %q", ok, m.Active)
	}
	m.Apply(&chat.Gone{Conv: group})
	if _, ok := m.Convs[group]; ok {
		t.Error("gone conversation kept")
	}
	if m.Active != lobby {
		t.Errorf("Active = %q after its conversation went, want the lobby", m.Active)
	}
	m.Apply(&chat.Gone{Conv: lobby})
	if m.Active != "" || len(m.Convs) != 0 {
		t.Errorf("Active = %q, Convs = %v with nothing left", m.Active, m.Convs)
	}
}

func TestModelSorted(t *testing.T) {
	t.Parallel()
	m := named(t,
		chat.ConvInfo{ID: "p:1", Kind: chat.KindPrivate, Name: "alice"},
		roomInfo("r:b", "beta", 0, 0),
		roomInfo(lobby, "lobby", 0, 0),
		roomInfo("r:a", "alpha", 0, 0),
	)
	var ids []string
	for _, c := range m.Sorted() {
		ids = append(ids, c.Info.ID)
	}
	if want := []string{lobby, "r:a", "r:b", "p:1"}; !slices.Equal(ids, want) {
		t.Errorf("Sorted = %v, want %v", ids, want)
	}
}

func TestModelOutbox(t *testing.T) {
	t.Parallel()
	m := named(t, roomInfo(lobby, "lobby", 0, 0))
	if !chat.ValidDevice(m.Device()) {
		t.Fatalf("device id %q breaks the wire's rules", m.Device())
	}
	if other := client.NewModel(); other.Device() == m.Device() {
		t.Errorf("two models share device %q", m.Device())
	}

	s1 := m.Compose(lobby, "", "one")
	s2 := m.Compose(lobby, "", "two")
	s3 := m.Compose(lobby, "bob", "three") // a /msg: To wins over Conv
	for i, s := range []*chat.Send{s1, s2, s3} {
		if s.ID.Device != m.Device() || s.ID.N != uint64(i+1) {
			t.Errorf("message %d has id %+v", i+1, s.ID)
		}
		if err := s.Validate(); err != nil {
			t.Errorf("composed frame %d is invalid: %v", i+1, err)
		}
	}
	if s3.Conv != "" || s3.To != "bob" {
		t.Errorf("private send = %+v, want only To", s3)
	}
	wantFrames(t, m.Unsent(), s1, s2, s3)
	if !m.Retryable() {
		t.Error("Retryable false with unsent messages")
	}

	m.Sent(s1.ID)
	m.Sent(s2.ID)
	wantFrames(t, m.Unsent(), s3)
	m.Sent(s3.ID)
	wantFrames(t, m.Unsent())
	if m.Retryable() {
		t.Error("Retryable true with everything in flight")
	}
	m.Disconnected()
	wantFrames(t, m.Unsent(), s1, s2, s3)

	for _, s := range []*chat.Send{s1, s2, s3} {
		m.Sent(s.ID)
	}
	m.Apply(&chat.Ack{ID: s1.ID, Conv: lobby, Seq: 1, Time: 1})
	if len(m.Outbox) != 2 || m.Outbox[0].ID != s2.ID {
		t.Fatalf("outbox after the ack: %+v", m.Outbox)
	}
	m.Apply(&chat.Ack{ID: s1.ID, Conv: lobby, Seq: 1, Time: 1}) // repeated ack
	if len(m.Outbox) != 2 {
		t.Fatalf("a repeated ack removed more: %+v", m.Outbox)
	}

	t.Run("rateLimitedRenumbers", func(t *testing.T) {
		m.Apply(&chat.Error{Code: chat.CodeRateLimited, Message: "slow down", Ref: chat.TypeSend, ID: &s2.ID})
		o := m.Outbox[len(m.Outbox)-1] // renumbered messages go after those with higher ids
		if m.Outbox[0].ID != s3.ID {
			t.Fatalf("outbox order after the renumber: %+v", m.Outbox)
		}
		if o.ID.N != 4 || o.ID.Device != m.Device() || o.InFlight || o.Failed != "" || o.Text != "two" {
			t.Fatalf("rate-limited message = %+v, want id 4, unsent, not failed", o)
		}
		if m.LastErr == nil || m.LastErr.Code != chat.CodeRateLimited {
			t.Errorf("LastErr = %+v", m.LastErr)
		}
		wantFrames(t, m.Unsent(), &chat.Send{ID: o.ID, Conv: lobby, Text: "two"})
		if next := m.Compose(lobby, "", "four"); next.ID.N != 5 {
			t.Errorf("next id = %d, want 5", next.ID.N)
		}
	})

	t.Run("otherErrorFails", func(t *testing.T) {
		id := m.Outbox[1].ID // "three" to bob
		m.Apply(&chat.Error{Code: chat.CodeNoSuchUser, Message: "nobody is called bob", Ref: chat.TypeSend, ID: &id})
		o := m.Outbox[1]
		if o.Failed != "nobody is called bob" {
			t.Fatalf("failed message = %+v", o)
		}
		for _, f := range m.Unsent() {
			if f.(*chat.Send).ID == id {
				t.Error("a failed message is offered for resending")
			}
		}
		m.Discard(id)
		for _, o := range m.Outbox {
			if o.ID == id {
				t.Error("Discard kept the message")
			}
		}
	})

	t.Run("errorForUnknownMessage", func(t *testing.T) {
		before := len(m.Outbox)
		m.Apply(&chat.Error{Code: chat.CodeBadText, Message: "x", ID: &chat.MsgID{Device: "someone-else", N: 1}})
		m.Apply(&chat.Error{Code: chat.CodeNotMember, Message: "y"})
		if len(m.Outbox) != before || m.LastErr.Message != "y" {
			t.Errorf("outbox %d -> %d, LastErr %+v", before, len(m.Outbox), m.LastErr)
		}
	})
}

func TestModelAckOfPrivateMessageOpensIt(t *testing.T) {
	t.Parallel()
	m := named(t, roomInfo(lobby, "lobby", 0, 0))
	s := m.Compose("", "bob", "hi bob")
	m.Sent(s.ID)
	pair := chat.ConvInfo{ID: "p:ann|bob", Kind: chat.KindPrivate, Name: "bob"}
	m.Apply(&chat.Conv{ConvInfo: pair})
	if m.Active != lobby {
		t.Fatalf("Active = %q before the ack", m.Active)
	}
	m.Apply(&chat.Ack{ID: s.ID, Conv: pair.ID, Seq: 1, Time: 1})
	if m.Active != pair.ID || len(m.Outbox) != 0 {
		t.Errorf("after the ack: Active %q, outbox %d", m.Active, len(m.Outbox))
	}
}

func TestModelPending(t *testing.T) {
	t.Parallel()
	m := named(t, roomInfo(lobby, "lobby", 0, 0), roomInfo(group, "g", 0, 0))
	a := m.Compose(lobby, "", "to lobby")
	m.Compose(group, "", "to group")
	p := m.Pending(lobby)
	if len(p) != 1 || p[0].ID != a.ID {
		t.Errorf("Pending(lobby) = %+v", p)
	}
}

func TestParseCommand(t *testing.T) {
	t.Parallel()
	testCases := []struct {
		name   string
		line   string
		to     string
		text   string
		wantOK bool
	}{
		{"simple", "/msg bob hi there", "bob", "hi there", true},
		{"extraSpacesBeforeName", "/msg   bob hi", "bob", "hi", true},
		{"textTrimmed", "/msg bob   hi there  ", "bob", "hi there", true},
		{"cjk", "/msg 小明 你好", "小明", "你好", true},
		{"noText", "/msg bob", "", "", false},
		{"blankText", "/msg bob    ", "", "", false},
		{"noName", "/msg ", "", "", false},
		{"onlySpaces", "/msg     ", "", "", false},
		{"noSpaceAfterCommand", "/msgbob hi", "", "", false},
		{"otherCommand", "/me waves", "", "", false},
		{"plainText", "hello /msg bob hi", "", "", false},
		{"upperCase", "/MSG bob hi", "", "", false},
		{"leadingSpace", " /msg bob hi", "", "", false},
		{"empty", "", "", "", false},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) {
			to, text, ok := client.ParseCommand(tc.line)
			if to != tc.to || text != tc.text || ok != tc.wantOK {
				t.Errorf("ParseCommand(%q) = %q, %q, %v; want %q, %q, %v", tc.line, to, text, ok, tc.to, tc.text, tc.wantOK)
			}
		})
	}
}

// TestModelCountsEntriesThatArriveBeforeTheFirstPage: an entry that comes
// live between the Welcome (whose Last it is not in) and the first page is
// unread like any other.
func TestModelCountsEntriesThatArriveBeforeTheFirstPage(t *testing.T) {
	t.Parallel()
	m := named(t, roomInfo(lobby, "lobby", 5, 5), roomInfo(group, "g", 2, 2))
	m.Active = group
	e6 := entry(lobby, 6, "bob")
	m.Apply(&e6)
	m.Apply(page(lobby, 1, 5, entries(lobby, 1, 5, "bob")))
	wantSeqs(t, m.Convs[lobby], span(1, 6))
	if got := m.Convs[lobby].Unread; got != 1 {
		t.Errorf("Unread = %d, want 1", got)
	}
}

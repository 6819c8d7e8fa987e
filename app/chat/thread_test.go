package chat_test

import (
	"testing"

	"github.com/founding/chat/app/chat"
)

func TestThreadIDsRoundTrip(t *testing.T) {
	t.Parallel()
	for _, parent := range []string{"r:lobby", "p:ann|bob", "r:a:b"} {
		id := chat.ThreadID(parent, 42)
		p, root, ok := chat.ThreadOf(id)
		if !ok || p != parent || root != 42 {
			t.Errorf("ThreadOf(%q) = %q, %d, %v", id, p, root, ok)
		}
	}
	for _, bad := range []string{"r:lobby", "t:", "t:r:lobby", "t:r:lobby:0", "t:r:lobby:01", "t:r:lobby:x", "t::5", "t:t:r:lobby:1:2", "t:r:lobby:-1"} {
		if _, _, ok := chat.ThreadOf(bad); ok {
			t.Errorf("ThreadOf(%q) took it for a thread", bad)
		}
	}
	if err := (&chat.Follow{Conv: "r:lobby", On: true}).Validate(); err == nil {
		t.Error("a follow of a room was accepted")
	}
	if err := (&chat.Send{ID: chat.MsgID{Device: "device-01", N: 1}, Conv: "r:lobby", Text: "x", Also: true}).Validate(); err == nil {
		t.Error("also to the room outside a thread was accepted")
	}
}

// TestThreadSummaryFolds: EntryThread actions count replies on their root,
// once each, deleted root or not, and a page folded at once agrees with
// the actions applied one by one.
func TestThreadSummaryFolds(t *testing.T) {
	t.Parallel()
	root := chat.Entry{Conv: "r:x", Seq: 1, Kind: chat.EntryMessage, From: "ann", HTML: "<p>q</p>"}
	run := []chat.Entry{root,
		{Conv: "r:x", Seq: 2, Time: 10, Kind: chat.EntryThread, From: "bob", Target: 1, On: true},
		{Conv: "r:x", Seq: 3, Time: 20, Kind: chat.EntryThread, From: "cy", Target: 1, On: true},
		{Conv: "r:x", Seq: 4, Time: 30, Kind: chat.EntryThread, From: "bob", Target: 1, On: true},
		{Conv: "r:x", Seq: 5, Kind: chat.EntryDelete, From: "ann", Target: 1},
		{Conv: "r:x", Seq: 6, Time: 40, Kind: chat.EntryThread, From: "cy", Target: 1},
	}
	folded := chat.Fold(run)[0]
	s := folded.Thread
	if !folded.Deleted || s == nil || s.Replies != 2 || s.Last != 30 || len(s.Users) != 2 || s.Users[0] != "bob" || s.Users[1] != "cy" {
		t.Fatalf("folded root %+v, summary %+v", folded, s)
	}
	live := root
	for _, a := range run[1:] {
		live, _ = chat.Apply(live, a)
	}
	if again, applied := chat.Apply(live, run[1]); applied || again.Thread.Replies != 2 {
		t.Error("an EntryThread applied twice counted twice")
	}
	if live.Thread.Replies != s.Replies || live.Thread.Last != s.Last {
		t.Errorf("applied one by one %+v, folded %+v", live.Thread, s)
	}
}

func TestMentionedAndParentOf(t *testing.T) {
	h := `<div class="body">` + chat.MentionMarkup + `ann">@Ann</span> and ` + chat.MentionMarkup + `b&amp;o">@B&amp;o</span>, ` + chat.MentionMarkup + `ann">@Ann</span> ` + chat.MentionMarkup + `cut`
	if got := chat.Mentioned(h); len(got) != 2 || got[0] != "ann" || got[1] != "b&o" {
		t.Errorf("Mentioned = %q, want [ann b&o]: each once, unescaped, a cut one left out", got)
	}
	if got := chat.Mentioned("&lt;span class=&#34;mention&#34; data-user=&#34;x&#34;&gt;"); got != nil {
		t.Errorf("escaped user text was taken for a mention: %q", got)
	}
	if got := chat.ParentOf(chat.ThreadID("r:lobby", 7)); got != "r:lobby" {
		t.Errorf("ParentOf a thread = %q", got)
	}
	if got := chat.ParentOf("r:lobby"); got != "" {
		t.Errorf("ParentOf a room = %q, want empty", got)
	}
}

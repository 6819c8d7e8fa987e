package chat_test

import (
	"reflect"
	"testing"

	"github.com/founding/chat/app/chat"
)

// Builders of a conversation's entries for the folding tables.
func msg(seq uint64, from, html string) chat.Entry {
	return chat.Entry{Conv: "r:x", Seq: seq, Time: int64(seq) * 10, Kind: chat.EntryMessage, From: from, HTML: html}
}

func reply(seq uint64, from, html string, to uint64, quoted string) chat.Entry {
	e := msg(seq, from, html)
	e.Reply = &chat.Quote{Seq: to, From: "ann", Text: quoted}
	return e
}

func edit(seq, target uint64, html string) chat.Entry {
	return chat.Entry{Conv: "r:x", Seq: seq, Time: int64(seq) * 10, Kind: chat.EntryEdit, From: "ann", HTML: html, Target: target}
}

func del(seq, target uint64) chat.Entry {
	return chat.Entry{Conv: "r:x", Seq: seq, Time: int64(seq) * 10, Kind: chat.EntryDelete, From: "ann", Target: target}
}

func reactBy(seq, target uint64, from, emoji string, on bool) chat.Entry {
	return chat.Entry{Conv: "r:x", Seq: seq, Time: int64(seq) * 10, Kind: chat.EntryReact, From: from, Target: target, Emoji: emoji, On: on}
}

// folded is what the table expects of message 1 once its run is folded.
type folded struct {
	html      string
	edited    int64
	deleted   bool
	reactions []chat.Reaction
	upto      uint64
}

func TestFoldRules(t *testing.T) {
	t.Parallel()
	m := msg(1, "ann", "<div>v1</div>")
	for _, tc := range []struct {
		name    string
		actions []chat.Entry
		want    folded
	}{
		{"nothing", nil, folded{html: "<div>v1</div>"}},
		{"edit", []chat.Entry{edit(2, 1, "<div>v2</div>")}, folded{html: "<div>v2</div>", edited: 20, upto: 2}},
		{"latestEditWins", []chat.Entry{edit(2, 1, "<div>v2</div>"), edit(3, 1, "<div>v3</div>")}, folded{html: "<div>v3</div>", edited: 30, upto: 3}},
		{"deleteAfterEdit", []chat.Entry{edit(2, 1, "<div>v2</div>"), del(3, 1)}, folded{html: chat.DeletedHTML, deleted: true, upto: 3}},
		{"editAfterDeleteIgnored", []chat.Entry{del(2, 1), edit(3, 1, "<div>v3</div>")}, folded{html: chat.DeletedHTML, deleted: true, upto: 3}},
		{"deleteTwice", []chat.Entry{del(2, 1), del(3, 1)}, folded{html: chat.DeletedHTML, deleted: true, upto: 3}},
		{"react", []chat.Entry{reactBy(2, 1, "bob", "👍", true)},
			folded{html: "<div>v1</div>", reactions: []chat.Reaction{{Emoji: "👍", Users: []string{"bob"}}}, upto: 2}},
		{"reactionToggledTwice", []chat.Entry{reactBy(2, 1, "bob", "👍", true), reactBy(3, 1, "bob", "👍", false)},
			folded{html: "<div>v1</div>", upto: 3}},
		{"reactionOnTwiceCountsOnce", []chat.Entry{reactBy(2, 1, "bob", "👍", true), reactBy(3, 1, "bob", "👍", true)},
			folded{html: "<div>v1</div>", reactions: []chat.Reaction{{Emoji: "👍", Users: []string{"bob"}}}, upto: 3}},
		{"removeWhatIsNotThere", []chat.Entry{reactBy(2, 1, "bob", "👍", false)}, folded{html: "<div>v1</div>", upto: 2}},
		{"reactionsInOrder", []chat.Entry{reactBy(2, 1, "bob", "👍", true), reactBy(3, 1, "cy", "🎉", true), reactBy(4, 1, "ann", "👍", true)},
			folded{html: "<div>v1</div>", reactions: []chat.Reaction{{Emoji: "👍", Users: []string{"bob", "ann"}}, {Emoji: "🎉", Users: []string{"cy"}}}, upto: 4}},
		{"oneUserLeavesOthersStay", []chat.Entry{reactBy(2, 1, "bob", "👍", true), reactBy(3, 1, "cy", "👍", true), reactBy(4, 1, "bob", "👍", false)},
			folded{html: "<div>v1</div>", reactions: []chat.Reaction{{Emoji: "👍", Users: []string{"cy"}}}, upto: 4}},
		{"deleteDropsReactions", []chat.Entry{reactBy(2, 1, "bob", "👍", true), del(3, 1), reactBy(4, 1, "cy", "🎉", true)},
			folded{html: chat.DeletedHTML, deleted: true, upto: 4}},
		{"editKeepsReactions", []chat.Entry{reactBy(2, 1, "bob", "👍", true), edit(3, 1, "<div>v2</div>")},
			folded{html: "<div>v2</div>", edited: 30, reactions: []chat.Reaction{{Emoji: "👍", Users: []string{"bob"}}}, upto: 3}},
		{"otherTargetIgnored", []chat.Entry{edit(2, 9, "<div>x</div>"), reactBy(3, 9, "bob", "👍", true), del(4, 9)}, folded{html: "<div>v1</div>"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			run := append([]chat.Entry{m}, tc.actions...)
			// Live: one action at a time; page: Fold at once; state:
			// folded apart and merged, as the server keeps it.
			live := append([]chat.Entry(nil), run...)
			for _, a := range tc.actions {
				chat.ApplyToRun(live, a)
			}
			state := chat.Entry{Kind: chat.EntryMessage, Seq: 1}
			for _, a := range tc.actions {
				state, _ = chat.Apply(state, a)
			}
			for how, got := range map[string]chat.Entry{"live": live[0], "fold": chat.Fold(run)[0], "merge": chat.Merge(m, state)} {
				checkFolded(t, how, got, tc.want)
			}
			if !reflect.DeepEqual(run[0], m) {
				t.Errorf("folding changed its input: %+v", run[0])
			}
		})
	}
}

func checkFolded(t *testing.T, how string, got chat.Entry, want folded) {
	t.Helper()
	f := folded{html: got.HTML, edited: got.Edited, deleted: got.Deleted, reactions: got.Reactions, upto: got.Upto}
	if !reflect.DeepEqual(f, want) {
		t.Errorf("%s: got %+v, want %+v", how, f, want)
	}
}

// TestFoldReplayIsLive checks that a page folded by the server (with the
// actions it held then) and the same actions arriving again afterwards, as
// after a resume from an older cursor, end where a live client did.
func TestFoldReplayIsLive(t *testing.T) {
	t.Parallel()
	run := []chat.Entry{
		msg(1, "ann", "<div>a</div>"),
		msg(2, "bob", "<div>b</div>"),
		reactBy(3, 1, "bob", "👍", true),
		edit(4, 1, "<div>a2</div>"),
		reactBy(5, 1, "bob", "👍", false),
		reactBy(6, 2, "ann", "🎉", true),
		del(7, 2),
		edit(8, 1, "<div>a3</div>"),
		reactBy(9, 1, "cy", "❤️", true),
	}
	live := append([]chat.Entry(nil), run...)
	for _, a := range run {
		chat.ApplyToRun(live, a)
	}
	for cut := 0; cut <= len(run); cut++ {
		page := chat.Fold(run[:cut]) // what a page served at that time held
		window := append([]chat.Entry(nil), page...)
		for _, e := range run[cut:] {
			window = append(window, chat.Arrive(window, e))
			chat.ApplyToRun(window, e)
		}
		for _, e := range run { // everything again, as a duplicate resume would
			chat.ApplyToRun(window, e)
		}
		if !reflect.DeepEqual(window[:2], live[:2]) {
			t.Errorf("cut at %d: got %+v\nwant %+v", cut, window[:2], live[:2])
		}
	}
	if !reflect.DeepEqual(chat.Fold(chat.Fold(run)), chat.Fold(run)) {
		t.Error("folding a folded run changed it")
	}
	if live[1].Deleted != true || live[1].Reactions != nil || live[0].HTML != "<div>a3</div>" {
		t.Errorf("live result: %+v", live[:2])
	}
}

func TestFoldDeleteForgetsQuotesAndEdits(t *testing.T) {
	t.Parallel()
	run := []chat.Entry{
		msg(1, "ann", "<div>secret</div>"),
		edit(2, 1, "<div>secret 2</div>"),
		reply(3, "bob", "<div>what?</div>", 1, "secret"),
		reply(4, "bob", "<div>other</div>", 9, "older"),
		del(5, 1),
	}
	got := chat.Fold(run)
	if got[0].HTML != chat.DeletedHTML || !got[0].Deleted {
		t.Errorf("target: %+v", got[0])
	}
	if got[1].HTML != "" {
		t.Errorf("the edit of a deleted message keeps its HTML: %q", got[1].HTML)
	}
	if q := got[2].Reply; q == nil || !q.Deleted || q.Text != "" || q.Seq != 1 || q.From != "ann" {
		t.Errorf("reply to the deleted message: %+v", q)
	}
	if q := got[3].Reply; q == nil || q.Deleted || q.Text != "older" {
		t.Errorf("reply to another message changed: %+v", q)
	}
	if run[2].Reply.Deleted || run[1].HTML == "" {
		t.Error("Fold changed its input through a shared pointer")
	}
	// A server that learns of the delete elsewhere drops the same.
	if e := chat.ForgetDeleted(run[2], 1); !e.Reply.Deleted || e.Reply.Text != "" || run[2].Reply.Deleted {
		t.Errorf("ForgetDeleted: %+v (input %+v)", e.Reply, run[2].Reply)
	}
}

func TestApplyRefuses(t *testing.T) {
	t.Parallel()
	m := msg(5, "ann", "<div>x</div>")
	m.Upto = 8
	join := chat.Entry{Conv: "r:x", Seq: 5, Kind: chat.EntryJoin}
	for _, tc := range []struct {
		name string
		m, a chat.Entry
	}{
		{"foldedAlready", m, edit(8, 5, "<div>y</div>")},
		{"olderThanUpto", m, reactBy(6, 5, "bob", "👍", true)},
		{"notAnAction", m, msg(9, "bob", "<div>z</div>")},
		{"otherTarget", m, edit(9, 4, "<div>y</div>")},
		{"notAMessage", join, edit(9, 5, "<div>y</div>")},
	} {
		if got, ok := chat.Apply(tc.m, tc.a); ok || !reflect.DeepEqual(got, tc.m) {
			t.Errorf("%s: Apply = %+v, %v; want the message unchanged", tc.name, got, ok)
		}
	}
}

func TestReactionsAreBounded(t *testing.T) {
	t.Parallel()
	m := msg(1, "ann", "<div>x</div>")
	emoji := []rune("😀😁😂🤣😃😄😅😆😉😊😋😎😍😘🥰😗😙🥲😚🙂🤗")
	for i, r := range emoji {
		m, _ = chat.Apply(m, reactBy(uint64(i+2), 1, "bob", string(r), true))
	}
	if len(m.Reactions) != chat.MaxReactions {
		t.Fatalf("%d reactions, want %d", len(m.Reactions), chat.MaxReactions)
	}
	m, _ = chat.Apply(m, reactBy(100, 1, "cy", "😀", true))
	if got := m.Reactions[0].Users; !reflect.DeepEqual(got, []string{"bob", "cy"}) {
		t.Errorf("an emoji already there takes more users: %v", got)
	}
}

// FuzzFold builds a run of messages and actions from the fuzzer's bytes and
// checks the folding promises: folding one action at a time (live) and the
// whole run at once (a page) agree, folding again changes nothing, and a
// page folded at any point then given the rest agrees with both.
func FuzzFold(f *testing.F) {
	f.Add([]byte{0, 0, 1, 1, 2, 1, 3, 1, 4, 2, 5, 1})
	f.Add([]byte{0, 0, 0, 0, 5, 1, 1, 1, 3, 2, 5, 2, 2, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		// As the server makes them: actions and replies name messages, and
		// a reply to a message deleted before it quotes it as deleted.
		var run []chat.Entry
		var msgs []uint64
		deleted := map[uint64]bool{}
		for i := 0; i+1 < len(data) && len(run) < 64; i += 2 {
			seq := uint64(len(run) + 1)
			kind := data[i] % 6
			if len(msgs) == 0 {
				kind = 0
			}
			var target uint64
			if len(msgs) > 0 {
				target = msgs[int(data[i+1])%len(msgs)]
			}
			who := []string{"ann", "bob", "cy"}[data[i+1]%3]
			switch kind {
			case 0:
				run = append(run, msg(seq, who, "<div>m</div>"))
				msgs = append(msgs, seq)
			case 1:
				run = append(run, edit(seq, target, "<div>e</div>"))
			case 2:
				run = append(run, del(seq, target))
				deleted[target] = true
			case 3, 4:
				run = append(run, reactBy(seq, target, who, []string{"👍", "🎉"}[data[i]%2], data[i]%4 < 2))
			case 5:
				r := reply(seq, who, "<div>r</div>", target, "q")
				if deleted[target] {
					r.Reply = &chat.Quote{Seq: target, From: "ann", Deleted: true}
				}
				run = append(run, r)
				msgs = append(msgs, seq)
			}
		}
		live := append([]chat.Entry(nil), run...)
		for _, a := range run {
			chat.ApplyToRun(live, a)
		}
		page := chat.Fold(run)
		if !reflect.DeepEqual(live, page) {
			t.Fatalf("live and folded differ:\n%+v\n%+v", live, page)
		}
		if !reflect.DeepEqual(chat.Fold(page), page) {
			t.Fatal("folding again changed the run")
		}
		for cut := range run {
			w := chat.Fold(run[:cut])
			for _, e := range run[cut:] {
				w = append(w, chat.Arrive(w, e))
				chat.ApplyToRun(w, e)
			}
			for i := range w {
				if w[i].Kind == chat.EntryMessage && !reflect.DeepEqual(w[i], page[i]) {
					t.Fatalf("cut at %d: entry %d is %+v, want %+v", cut, i, w[i], page[i])
				}
			}
		}
	})
}

// TestArriveForgetsQuotesOfDeletedMessages: a reply stored just after its
// message was deleted (the two raced at the server) still quotes it; as it
// joins a window holding the deleted message it drops the quote.
func TestArriveForgetsQuotesOfDeletedMessages(t *testing.T) {
	t.Parallel()
	window := []chat.Entry{msg(1, "ann", "<div>secret</div>"), msg(2, "bob", "<div>x</div>")}
	chat.ApplyToRun(window, del(3, 1))
	r := reply(4, "bob", "<div>re</div>", 1, "secret")
	if got := chat.Arrive(window, r); got.Reply == nil || !got.Reply.Deleted || got.Reply.Text != "" {
		t.Errorf("reply to a deleted message arrives as %+v", got.Reply)
	}
	if r.Reply.Deleted {
		t.Error("Arrive changed its argument's quote")
	}
	kept := reply(5, "bob", "<div>re</div>", 2, "x")
	if got := chat.Arrive(window, kept); got.Reply.Deleted || got.Reply.Text != "x" {
		t.Errorf("reply to a kept message arrives as %+v", got.Reply)
	}
}

func TestADeletedMessageShowsNoFiles(t *testing.T) {
	t.Parallel()
	m := msg(1, "ann", "<div>photo</div>")
	m.Files = []chat.File{{ID: "F", Name: "a.png", Type: "image/png", Size: 3, Thumb: true}}
	live, _ := chat.Apply(m, del(2, 1))
	if live.Files != nil || !live.Deleted {
		t.Errorf("applied live: %+v", live)
	}
	state, _ := chat.Apply(chat.Entry{Conv: "r:x", Seq: 1, Kind: chat.EntryMessage}, del(2, 1))
	if merged := chat.Merge(m, state); merged.Files != nil || !merged.Deleted {
		t.Errorf("merged from the server's state: %+v", merged)
	}
	if got := chat.Fold([]chat.Entry{m, del(2, 1)}); got[0].Files != nil {
		t.Errorf("folded: %+v", got[0])
	}
	if len(m.Files) != 1 {
		t.Error("the message folded was changed")
	}
	edited, _ := chat.Apply(m, edit(2, 1, "<div>v2</div>"))
	if len(edited.Files) != 1 {
		t.Errorf("an edit lost the files: %+v", edited)
	}
}

// TestPreviewFoldsAndGoes: a preview entry sets the message's Preview, a
// later one without a preview removes it, Merge of the server's state
// agrees with Apply, and a delete drops it.
func TestPreviewFoldsAndGoes(t *testing.T) {
	m := chat.Entry{Conv: "c", Seq: 1, Kind: chat.EntryMessage, From: "ann", HTML: "<p>x</p>"}
	lp := &chat.LinkPreview{URL: "https://example.com/", Title: "Example"}
	add := chat.Entry{Conv: "c", Seq: 2, Kind: chat.EntryPreview, Target: 1, Preview: lp}
	got, ok := chat.Apply(m, add)
	if !ok || got.Preview == nil || got.Preview.Title != "Example" {
		t.Fatalf("after the preview: %+v, %v", got, ok)
	}
	state, _ := chat.Apply(chat.Entry{Conv: "c", Seq: 1, Kind: chat.EntryMessage}, add)
	if merged := chat.Merge(m, state); merged.Preview == nil || merged.Preview.URL != lp.URL {
		t.Fatalf("merged: %+v", merged)
	}
	remove := chat.Entry{Conv: "c", Seq: 3, Kind: chat.EntryPreview, Target: 1}
	if got, _ = chat.Apply(got, remove); got.Preview != nil {
		t.Fatalf("removed preview still there: %+v", got.Preview)
	}
	again, _ := chat.Apply(m, add)
	del := chat.Entry{Conv: "c", Seq: 3, Kind: chat.EntryDelete, Target: 1}
	if again, _ = chat.Apply(again, del); again.Preview != nil {
		t.Fatalf("a deleted message keeps its preview: %+v", again.Preview)
	}
	if folded := chat.Fold([]chat.Entry{m, add}); folded[0].Preview == nil {
		t.Fatal("Fold did not fold the preview in")
	}
}

func TestLinkPreviewSafeURL(t *testing.T) {
	for u, want := range map[string]bool{"https://a.example/x": true, "http://a": true, "javascript:alert(1)": false, "/files/x": false, "": false} {
		if got := (&chat.LinkPreview{URL: u}).SafeURL(); got != want {
			t.Errorf("SafeURL(%q) = %v, want %v", u, got, want)
		}
	}
}

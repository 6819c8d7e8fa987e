package search_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/dirlock"
	"github.com/founding/chat/server/markup"
	"github.com/founding/chat/server/search"
	"github.com/founding/chat/server/store/memory"
)

// bleve starts its analysis workers when it is imported, for the process.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("github.com/blevesearch/bleve_index_api.AnalysisWorker"))
}

// world is a log and a directory with an index over them.
type world struct {
	t   *testing.T
	log *memory.Log
	dir *memory.Directory
	ix  *search.Index
}

func newWorld(t *testing.T, path string) *world {
	t.Helper()
	w := &world{t: t, log: memory.NewLog(), dir: memory.NewDirectory()}
	w.open(path)
	return w
}

// open opens an index over w's log at path ("" in memory), closed with the
// test.
func (w *world) open(path string) {
	w.t.Helper()
	ix, err := search.Open(context.Background(), search.Options{Path: path, Log: w.log, Directory: w.dir})
	if err != nil {
		w.t.Fatal(err)
	}
	w.ix = ix
	w.t.Cleanup(func() {
		if w.ix == ix {
			if err := ix.Close(); err != nil {
				w.t.Error(err)
			}
		}
	})
}

func (w *world) member(user, conv string) {
	w.t.Helper()
	if _, err := w.dir.SetMember(context.Background(), user, conv, true); err != nil {
		w.t.Fatal(err)
	}
}

// say appends a message of from to conv and returns its sequence.
func (w *world) say(conv, from, text string) uint64 {
	w.t.Helper()
	e, err := w.log.Append(context.Background(), chat.Entry{Conv: conv, Kind: chat.EntryMessage, From: from, HTML: markup.Message(text)})
	if err != nil {
		w.t.Fatal(err)
	}
	return e.Seq
}

func (w *world) act(conv string, kind chat.EntryKind, target uint64, text string) {
	w.t.Helper()
	e := chat.Entry{Conv: conv, Kind: kind, Target: target}
	if text != "" {
		e.HTML = markup.Message(text)
	}
	if _, err := w.log.Append(context.Background(), e); err != nil {
		w.t.Fatal(err)
	}
}

// find searches for user, after the index has caught up with the watch.
func (w *world) find(user string, q chat.Search) chat.Results {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := w.ix.Sync(ctx); err != nil {
		w.t.Fatal(err)
	}
	res, err := w.ix.Search(ctx, user, q)
	if err != nil {
		w.t.Fatal(err)
	}
	return res
}

func seqs(r chat.Results) []uint64 {
	out := []uint64{}
	for _, h := range r.Hits {
		out = append(out, h.Seq)
	}
	return out
}

func equal(a, b []uint64) bool { return slices.Equal(a, b) }

func TestEnglishIsStemmed(t *testing.T) {
	w := newWorld(t, "")
	w.member("ann", "r:lobby")
	run := w.say("r:lobby", "bob", "I was running to the station")
	w.say("r:lobby", "bob", "nothing to see here")
	res := w.find("ann", chat.Search{Q: "runs"})
	if got := seqs(res); !equal(got, []uint64{run}) {
		t.Fatalf("runs found %v, want [%d]", got, run)
	}
	if h := res.Hits[0]; !strings.Contains(h.HTML, "<mark>running</mark>") || h.From != "bob" || h.Conv != "r:lobby" || h.Time == 0 {
		t.Errorf("hit %+v: want running marked, from bob, in the lobby, with a time", h)
	}
	if got := seqs(w.find("ann", chat.Search{Q: "station running"})); !equal(got, []uint64{run}) {
		t.Errorf("every word: found %v, want [%d]", got, run)
	}
	if got := seqs(w.find("ann", chat.Search{Q: "station nothing"})); len(got) != 0 {
		t.Errorf("words of two messages found %v, want none (every word must be in one)", got)
	}
}

func TestChineseIsFoundByBigrams(t *testing.T) {
	w := newWorld(t, "")
	w.member("ann", "r:lobby")
	zh := w.say("r:lobby", "bob", "我们明天去北京开会")
	w.say("r:lobby", "bob", "今天天气很好")
	res := w.find("ann", chat.Search{Q: "北京"})
	if got := seqs(res); !equal(got, []uint64{zh}) {
		t.Fatalf("北京 found %v, want [%d]", got, zh)
	}
	if h := res.Hits[0].HTML; !strings.Contains(h, "<mark>北京</mark>") {
		t.Errorf("hit %q: want 北京 marked", h)
	}
	if got := seqs(w.find("ann", chat.Search{Q: "明天开会"})); len(got) != 0 {
		// bigrams 明天, 天开, 开会: 天开 is not in the text, so no match
		t.Errorf("明天开会 found %v, want none", got)
	}
	if got := seqs(w.find("ann", chat.Search{Q: "去北京"})); !equal(got, []uint64{zh}) {
		t.Errorf("去北京 found %v, want [%d]", got, zh)
	}
	mixed := w.say("r:lobby", "bob", "the deploy 部署 failed")
	if got := seqs(w.find("ann", chat.Search{Q: "部署 deploying"})); !equal(got, []uint64{mixed}) {
		t.Errorf("a mixed query found %v, want [%d]", got, mixed)
	}
}

func TestEditsAndDeletesUpdateTheIndex(t *testing.T) {
	w := newWorld(t, "")
	w.member("ann", "r:lobby")
	m := w.say("r:lobby", "bob", "the meeting is on monday")
	w.act("r:lobby", chat.EntryEdit, m, "the meeting is on tuesday")
	if got := seqs(w.find("ann", chat.Search{Q: "monday"})); len(got) != 0 {
		t.Errorf("the edited-out word found %v", got)
	}
	if got := seqs(w.find("ann", chat.Search{Q: "tuesday"})); !equal(got, []uint64{m}) {
		t.Errorf("the edited-in word found %v, want [%d]", got, m)
	}
	w.act("r:lobby", chat.EntryDelete, m, "")
	if got := seqs(w.find("ann", chat.Search{Q: "meeting"})); len(got) != 0 {
		t.Errorf("a deleted message found: %v", got)
	}
	w.act("r:lobby", chat.EntryEdit, m, "meeting resurrected")
	if got := seqs(w.find("ann", chat.Search{Q: "meeting"})); len(got) != 0 {
		t.Errorf("an edit after the delete brought it back: %v", got)
	}
}

func TestRebuildsFromTheLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "index")
	w := newWorld(t, path)
	w.member("ann", "r:lobby")
	early := w.say("r:lobby", "bob", "apples before the restart")
	if got := seqs(w.find("ann", chat.Search{Q: "apples"})); !equal(got, []uint64{early}) {
		t.Fatalf("found %v, want [%d]", got, early)
	}
	if err := w.ix.Close(); err != nil {
		t.Fatal(err)
	}
	// Written while no index follows the log: the mark says where to read.
	late := w.say("r:lobby", "bob", "apples while it was down")
	gone := w.say("r:lobby", "bob", "pears to delete")
	w.act("r:lobby", chat.EntryDelete, gone, "")
	w.open(path)
	if got := seqs(w.find("ann", chat.Search{Q: "apples"})); !equal(got, []uint64{late, early}) {
		t.Errorf("after a restart found %v, want [%d %d], newest first", got, late, early)
	}
	if got := seqs(w.find("ann", chat.Search{Q: "pears"})); len(got) != 0 {
		t.Errorf("a message deleted while the index was down found: %v", got)
	}

	// A missing index is made again from the whole log.
	if err := w.ix.Close(); err != nil {
		t.Fatal(err)
	}
	fresh := filepath.Join(t.TempDir(), "fresh")
	w.open(fresh)
	// The first entry watched finds the mark at 0: the worker reads the
	// log before it.
	newest := w.say("r:lobby", "bob", "apples after the new index")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := w.ix.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if got := seqs(w.find("ann", chat.Search{Q: "apples"})); !equal(got, []uint64{newest, late, early}) {
		t.Errorf("a new index found %v, want [%d %d %d]", got, newest, late, early)
	}
	if err := w.ix.Close(); err != nil {
		t.Fatal(err)
	}
	w.open(filepath.Join(t.TempDir(), "fresher"))
	if got := seqs(w.find("ann", chat.Search{Q: "apples"})); !equal(got, []uint64{newest, late, early}) {
		t.Errorf("another new index, caught up by the query, found %v, want [%d %d %d]", got, newest, late, early)
	}
}

func TestOnlyTheMembersConversations(t *testing.T) {
	w := newWorld(t, "")
	w.member("ann", "r:lobby")
	w.member("ann", "p:ann:bob")
	w.member("bob", "p:ann:bob")
	w.member("cat", "r:lobby")
	w.say("p:ann:bob", "ann", "secret plans")
	pub := w.say("r:lobby", "ann", "public plans")
	if got := seqs(w.find("cat", chat.Search{Q: "plans"})); !equal(got, []uint64{pub}) {
		t.Errorf("cat found %v, want only the lobby's [%d]", got, pub)
	}
	if got := w.find("cat", chat.Search{Q: "plans", Conv: "p:ann:bob"}); len(got.Hits) != 0 {
		t.Errorf("cat, naming the private conversation, found %v", seqs(got))
	}
	if got := w.find("bob", chat.Search{Q: "plans"}); len(got.Hits) != 1 || got.Hits[0].Conv != "p:ann:bob" {
		t.Errorf("bob found %+v, want the private message", got.Hits)
	}
	if _, err := w.dir.SetMember(context.Background(), "bob", "p:ann:bob", false); err != nil {
		t.Fatal(err)
	}
	if got := w.find("bob", chat.Search{Q: "plans"}); len(got.Hits) != 0 {
		t.Errorf("bob, no longer a member, found %v", seqs(got))
	}
}

func TestFiltersAndPages(t *testing.T) {
	clock := time.UnixMilli(1_000_000)
	w := newWorld(t, "")
	w.log.Now = func() time.Time { return clock }
	w.member("ann", "r:lobby")
	w.member("ann", "r:ops")
	for i := range 7 {
		clock = clock.Add(time.Second)
		conv, from := "r:lobby", "bob"
		if i%2 == 1 {
			conv, from = "r:ops", "Cat"
		}
		w.say(conv, from, "deploy number "+strconv.Itoa(i))
	}
	res := w.find("ann", chat.Search{Q: "deploy"})
	if len(res.Hits) != 7 || res.Cursor != "" {
		t.Fatalf("found %d hits (cursor %q), want 7 and no more", len(res.Hits), res.Cursor)
	}
	for i := 1; i < len(res.Hits); i++ {
		if res.Hits[i].Time > res.Hits[i-1].Time {
			t.Fatalf("hits not newest first: %+v", res.Hits)
		}
	}
	if got := w.find("ann", chat.Search{Q: "deploy", From: "cat"}); len(got.Hits) != 3 {
		t.Errorf("from cat (typed in another case): %d hits, want 3", len(got.Hits))
	}
	if got := w.find("ann", chat.Search{Q: "deploy", Conv: "r:ops"}); len(got.Hits) != 3 {
		t.Errorf("in r:ops: %d hits, want 3", len(got.Hits))
	}
	// Times are 1_001_000 .. 1_007_000: after the 2nd and before the 6th.
	if got := w.find("ann", chat.Search{Q: "deploy", After: 1_002_000, Before: 1_006_000}); len(got.Hits) != 3 {
		t.Errorf("between: %d hits, want 3 (%+v)", len(got.Hits), got.Hits)
	}
	if got := w.find("ann", chat.Search{Q: "deploy", File: true}); len(got.Hits) != 0 {
		t.Errorf("has a file: %d hits, want none before a message carries one", len(got.Hits))
	}
	var paged []chat.Hit
	cursor := ""
	for range 10 {
		p := w.find("ann", chat.Search{Q: "deploy", Limit: 3, Cursor: cursor})
		paged = append(paged, p.Hits...)
		if cursor = p.Cursor; cursor == "" {
			break
		}
	}
	if len(paged) != 7 {
		t.Fatalf("paging found %d hits, want 7", len(paged))
	}
	for i, h := range paged {
		if h != res.Hits[i] {
			t.Errorf("page hit %d is %+v, want %+v", i, h, res.Hits[i])
		}
	}
	withFile, err := w.log.Append(context.Background(), chat.Entry{Conv: "r:lobby", Kind: chat.EntryMessage, From: "bob",
		HTML: markup.Message("deploy notes attached"), Files: []chat.File{{ID: strings.Repeat("a", 26), Name: "notes.txt", Type: "text/plain", Size: 5}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := w.find("ann", chat.Search{Q: "deploy", File: true}); !equal(seqs(got), []uint64{withFile.Seq}) {
		t.Errorf("has a file: found %v, want only message %d", seqs(got), withFile.Seq)
	}
	if _, err := w.ix.Search(context.Background(), "ann", chat.Search{Q: "deploy", Cursor: "nonsense!"}); err != search.ErrBadCursor {
		t.Errorf("a forged cursor: %v, want ErrBadCursor", err)
	}
}

func TestHighlightEscapes(t *testing.T) {
	w := newWorld(t, "")
	w.member("ann", "r:lobby")
	payload := `<img src=x onerror=alert(1)> & "quotes"`
	w.say("r:lobby", "<b>bob</b>", payload)
	res := w.find("ann", chat.Search{Q: "<img src=x onerror=alert(1)>"})
	if len(res.Hits) != 1 {
		t.Fatalf("the payload as a query found %d hits, want 1", len(res.Hits))
	}
	h := res.Hits[0].HTML
	if strings.Contains(h, "<img") || !strings.Contains(h, "&lt;") || !strings.Contains(h, "&amp;") {
		t.Errorf("highlight %q holds raw markup or lost the escapes", h)
	}
	if stripped := strings.NewReplacer("<mark>", "", "</mark>", "").Replace(h); strings.ContainsAny(stripped, "<>") {
		t.Errorf("highlight %q holds markup besides <mark>", h)
	}
}

func TestHighlightCutsLongText(t *testing.T) {
	long := strings.Repeat("word ", 200) + "needle " + strings.Repeat("tail ", 200)
	at := strings.Index(long, "needle")
	h := chat.Highlight(long, [][2]int{{at, at + len("needle")}})
	if !strings.HasPrefix(h, "…") || !strings.HasSuffix(h, "…") || !strings.Contains(h, "<mark>needle</mark>") || len(h) > 2000 {
		t.Errorf("a long text's highlight is %q", h)
	}
	if got := chat.Highlight("a<b", [][2]int{{1, 2}, {0, 99}, {-1, 1}}); got != "a<mark>&lt;</mark>b" {
		t.Errorf("spans out of bounds: %q", got)
	}
}

// TestManyConversationsInOneBatch: entries of many conversations watched
// together go into shared batches of the index, edits and deletes
// included, while a conversation with entries from before the index
// opened is caught up from the log in the same pass.
func TestManyConversationsInOneBatch(t *testing.T) {
	w := &world{t: t, log: memory.NewLog(), dir: memory.NewDirectory()}
	early := w.say("r:old", "bob", "written before the index opened")
	w.open(filepath.Join(t.TempDir(), "index"))
	const rooms = 300
	for i := range rooms {
		conv := "r:room" + strconv.Itoa(i)
		w.member("ann", conv)
		w.say(conv, "bob", "hello from room"+strconv.Itoa(i))
		gone := w.say(conv, "bob", "vanishing words in room"+strconv.Itoa(i))
		w.act(conv, chat.EntryDelete, gone, "")
	}
	w.member("ann", "r:old")
	later := w.say("r:old", "bob", "written after it opened")
	w.act("r:room7", chat.EntryEdit, 1, "changed words")
	for _, i := range []int{0, 150, rooms - 1} {
		if got := seqs(w.find("ann", chat.Search{Q: "room" + strconv.Itoa(i)})); !equal(got, []uint64{1}) {
			t.Errorf("room%d found %v, want [1]", i, got)
		}
	}
	if got := w.find("ann", chat.Search{Q: "vanishing"}); len(got.Hits) != 0 {
		t.Errorf("deleted messages found: %d", len(got.Hits))
	}
	if got := seqs(w.find("ann", chat.Search{Q: "changed"})); !equal(got, []uint64{1}) {
		t.Errorf("the edit in room7 found %v, want [1]", got)
	}
	if got := seqs(w.find("ann", chat.Search{Q: "written", Conv: "r:old"})); !equal(got, []uint64{later, early}) {
		t.Errorf("the conversation caught up found %v, want [%d %d]", got, later, early)
	}
}

// TestSecondIndexOnTheSamePathFailsAtOnce: a second index opened on the
// path of an open one (another node started on the same files) fails at
// once with dirlock.ErrInUse instead of waiting for bleve's file lock, and
// leaves the first one's documents alone.
func TestSecondIndexOnTheSamePathFailsAtOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "index")
	w := newWorld(t, path)
	w.member("ann", "r:lobby")
	kept := w.say("r:lobby", "bob", "apples in the first index")
	_, err := search.Open(context.Background(), search.Options{Path: path, Log: w.log, Directory: w.dir})
	if !errors.Is(err, dirlock.ErrInUse) {
		t.Fatalf("second open: err = %v, want dirlock.ErrInUse", err)
	}
	if got := seqs(w.find("ann", chat.Search{Q: "apples"})); !equal(got, []uint64{kept}) {
		t.Errorf("after the refused open the first index found %v, want [%d]", got, kept)
	}
}

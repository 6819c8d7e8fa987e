package client_test

import (
	"strings"
	"testing"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
)

// savedModel is a model holding the lobby's messages texts, from ann and
// bob in turn, at times 1000, 2000, ...
func savedModel(t *testing.T, texts ...string) *client.Model {
	t.Helper()
	m := client.NewModel()
	m.Apply(&chat.Welcome{Me: "ann", Convs: []chat.ConvInfo{roomInfo(lobby, "lobby", uint64(len(texts)), 0)}})
	var es []chat.Entry
	for i, text := range texts {
		from := []string{"ann", "bob"}[i%2]
		e := entry(lobby, uint64(i+1), from)
		e.HTML = `<div class="body" dir="auto">` + text + `</div>`
		es = append(es, e)
	}
	m.Apply(page(lobby, 1, uint64(len(texts)), es))
	return m
}

func hitSeqs(hits []chat.Hit) []uint64 {
	out := []uint64{}
	for _, h := range hits {
		out = append(out, h.Seq)
	}
	return out
}

func TestSearchSavedFindsEveryWordNewestFirst(t *testing.T) {
	m := savedModel(t, "Deploy the build", "lunch?", "the deploy failed again", "我们去北京开会", "&lt;b&gt;deploy&lt;/b&gt; tags")
	if got := hitSeqs(m.SearchSaved(chat.Search{Q: "deploy"})); len(got) != 3 || got[0] != 5 || got[1] != 3 || got[2] != 1 {
		t.Errorf("deploy found %v, want [5 3 1]", got)
	}
	if got := hitSeqs(m.SearchSaved(chat.Search{Q: "DEPLOY failed"})); len(got) != 1 || got[0] != 3 {
		t.Errorf("every word: found %v, want [3]", got)
	}
	if got := hitSeqs(m.SearchSaved(chat.Search{Q: "北京"})); len(got) != 1 || got[0] != 4 {
		t.Errorf("北京 found %v, want [4]", got)
	}
	if got := hitSeqs(m.SearchSaved(chat.Search{Q: "deploy", From: "Bob"})); len(got) != 0 {
		t.Errorf("deploy from bob: %v, want none", got)
	}
	if got := hitSeqs(m.SearchSaved(chat.Search{Q: "lunch", From: "@Bob"})); len(got) != 1 || got[0] != 2 {
		t.Errorf("lunch from @Bob: %v, want [2]", got)
	}
	if got := hitSeqs(m.SearchSaved(chat.Search{Q: "deploy", After: 1000, Before: 5000})); len(got) != 1 || got[0] != 3 {
		t.Errorf("between 1000 and 5000: %v, want [3]", got)
	}
	if got := m.SearchSaved(chat.Search{Q: "deploy", Conv: "r:other"}); len(got) != 0 {
		t.Errorf("in another conversation: %v", got)
	}
	hit := m.SearchSaved(chat.Search{Q: "<b>"})
	if len(hit) != 1 || hit[0].HTML != "<mark>&lt;b&gt;</mark>deploy&lt;/b&gt; tags" {
		t.Errorf("a hit for <b> is %+v: want the text escaped, the match marked", hit)
	}
}

func TestSearchSavedSkipsDeleted(t *testing.T) {
	m := savedModel(t, "secret word", "other")
	m.Apply(&chat.Entry{Conv: lobby, Seq: 3, Time: 3000, Kind: chat.EntryDelete, From: "ann", Target: 1})
	if got := m.SearchSaved(chat.Search{Q: "secret"}); len(got) != 0 {
		t.Errorf("a deleted message found: %+v", got)
	}
	if !m.Convs[lobby].Holds(2) || m.Convs[lobby].Holds(9) {
		t.Error("Holds is wrong about the window")
	}
}

func TestHighlightOfALongText(t *testing.T) {
	text := strings.Repeat("a ", 300) + "needle" + strings.Repeat(" b", 300)
	at := strings.Index(text, "needle")
	h := chat.Highlight(text, [][2]int{{at, at + 6}})
	if !strings.HasPrefix(h, "…") || !strings.HasSuffix(h, "…") || !strings.Contains(h, "<mark>needle</mark>") {
		t.Errorf("highlight of a long text: %q", h)
	}
}

func TestSearchSavedHasAFile(t *testing.T) {
	m := savedModel(t, "the plan", "the plan, attached")
	file := entry(lobby, 3, "bob")
	file.HTML = `<div class="body" dir="auto">the plan, as a file</div>`
	file.Files = []chat.File{{ID: strings.Repeat("a", 26), Name: "plan.pdf", Type: "application/pdf", Size: 9}}
	m.Apply(&file)
	if got := hitSeqs(m.SearchSaved(chat.Search{Q: "plan", File: true})); len(got) != 1 || got[0] != 3 {
		t.Errorf("plan with a file: found %v, want [3]", got)
	}
	if got := hitSeqs(m.SearchSaved(chat.Search{Q: "plan"})); len(got) != 3 {
		t.Errorf("plan: found %v, want all three", got)
	}
}

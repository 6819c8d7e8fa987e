//go:build !wasm

package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/founding/chat/app/chat"
)

// TestEphemeralNotesShowOnlyVisibleToYou: the notices of the conversation
// show with their sender, the mark, the rendered body and a dismiss
// button; those of another conversation do not; a dismissed one goes.
func TestEphemeralNotesShowOnlyVisibleToYou(t *testing.T) {
	for _, lang := range []Lang{English, Chinese} {
		t.Run(string(lang), func(t *testing.T) {
			m := twoConversations()
			m.Apply(&chat.Notice{Conv: "r:lobby", From: "&lt;helpbot&gt;", HTML: `<div class="body">only <strong>you</strong></div>`})
			m.Apply(&chat.Notice{Conv: "p:cid", From: "other", HTML: `<div class="body">elsewhere</div>`})
			h, root := render(t, newEphemeralNotes().Lang(lang).Model(m).Conv("r:lobby"))
			notes := root.all(byClass("entry", "ephemeral"))
			if len(notes) != 1 {
				t.Fatalf("%d notes in %s, want the lobby's one", len(notes), h)
			}
			note := notes[0]
			if got := note.must(t, "the sender", byClass("from")).text(); got != "<helpbot>" {
				t.Errorf("from %q", got)
			}
			if got := note.must(t, "the mark", byClass("only-you")).text(); got != T(lang, "ephemeral.only") {
				t.Errorf("mark %q", got)
			}
			if b := note.must(t, "the body", byClass("body")); !strings.Contains(b.text(), "only you") || b.find(byTag("strong")) == nil {
				t.Errorf("body %q, want it rendered", b.text())
			}
			note.must(t, "the dismiss button", byClass("dismiss"))
			m.DismissEphemeral("r:lobby", m.Ephemerals("r:lobby")[0].ID)
			if _, root := render(t, newEphemeralNotes().Lang(lang).Model(m).Conv("r:lobby")); len(root.all(byClass("ephemeral"))) != 0 {
				t.Error("a dismissed notice still shows")
			}
		})
	}
}

// TestShellShowsEphemeralNotesLast: in the whole page, a notice of the
// active conversation is the timeline's last item, after its entries.
func TestShellShowsEphemeralNotesLast(t *testing.T) {
	s, lobby := online(English)
	lobby.Entries = []chat.Entry{message("r:lobby", 1, time.Now(), "Ann", "one")}
	s.model.Apply(&chat.Notice{Conv: "r:lobby", From: "helpbot", HTML: `<div class="body">psst</div>`})
	_, root := render(t, s)
	items := timeline(t, root)
	last := items[len(items)-1]
	if !last.hasClass("ephemerals") || !strings.Contains(last.text(), "psst") || !strings.Contains(last.text(), "Only visible to you") {
		t.Errorf("the last item of the timeline is %v %q, want the notice", last.attrs, last.text())
	}
}

//go:build !js

package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/founding/chat/app/chat"
)

// TestLinkPreviewCard: a message's preview shows as a card with its site,
// a title linking out safely, the description as text and the server's
// thumbnail; Remove preview is offered on the user's own message only; a
// remote image, an unsafe URL and a removal waiting in the outbox show
// nothing of it.
func TestLinkPreviewCard(t *testing.T) {
	s, lobby := online(English)
	now := time.Now()
	withPreview := func(seq uint64, from string, lp chat.LinkPreview) chat.Entry {
		e := message("r:lobby", seq, now, from, "see the link")
		e.Preview = &lp
		return e
	}
	lobby.Entries = []chat.Entry{
		withPreview(1, "Ann", chat.LinkPreview{URL: "https://news.example/a?b=1", Title: "Big news", Description: "<script>x</script>",
			Site: "News", Image: chat.FilesPath + "/AAAAAAAAAAAAAAAAAAAAAAAAAA", Width: 320, Height: 160}),
		withPreview(2, "Bob", chat.LinkPreview{URL: "https://other.example/", Title: "Other", Image: "https://tracker.example/pixel.png"}),
		withPreview(3, "Bob", chat.LinkPreview{URL: "javascript:alert(1)", Title: "Evil"}),
		withPreview(4, "Ann", chat.LinkPreview{URL: "https://gone.example/", Title: "Going"}),
	}
	s.model.Unpreview("r:lobby", 4)
	_, root := render(t, s)
	card := func(seq string) *node { return root.find(byAttr("data-seq", seq)).find(byClass("link-preview")) }

	c := card("1")
	if c == nil {
		t.Fatal("no card under Ann's message")
	}
	a := c.must(t, "title link", byClass("preview-title"))
	if a.attrs["href"] != "https://news.example/a?b=1" || a.attrs["target"] != "_blank" || a.attrs["rel"] != "noopener noreferrer nofollow" || a.text() != "Big news" {
		t.Errorf("the title link: %v %q", a.attrs, a.text())
	}
	if d := c.must(t, "description", byClass("preview-desc")); d.text() != "<script>x</script>" || d.find(byTag("script")) != nil {
		t.Errorf("the description: %q", d.text())
	}
	img := c.must(t, "thumbnail", byTag("img"))
	if !strings.HasPrefix(img.attrs["src"], chat.FilesPath+"/") || img.attrs["alt"] != "Big news" || img.attrs["loading"] != "lazy" {
		t.Errorf("the thumbnail: %v", img.attrs)
	}
	if got := c.texts(byClass("preview-remove")); len(got) != 1 || got[0] != "Remove preview" {
		t.Errorf("Ann's own card offers %v", got)
	}
	other := card("2")
	if other == nil || other.find(byTag("img")) != nil || other.find(byClass("preview-remove")) != nil {
		t.Error("Bob's card loads a remote image or offers Ann its removal")
	}
	if card("3") != nil {
		t.Error("a card links to a javascript: URL")
	}
	if card("4") != nil {
		t.Error("a card whose removal waits in the outbox still shows")
	}
}
